package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = &workspaceResource{}

// workspaceIdentity names a workspace by its ID alone: every call on a
// workspace is addressed by it, and the read of one workspace gives the rest.
var workspaceIdentity = resourceIdentity{
	{name: "id", description: "The workspace's ID, assigned by Flashback."},
}

func (r *workspaceResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = workspaceIdentity.schema()
}
