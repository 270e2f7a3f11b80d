# The organization-wide policies, with their attributes, for
# `terraform query -generate-config-out=generated.tf`. org_id defaults as the
# resource's does.
list "flashback_ai_policy" "organization" {
  provider         = flashback
  include_resource = true

  config {}
}

# The policies of one repository named "No legal advice": names are not unique.
list "flashback_ai_policy" "chat" {
  provider = flashback

  config {
    workspace_id = "123e4567-e89b-12d3-a456-426614174000"
    repo_id      = "550e8400-e29b-41d4-a716-446655440000"
    name         = "No legal advice"
  }
}
