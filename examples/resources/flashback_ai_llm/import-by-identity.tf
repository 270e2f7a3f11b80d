# Terraform 1.12 and later, OpenTofu 1.12 and later: import in the plan, by the
# configuration's identity, its ID. The plan also shows an update that sends the
# secret and key, which cannot be imported.
import {
  to = flashback_ai_llm.openai
  identity = {
    id = "550e8400-e29b-41d4-a716-446655440000"
  }
}
