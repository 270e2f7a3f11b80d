# The OpenAI API key comes from an ephemeral variable (set TF_VAR_openai_api_key)
# through the write-only secret_wo: Terraform sends it to Flashback and keeps it
# in neither the plan nor the state. Terraform 1.11 or OpenTofu 1.11 and later.
variable "openai_api_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Increase it whenever openai_api_key changes: that is what sends the new secret.
variable "openai_api_key_version" {
  type    = number
  default = 1
}

resource "flashback_ai_llm" "openai" {
  workspace_id      = "workspace-123"
  name              = "OpenAI production"
  ai_type           = "OPENAI"
  endpoint          = "https://api.openai.com/v1"
  secret_wo         = var.openai_api_key
  secret_wo_version = var.openai_api_key_version
}

output "openai_llm_id" {
  value = flashback_ai_llm.openai.id
}
