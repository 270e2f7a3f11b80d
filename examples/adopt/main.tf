# The configuration that adopts existing keys: the provider, and (after
# `terraform query -generate-config-out=generated.tf`) the generated.tf that
# terraform query writes beside it.
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}

# The access token comes from FLASHBACK_ACCESS_TOKEN.
provider "flashback" {}
