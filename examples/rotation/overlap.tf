# Rotates an AI API key every 30 days with an overlap: the new key becomes the
# current one, and the key it replaces keeps working for a week as the previous
# one (renamed "rotating-openai (retiring)" in Flashback), so that whatever
# still holds the old secret has a week to pick up the new one. The first apply
# after that week deletes it. Run terraform apply regularly, for example daily
# from a scheduled pipeline: both the rotation and the retirement happen at the
# first apply after they are due.
resource "time_rotating" "overlapping" {
  rotation_days = 30
}

resource "flashback_repo_ai_apikey_rotating" "overlapping" {
  repo_id = var.repo_id
  name    = "rotating-openai"
  ai_type = "OPENAI"
  overlap = "168h"

  rotate_when = {
    rotation = time_rotating.overlapping.id
  }
}

output "current_secret" {
  value     = flashback_repo_ai_apikey_rotating.overlapping.secret
  sensitive = true
}

# Null when there is no previous key: before the first rotation, and once the
# overlap has passed.
output "previous_secret" {
  value     = flashback_repo_ai_apikey_rotating.overlapping.previous_secret
  sensitive = true
}
