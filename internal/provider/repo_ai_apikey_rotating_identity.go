package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = &repoAIAPIKeyRotatingResource{}

// repoAIAPIKeyRotatingIdentity names a rotating key by its repository and its
// current key's ID, as the key resource's names a key: it changes at every
// rotation (the resource's identity is mutable).
var repoAIAPIKeyRotatingIdentity = resourceIdentity{
	{name: "repo_id", description: "The ID of the repository the keys belong to."},
	{name: "id", description: "The current key's ID, assigned by Flashback; it changes at every rotation."},
}

func (r *repoAIAPIKeyRotatingResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = repoAIAPIKeyRotatingIdentity.schema()
}
