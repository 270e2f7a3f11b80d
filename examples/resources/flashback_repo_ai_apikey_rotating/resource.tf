resource "flashback_repo_ai_apikey_rotating" "example" {
  repo_id = "repo-123"
  name    = "Production AI Key"
  ai_type = "OPENAI"

  # How long the key a rotation replaces keeps working: a week.
  overlap = "168h"

  # Change a value to rotate; usually a time_rotating's ID (see below).
  rotate_when = {
    rotation = "2026-01"
  }
}

# Applications read the current secret. The previous one keeps working until
# the overlap has passed, so an application that has not picked up the new
# secret yet keeps working too.
output "example_secret" {
  value     = flashback_repo_ai_apikey_rotating.example.secret
  sensitive = true
}

output "example_previous_secret" {
  value     = flashback_repo_ai_apikey_rotating.example.previous_secret
  sensitive = true
}
