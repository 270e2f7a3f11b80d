# The keys of a repository that a rotating key can adopt as its current key,
# with their attributes, for `terraform query -generate-config-out=generated.tf`.
# Previous keys of rotating keys ("<name> (retiring)") are left out.
list "flashback_repo_ai_apikey_rotating" "adoptable" {
  provider         = flashback
  include_resource = true

  config {
    repo_id = "repo-123"
    ai_type = "OPENAI"
  }
}
