# Every key of a repository, with its attributes, for
# `terraform query -generate-config-out=generated.tf`.
list "flashback_repo_ai_apikey" "all" {
  provider         = flashback
  include_resource = true

  config {
    repo_id = "repo-123"
  }
}

# Only the OpenAI keys named "Production AI Key": names are not unique.
list "flashback_repo_ai_apikey" "production" {
  provider = flashback

  config {
    repo_id = "repo-123"
    name    = "Production AI Key"
    ai_type = "OPENAI"
  }
}
