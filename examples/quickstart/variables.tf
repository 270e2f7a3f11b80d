variable "workspace_name" {
  description = "The Flashback workspace that holds the repository."
  type        = string
  default     = "Production"
}

variable "repo_name" {
  description = "The repository the keys and the repository policy belong to."
  type        = string
  default     = "assistant"
}

variable "openai_api_key" {
  description = "The upstream OpenAI API key the connection uses."
  type        = string
  sensitive   = true
}

variable "write_only" {
  description = "Send the OpenAI API key as a write-only attribute (Terraform 1.11 or later), so that it never lands in the state."
  type        = bool
  default     = true
}

variable "renames" {
  description = "New display names for some of the keys, by label (chat, assistant, vision). A key's name changes in place: the key, its ID and its secret stay the same."
  type        = map(string)
  default     = {}
}
