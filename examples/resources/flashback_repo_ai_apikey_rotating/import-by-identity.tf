# Terraform 1.12 and later, OpenTofu 1.12 and later: import in the plan, by the
# current key's identity. The secret of an imported key cannot be recovered and
# stays null; there is no previous key.
import {
  to = flashback_repo_ai_apikey_rotating.example
  identity = {
    repo_id = "repo-123"
    id      = "550e8400-e29b-41d4-a716-446655440000"
  }
}
