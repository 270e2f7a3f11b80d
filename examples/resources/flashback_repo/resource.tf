locals {
  workspace_id = "workspace-123"
}

# The LLM connection the gateway repository serves (see flashback_ai_llm).
variable "openai_api_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "flashback_ai_llm" "openai" {
  workspace_id      = local.workspace_id
  name              = "OpenAI production"
  ai_type           = "OPENAI"
  endpoint          = "https://api.openai.com/v1"
  secret_wo         = var.openai_api_key
  secret_wo_version = 1
}

# A repository for AI traffic alone: no bucket, one LLM connection. Terraform
# owns the whole ai_llm_ids set: one attached in the console is detached by the
# next apply unless its ID is added here.
resource "flashback_repo" "assistant" {
  workspace_id = local.workspace_id
  name         = "assistant-ai-gateway"
  storage_type = "S3"
  mode         = "NORMAL"
  ai_llm_ids   = [flashback_ai_llm.openai.id]
}

# A repository of two buckets of the workspace, each in a folder of its own.
resource "flashback_repo" "documents" {
  workspace_id = local.workspace_id
  name         = "documents"
  storage_type = "S3"
  mode         = "NORMAL"

  bucket {
    bucket_id = "123e4567-e89b-12d3-a456-426614174000"
    folder    = "contracts"
  }

  bucket {
    bucket_id = "123e4567-e89b-12d3-a456-426614174001"
    folder    = "invoices"
  }
}

output "assistant_repo_id" {
  value = flashback_repo.assistant.id
}
