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
}

variable "flashback_access_token" {
  description = "The Flashback access token; null (the default) uses FLASHBACK_ACCESS_TOKEN."
  type        = string
  sensitive   = true
  default     = null
}
