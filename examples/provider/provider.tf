terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}

provider "flashback" {
  # Defaults to FLASHBACK_BASE_URL, then to https://backend.flashback.tech.
  base_url = "https://backend.flashback.tech"

  # Preferred: leave access_token unset and export the token instead, which
  # keeps it out of the configuration and out of version control:
  #
  #   export FLASHBACK_ACCESS_TOKEN="..."
  #
  # A variable works too; while it is null, FLASHBACK_ACCESS_TOKEN is used.
  access_token = var.flashback_access_token

  # Retries after throttling (429), gateway errors (502, 503, 504) or a dropped
  # connection, with exponential backoff. Defaults to 4; 0 disables retries.
  max_retries = 4

  # The organization of flashback_ai_policy resources that do not set org_id.
  # Defaults to FLASHBACK_ORG_ID; without either, the provider reads the
  # organization of the token's user from Flashback, once, when such a policy
  # is created.
  # org_id = "987fcdeb-51a2-43d1-9f12-345678901234"
}

variable "flashback_access_token" {
  description = "The Flashback access token; null (the default) uses FLASHBACK_ACCESS_TOKEN."
  type        = string
  sensitive   = true
  default     = null
}
