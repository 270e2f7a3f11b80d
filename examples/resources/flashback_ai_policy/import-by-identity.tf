# Terraform 1.12 and later, OpenTofu 1.12 and later: import in the plan, by the
# policy's identity, its ID.
import {
  to = flashback_ai_policy.example
  identity = {
    id = "550e8400-e29b-41d4-a716-446655440000"
  }
}
