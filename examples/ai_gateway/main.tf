# A governed AI gateway from an empty organization, in one apply: a workspace,
# an OpenAI connection with a write-only secret, a repository that serves it,
# an organization-wide and a repository policy that govern the traffic, and
# AI API keys for two apps. Everything references what it depends on, so
# `terraform destroy` removes it in the right order: the keys, the policies
# and the repository first, then the connection (Flashback refuses to delete a
# connection while a repository uses it), the workspace last.
terraform {
  # Write-only attributes and ephemeral variables: Terraform 1.11 or later.
  required_version = ">= 1.11"

  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}

# Configured from the environment (FLASHBACK_BASE_URL, FLASHBACK_ACCESS_TOKEN).
provider "flashback" {}

variable "workspace_name" {
  description = "The name of the Flashback workspace to create."
  type        = string
  default     = "AI gateway"
}

variable "repo_name" {
  description = "The repository that exposes the gateway to applications: unique within the organization."
  type        = string
  default     = "assistant"
}

variable "openai_api_key" {
  description = "The OpenAI API key Flashback calls OpenAI with. Ephemeral: it is never written to the plan or the state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "openai_api_key_version" {
  description = "Bump it whenever openai_api_key changes: a write-only secret is never compared, so the version is what sends the new one."
  type        = number
  default     = 1
}

resource "flashback_workspace" "this" {
  name = var.workspace_name
}

resource "flashback_ai_llm" "openai" {
  workspace_id      = flashback_workspace.this.id
  name              = "openai"
  ai_type           = "OPENAI"
  endpoint          = "https://api.openai.com/v1"
  secret_wo         = var.openai_api_key
  secret_wo_version = var.openai_api_key_version
}

# A repository for AI traffic alone: no bucket, one LLM connection. Terraform
# owns the whole ai_llm_ids set: a connection attached in the console is
# detached by the next apply unless its ID is added here.
resource "flashback_repo" "this" {
  workspace_id = flashback_workspace.this.id
  name         = var.repo_name
  storage_type = "S3"
  mode         = "NORMAL"
  ai_llm_ids   = [flashback_ai_llm.openai.id]
}

# Applies to every workspace and repository of the organization (org_id
# defaults to the caller's organization).
resource "flashback_ai_policy" "no_personal_data" {
  name        = "No personal data"
  content     = "Do not allow prompts or answers that contain personal data such as names, addresses or card numbers."
  risk_type   = "HIGH"
  action_type = "block"
}

# Applies to this repository only, on top of the organization's policies.
resource "flashback_ai_policy" "no_secrets" {
  workspace_id = flashback_workspace.this.id
  repo_id      = flashback_repo.this.id
  name         = "No credentials in prompts"
  content      = "Alert when a prompt contains what looks like a password, an API key or a private key."
  risk_type    = "MEDIUM"
  action_type  = "alert"
}

resource "flashback_repo_ai_apikey" "app" {
  for_each = toset(["web", "batch"])

  repo_id = flashback_repo.this.id
  name    = "assistant-${each.key}"
  ai_type = "OPENAI"
}

output "gateway" {
  description = "What the apps and the console need: the workspace, the repository and the LLM connection it serves, never a secret."
  value = {
    workspace_id = flashback_workspace.this.id
    repo_id      = flashback_repo.this.id
    repo_name    = flashback_repo.this.name
    llm_id       = flashback_ai_llm.openai.id
    ai_llm_ids   = flashback_repo.this.ai_llm_ids
  }
}

output "app_keys" {
  description = "Each app's public key identifier."
  value       = { for app, k in flashback_repo_ai_apikey.app : app => k.key }
}

output "app_secrets" {
  description = "Each app's secret, returned by Flashback once; read it with `terraform output -json app_secrets`."
  value       = { for app, k in flashback_repo_ai_apikey.app : app => k.secret }
  sensitive   = true
}
