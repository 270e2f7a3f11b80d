# The repositories of one workspace; without workspace_id, every repository
# the access token can read.
data "flashback_repos" "production" {
  workspace_id = "123e4567-e89b-12d3-a456-426614174000"
}

# The repositories that expose at least one AI LLM configuration, by name.
output "ai_repos" {
  value = {
    for repo in data.flashback_repos.production.repos : repo.name => repo.id
    if length(repo.ai_llm_ids) > 0
  }
}
