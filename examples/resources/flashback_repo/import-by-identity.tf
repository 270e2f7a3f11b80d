# Terraform 1.12 and later, OpenTofu 1.12 and later: import in the plan, by the
# repository's identity, its ID.
import {
  to = flashback_repo.assistant
  identity = {
    id = "550e8400-e29b-41d4-a716-446655440000"
  }
}
