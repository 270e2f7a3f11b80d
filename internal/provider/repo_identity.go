package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = &repoResource{}

// repoIdentity names a repository by its ID alone, as its string import ID
// does: every call on a repository is addressed by it, and the import finds
// its workspace by listing every workspace.
var repoIdentity = resourceIdentity{
	{name: "id", description: "The repository's ID, assigned by Flashback."},
}

func (r *repoResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = repoIdentity.schema()
}
