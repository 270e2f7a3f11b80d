# Every AI LLM configuration of a workspace, with the repositories that use it.
# Secrets and keys are never listed: Flashback does not return them.
data "flashback_ai_llms" "all" {
  workspace_id = "workspace-123"
}

output "llm_names" {
  value = data.flashback_ai_llms.all.ai_llms[*].name
}

# The configurations no repository uses: the ones that can be deleted.
output "unused_llm_ids" {
  value = [for llm in data.flashback_ai_llms.all.ai_llms : llm.id if length(llm.repo_ids) == 0]
}
