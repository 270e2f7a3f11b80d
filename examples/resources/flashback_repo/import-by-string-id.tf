# Terraform 1.5 and later: import in the plan, by the repository's ID.
import {
  to = flashback_repo.assistant
  id = "550e8400-e29b-41d4-a716-446655440000"
}
