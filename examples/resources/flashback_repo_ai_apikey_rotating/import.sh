# A rotating key imports its current key, by its repository ID and its own ID,
# joined by a slash. Flashback returns a key's secret only when the key is
# created, so the secret of an imported key cannot be recovered: it stays null,
# and a warning says so. The first rotation gives Terraform a secret.
terraform import flashback_repo_ai_apikey_rotating.example repo-123/550e8400-e29b-41d4-a716-446655440000
