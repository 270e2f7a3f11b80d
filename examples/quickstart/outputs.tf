output "gateway" {
  description = "What the quickstart created around the keys, and the LLM connections the repository serves: never a secret."
  value = {
    workspace_id   = flashback_workspace.this.id
    repo_id        = flashback_repo.this.id
    repo_name      = flashback_repo.this.name
    repo_llm_ids   = flashback_repo.this.ai_llm_ids
    llm_id         = flashback_ai_llm.openai.id
    org_policy_id  = flashback_ai_policy.no_personal_data.id
    repo_policy_id = flashback_ai_policy.repo_alerts.id
  }
}

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
