# Look a workspace up by its exact name. This fails if several workspaces the
# token can read share the name: look it up by id then.
data "flashback_workspace" "production" {
  name = "Production"
}

# Or by its id.
data "flashback_workspace" "by_id" {
  id = "123e4567-e89b-12d3-a456-426614174000"
}

output "production_workspace_id" {
  value = data.flashback_workspace.production.id
}

output "organization_id" {
  value = data.flashback_workspace.by_id.org_id
}
