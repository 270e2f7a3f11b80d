# The quickstart that `make demo` applies against the local Flashback emulator:
# three AI API keys of different AI types in one repository. It works the same
# against the real Flashback API.
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

  repo_id = var.repo_id
  name    = lookup(var.renames, each.key, "quickstart-${each.key}")
  ai_type = each.value
}
