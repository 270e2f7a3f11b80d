# An organization-wide policy: it applies to every workspace and repository of
# the organization. org_id is left to the provider: its org_id, else the
# organization of the access token's user.
resource "flashback_ai_policy" "no_personal_data" {
  name        = "PII protection"
  content     = "Do not allow sharing of personal data such as names, addresses or phone numbers."
  risk_type   = "HIGH"
  action_type = "block"
}

# A policy of one repository, found by name in its workspace. A lower level
# adds rules to those above it; it cannot override them.
data "flashback_workspace" "production" {
  name = "Production"
}

data "flashback_repo" "chat" {
  workspace_id = data.flashback_workspace.production.id
  name         = "chat-assistant"
}

resource "flashback_ai_policy" "no_legal_advice" {
  workspace_id = data.flashback_workspace.production.id
  repo_id      = data.flashback_repo.chat.id
  name         = "No legal advice"
  content      = "Flag answers that give legal advice."
  risk_type    = "MEDIUM"
  action_type  = "alert"
}
