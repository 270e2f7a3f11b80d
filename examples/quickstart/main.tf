# The quickstart that `make demo` applies against the local Flashback emulator:
# a governed AI gateway from an empty organization, in one apply. A workspace,
# an OpenAI connection, a repository that serves it, an organization-wide and
# a repository policy and three AI API keys are created; `terraform destroy`
# removes them in the right order, which the references give. It works the
# same against the real Flashback API.
terraform {
  required_version = ">= 1.5"

  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}

# Configured from the environment (FLASHBACK_BASE_URL, FLASHBACK_ACCESS_TOKEN),
# so that the token never appears in the configuration or the state.
provider "flashback" {}

resource "flashback_workspace" "this" {
  name = var.workspace_name
}

resource "flashback_ai_llm" "openai" {
  workspace_id = flashback_workspace.this.id
  name         = "quickstart-openai"
  ai_type      = "OPENAI"
  endpoint     = "https://api.openai.com/v1"

  # Write-only on Terraform 1.11 and later: the secret is sent to Flashback and
  # never stored in the state. Older CLIs keep it in the state, as `secret`.
  secret_wo         = var.write_only ? var.openai_api_key : null
  secret_wo_version = var.write_only ? 1 : null
  secret            = var.write_only ? null : var.openai_api_key
}

# The repository applications call: AI traffic alone (no bucket), served by the
# OpenAI connection above. Flashback refuses to delete a connection that a
# repository uses; the reference makes Terraform destroy the repository first.
resource "flashback_repo" "this" {
  workspace_id = flashback_workspace.this.id
  name         = var.repo_name
  storage_type = "S3"
  mode         = "NORMAL"
  ai_llm_ids   = [flashback_ai_llm.openai.id]
}

resource "flashback_ai_policy" "no_personal_data" {
  name        = "quickstart: no personal data"
  content     = "Do not allow prompts or answers that contain personal data."
  risk_type   = "HIGH"
  action_type = "block"
}

resource "flashback_ai_policy" "repo_alerts" {
  workspace_id = flashback_workspace.this.id
  repo_id      = flashback_repo.this.id
  name         = "quickstart: credentials in prompts"
  content      = "Alert when a prompt contains what looks like a password or an API key."
  risk_type    = "MEDIUM"
  action_type  = "alert"
}

locals {
  # Label => AI type. The label is the for_each key, so it stays stable when a
  # key is renamed.
  keys = {
    chat      = "OPENAI"
    assistant = "ANTHROPIC"
    vision    = "GOOGLE"
  }
}

resource "flashback_repo_ai_apikey" "demo" {
  for_each = local.keys

  repo_id = flashback_repo.this.id
  name    = lookup(var.renames, each.key, "quickstart-${each.key}")
  ai_type = each.value
}
