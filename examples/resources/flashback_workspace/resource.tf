# A workspace, and an AI LLM configuration in it. Everything in the workspace
# references its id, so Terraform creates the workspace first and destroys it
# last: Flashback refuses to delete a workspace that still holds repositories
# or buckets.
resource "flashback_workspace" "production" {
  name = "Production"
}

variable "openai_api_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "flashback_ai_llm" "openai" {
  workspace_id      = flashback_workspace.production.id
  name              = "OpenAI"
  ai_type           = "OPENAI"
  endpoint          = "https://api.openai.com/v1"
  secret_wo         = var.openai_api_key
  secret_wo_version = 1
}
