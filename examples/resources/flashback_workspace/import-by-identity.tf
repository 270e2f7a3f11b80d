# Terraform 1.12 and later, OpenTofu 1.12 and later: import in the plan, by the
# workspace's identity, its ID.
import {
  to = flashback_workspace.example
  identity = {
    id = "123e4567-e89b-12d3-a456-426614174000"
  }
}
