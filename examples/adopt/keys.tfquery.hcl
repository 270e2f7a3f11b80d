# The keys to adopt: every key of the two repositories, for `terraform query`
# (Terraform 1.14 and later).
list "flashback_repo_ai_apikey" "production" {
  provider         = flashback
  include_resource = true

  config {
    repo_id = "repo-123"
  }
}

list "flashback_repo_ai_apikey" "staging" {
  provider         = flashback
  include_resource = true

  config {
    repo_id = "repo-456"
  }
}
