# Not shown in the documentation: it lets this directory be validated on its own.
terraform {
  required_providers {
    flashback = {
      source = "flashbacknetwork/flashback"
    }
  }
}
