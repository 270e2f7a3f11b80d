output "keys" {
  description = "Every key by label, without its secret."
  value = {
    for label, k in flashback_repo_ai_apikey.demo : label => {
      id         = k.id
      name       = k.name
      ai_type    = k.ai_type
      key        = k.key
      created_at = k.created_at
    }
  }
}

output "secrets" {
  description = "Every key's secret by label. Flashback returns a secret only once, at creation; read it with `terraform output -json secrets`."
  value       = { for label, k in flashback_repo_ai_apikey.demo : label => k.secret }
  sensitive   = true
}
