# Terraform 1.5 and later: import in the plan, by the workspace's ID.
import {
  to = flashback_workspace.example
  id = "123e4567-e89b-12d3-a456-426614174000"
}
