resource "flashback_repo_ai_apikey" "example" {
  repo_id = "repo-123"
  name    = "Production AI Key"
  ai_type = "OPENAI"
}

output "example_key" {
  value = flashback_repo_ai_apikey.example.key
}

# Flashback returns the secret only when the key is created; Terraform keeps it
# in the state. Read it with `terraform output -raw example_secret`.
output "example_secret" {
  value     = flashback_repo_ai_apikey.example.secret
  sensitive = true
}
