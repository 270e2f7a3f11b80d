# Rotates an AI API key every 30 days. Changing keepers replaces the key, and
# create_before_destroy creates the new key before the old one is deleted, so
# that whatever reads the secret from this configuration never goes without one.
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
    time = {
      source = "hashicorp/time"
    }
  }
}

variable "repo_id" {
  description = "The ID of the Flashback repository the key belongs to."
  type        = string
}

resource "time_rotating" "key" {
  rotation_days = 30
}

resource "flashback_repo_ai_apikey" "rotating" {
  repo_id = var.repo_id
  name    = "rotating-openai"
  ai_type = "OPENAI"

  keepers = {
    rotation = time_rotating.key.id
  }

  lifecycle {
    create_before_destroy = true
  }
}

output "secret" {
  value     = flashback_repo_ai_apikey.rotating.secret
  sensitive = true
}
