# Terraform 1.5 and later: import in the plan, with the current key's ID
# <repo_id>/<id>. The secret of an imported key cannot be recovered and stays
# null; there is no previous key.
import {
  to = flashback_repo_ai_apikey_rotating.example
  id = "repo-123/550e8400-e29b-41d4-a716-446655440000"
}
