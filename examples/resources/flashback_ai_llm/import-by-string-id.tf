# Terraform 1.5 and later: import in the plan, by the configuration's ID. The
# plan also shows an update that sends the secret and key, which cannot be
# imported.
import {
  to = flashback_ai_llm.openai
  id = "550e8400-e29b-41d4-a716-446655440000"
}
