variable "repo_id" {
  description = "The ID of the Flashback repository the keys belong to."
  type        = string
}

variable "renames" {
  description = "New display names for some of the keys, by label (chat, assistant, vision). A key's name changes in place: the key, its ID and its secret stay the same."
  type        = map(string)
  default     = {}
}
