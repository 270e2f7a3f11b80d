# The secret encrypted for its owners: the state, the plan and the logs hold only
# an age file that each recipient can decrypt, never the secret in plain text:
#   terraform output -raw ci_encrypted_secret | age -d -i key.txt
# (or -i ~/.ssh/id_ed25519 for the SSH recipient).
resource "flashback_repo_ai_apikey" "ci" {
  repo_id = "repo-123"
  name    = "CI pipeline"
  ai_type = "ANTHROPIC"

  secret_recipients = [
    # The public key that age-keygen prints.
    "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    # The line of an id_ed25519.pub file.
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKreKuR17JYxb4fRXyfaOkH3+o1xcSni4AWaqfD1RVsI ops@example.com",
  ]
}

# An age file is no secret: its output needs no sensitive = true.
output "ci_encrypted_secret" {
  value = flashback_repo_ai_apikey.ci.encrypted_secret
}
