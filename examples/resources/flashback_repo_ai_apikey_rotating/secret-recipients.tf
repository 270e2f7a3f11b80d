# Both keys' secrets encrypted for their owners: the state, the plan and the
# logs hold only age files, never a secret in plain text. Each rotation
# encrypts the new key's secret for the recipients configured then, and the
# key it replaces keeps its file, in previous_encrypted_secret, until it
# retires:
#   terraform output -raw ci_encrypted_secret | age -d -i key.txt
resource "flashback_repo_ai_apikey_rotating" "ci" {
  repo_id = "repo-123"
  name    = "CI pipeline"
  ai_type = "ANTHROPIC"
  overlap = "168h"

  rotate_when = {
    rotation = "2026-01"
  }

  secret_recipients = [
    # The public key that age-keygen prints.
    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    # The line of an id_ed25519.pub file.
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKreKuR17JYxb4fRXyfaOkH3+o1xcSni4AWaqfD1RVsI ops@example.com",
  ]
}

# Age files are no secrets: their outputs need no sensitive = true.
output "ci_encrypted_secret" {
  value = flashback_repo_ai_apikey_rotating.ci.encrypted_secret
}

# Null when there is no previous key.
output "ci_previous_encrypted_secret" {
  value = flashback_repo_ai_apikey_rotating.ci.previous_encrypted_secret
}
