# Every AI LLM configuration of a workspace, with its attributes, for
# `terraform query -generate-config-out=generated.tf`.
list "flashback_ai_llm" "all" {
  provider         = flashback
  include_resource = true

  config {
    workspace_id = "workspace-123"
  }
}

# Only the Anthropic configurations of the workspace.
list "flashback_ai_llm" "anthropic" {
  provider = flashback

  config {
    workspace_id = "workspace-123"
    ai_type      = "ANTHROPIC"
  }
}
