# The buckets connected to a workspace, in the Flashback console or elsewhere:
# their IDs, names and locations, never their credentials.
data "flashback_workspace" "production" {
  name = "Production"
}

data "flashback_buckets" "production" {
  workspace_id = data.flashback_workspace.production.id
}

# The bucket IDs by name, for the repositories that use them.
output "bucket_ids" {
  value = { for b in data.flashback_buckets.production.buckets : b.name => b.id }
}
