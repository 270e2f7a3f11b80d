# One AI API key per entry of a map of name => AI type, all in one repository.
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}

variable "repo_id" {
  description = "The ID of the Flashback repository the keys belong to."
  type        = string
}

variable "keys" {
  description = "The keys to create: display name => AI type (OPENAI, GOOGLE, ANTHROPIC, AWS or OTHER)."
  type        = map(string)
  default = {
    "support-bot" = "OPENAI"
    "summarizer"  = "ANTHROPIC"
    "translator"  = "GOOGLE"
  }
}

resource "flashback_repo_ai_apikey" "this" {
  for_each = var.keys

  repo_id = var.repo_id
  name    = each.key
  ai_type = each.value
}

output "keys" {
  description = "The public key identifier of each key, by name."
  value       = { for name, k in flashback_repo_ai_apikey.this : name => k.key }
}

output "secrets" {
  description = "The secret of each key, by name."
  value       = { for name, k in flashback_repo_ai_apikey.this : name => k.secret }
  sensitive   = true
}
