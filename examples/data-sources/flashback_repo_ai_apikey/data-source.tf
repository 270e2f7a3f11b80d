# Look a key up by its name. This fails if several keys of the repository share
# the name: look it up by id then.
data "flashback_repo_ai_apikey" "by_name" {
  repo_id = "repo-123"
  name    = "Production AI Key"
}

# Or by its id.
data "flashback_repo_ai_apikey" "by_id" {
  repo_id = "repo-123"
  id      = "550e8400-e29b-41d4-a716-446655440000"
}

output "production_key" {
  value = data.flashback_repo_ai_apikey.by_name.key
}

output "production_key_created_at" {
  value = data.flashback_repo_ai_apikey.by_id.created_at
}
