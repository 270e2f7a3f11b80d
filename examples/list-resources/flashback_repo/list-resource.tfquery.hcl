# Every repository of a workspace, with its attributes, for
# `terraform query -generate-config-out=generated.tf`.
list "flashback_repo" "all" {
  provider         = flashback
  include_resource = true

  config {
    workspace_id = "workspace-123"
  }
}

# Only the MIRROR repositories of the workspace.
list "flashback_repo" "mirrors" {
  provider = flashback

  config {
    workspace_id = "workspace-123"
    mode         = "MIRROR"
  }
}
