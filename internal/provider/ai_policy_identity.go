package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ resource.ResourceWithIdentity = &aiPolicyResource{}

// aiPolicyIdentity names a policy by its ID alone: every call on a policy is
// addressed by it, and the read of one policy gives its scope.
var aiPolicyIdentity = resourceIdentity{
	{name: "id", description: "The policy's ID, assigned by Flashback."},
}

func (r *aiPolicyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = aiPolicyIdentity.schema()
}
