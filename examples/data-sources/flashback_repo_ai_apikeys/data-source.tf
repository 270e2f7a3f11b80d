# Every AI API key of a repository, newest first. Secrets are never listed:
# Flashback returns a key's secret only when the key is created.
data "flashback_repo_ai_apikeys" "all" {
  repo_id = "repo-123"
}

# Only the OpenAI keys named exactly "Production AI Key".
data "flashback_repo_ai_apikeys" "production_openai" {
  repo_id = "repo-123"
  name    = "Production AI Key"
  ai_type = "OPENAI"
}

output "key_names" {
  value = data.flashback_repo_ai_apikeys.all.api_keys[*].name
}

output "production_openai_key_ids" {
  value = data.flashback_repo_ai_apikeys.production_openai.api_keys[*].id
}
