# Every workspace the access token can read, with its attributes, for
# `terraform query -generate-config-out=generated.tf`.
list "flashback_workspace" "all" {
  provider         = flashback
  include_resource = true

  config {}
}

# The workspaces named "Production": names are not unique.
list "flashback_workspace" "production" {
  provider = flashback

  config {
    name = "Production"
  }
}
