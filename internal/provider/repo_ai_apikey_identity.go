package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = &repoAIAPIKeyResource{}

// repoAIAPIKeyIdentity names a key by its repository and its own ID: key IDs
// are unique, but every API call on a key is addressed through its repo.
var repoAIAPIKeyIdentity = resourceIdentity{
	{name: "repo_id", description: "The ID of the repository the key belongs to."},
	{name: "id", description: "The key's ID, assigned by Flashback."},
}

func (r *repoAIAPIKeyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = repoAIAPIKeyIdentity.schema()
}
