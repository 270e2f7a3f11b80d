# Terraform 1.12 and later, OpenTofu 1.12 and later: import in the plan, by the
# key's identity. The secret of an imported key cannot be recovered and stays
# null.
import {
  to = flashback_repo_ai_apikey.example
  identity = {
    repo_id = "repo-123"
    id      = "550e8400-e29b-41d4-a716-446655440000"
  }
}
