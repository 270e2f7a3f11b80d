# Look a repository up by name within its workspace.
data "flashback_repo" "chat" {
  workspace_id = "123e4567-e89b-12d3-a456-426614174000"
  name         = "chat-assistant"
}

# Or by its id alone; workspace_id then tells which workspace it is in.
data "flashback_repo" "by_id" {
  id = "550e8400-e29b-41d4-a716-446655440000"
}

# The AI LLM configurations the repository exposes.
output "chat_ai_llm_ids" {
  value = data.flashback_repo.chat.ai_llm_ids
}

# Give the repository's AI API key a repo_id without pasting it.
resource "flashback_repo_ai_apikey" "chat" {
  repo_id = data.flashback_repo.chat.id
  name    = "chat-assistant backend"
  ai_type = "OPENAI"
}
