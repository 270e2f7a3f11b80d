variable "workspace_name" {
  description = "The name of the Flashback workspace the quickstart creates."
  type        = string
  default     = "Quickstart"
}

variable "repo_name" {
  description = "The name of the repository the quickstart creates, which serves the OpenAI connection and holds the keys: unique within the organization."
  type        = string
  default     = "quickstart-gateway"
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
