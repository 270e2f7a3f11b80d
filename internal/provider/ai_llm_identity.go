package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = &aiLLMResource{}

// aiLLMIdentity names a configuration by its ID alone, as its string import
// ID does: every call on a configuration is addressed by it, and the import
// finds its workspace by listing every workspace.
var aiLLMIdentity = resourceIdentity{
	{name: "id", description: "The configuration's ID, assigned by Flashback."},
}

func (r *aiLLMResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = aiLLMIdentity.schema()
}
