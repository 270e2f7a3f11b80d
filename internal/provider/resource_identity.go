package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// resourceIdentity is what names a resource's remote object: the attributes
// Terraform 1.12+ (and OpenTofu 1.12+) keep beside the state, import by
// (`import { identity = { ... } }`), and `terraform query` lists objects by.
//
// Every identity attribute is a string that is also a top-level attribute of
// the resource, with the same name and value, so the identity is always read
// off the state and never kept apart from it. The attributes are in the order
// in which a string import ID joins them with "/", the form that
// `terraform import` and `import { id = ... }` take.
//
// Giving a resource an identity takes a declaration, one method, and a line
// or three in each of Create, Read, Update and ImportState:
//
//	var llmConfigIdentity = resourceIdentity{
//		{name: "workspace_id", description: "The ID of the workspace the configuration belongs to."},
//		{name: "id", description: "The configuration's ID, assigned by Flashback."},
//	}
//
//	// resource.ResourceWithIdentity
//	func (r *llmConfigResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
//		resp.IdentitySchema = llmConfigIdentity.schema()
//	}
//
// then, in Create and Update after the state is set, in Read before anything
// else (so that every path, removal included, returns one), and in
// ImportState after the state is set:
//
//	resp.Diagnostics.Append(llmConfigIdentity.set(ctx, resp.State, resp.Identity)...)
//
// and, first thing in ImportState, so that an import block's identity takes
// the same path as a string ID from there on:
//
//	if req.ID = llmConfigIdentity.importID(ctx, req, &resp.Diagnostics); resp.Diagnostics.HasError() {
//		return
//	}
//
// Every one of Create, Read and Update must set it: Terraform before 1.12 sends
// no identity, so the framework's copy of the prior one is null, and it fails
// an operation that leaves it so ("Missing Resource Identity After Update").
// A list resource for `terraform query` then takes a few more lines: see
// listResource.
type resourceIdentity []identityAttribute

type identityAttribute struct {
	// name is the identity attribute's name and that of the resource
	// attribute it mirrors.
	name        string
	description string
}

// schema is the identity schema: every attribute a required string, since
// none can be derived from the provider's configuration.
func (ri resourceIdentity) schema() identityschema.Schema {
	attrs := make(map[string]identityschema.Attribute, len(ri))
	for _, a := range ri {
		attrs[a.name] = identityschema.StringAttribute{Description: a.description, RequiredForImport: true}
	}
	return identityschema.Schema{Attributes: attrs}
}

// attributeGetter is the state, a plan or a listed resource object.
type attributeGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// set copies the identity's attributes from the resource's data into identity.
// A nil identity, which a resource without an identity schema is handed, is
// left alone.
func (ri resourceIdentity) set(ctx context.Context, from attributeGetter, identity *tfsdk.ResourceIdentity) diag.Diagnostics {
	var diags diag.Diagnostics
	if identity == nil {
		return diags
	}
	for _, a := range ri {
		var v types.String
		diags.Append(from.GetAttribute(ctx, path.Root(a.name), &v)...)
		if diags.HasError() {
			return diags
		}
		if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
			diags.AddError("Cannot set resource identity", fmt.Sprintf(
				"The resource's %s is not known, so its identity cannot be set. This is a bug in the provider; please report it.", a.name))
			return diags
		}
		diags.Append(identity.SetAttribute(ctx, path.Root(a.name), v)...)
	}
	return diags
}

// importID is the import's ID: the one given (`terraform import`, or an
// import block's id), or else the identity attributes of an import block,
// joined with "/" in the form a string ID takes. A string ID is split at its
// last slashes, so every attribute but the first must be free of them.
func (ri resourceIdentity) importID(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) string {
	if req.ID != "" || req.Identity == nil {
		return req.ID
	}
	parts := make([]string, len(ri))
	for i, a := range ri {
		var v types.String
		diags.Append(req.Identity.GetAttribute(ctx, path.Root(a.name), &v)...)
		if diags.HasError() {
			return ""
		}
		parts[i] = v.ValueString()
		var problem string
		switch {
		case v.IsUnknown():
			problem = "is not known until apply; import needs it at plan time, so use a value that does not depend on a resource"
		case parts[i] == "":
			problem = "is empty"
		case strings.TrimSpace(parts[i]) != parts[i]:
			problem = fmt.Sprintf("(%q) begins or ends with spaces", parts[i])
		case i > 0 && strings.Contains(parts[i], "/"):
			problem = fmt.Sprintf("(%q) contains a slash, which no Flashback ID does", parts[i])
		default:
			continue
		}
		diags.AddError("Invalid import identity", fmt.Sprintf(
			"The import block's identity.%s %s. Set every identity attribute (%s) to the object's value, as the "+
				"import ID %s would name them.", a.name, problem, ri.names(), ri.idFormat()))
	}
	if diags.HasError() {
		return ""
	}
	return strings.Join(parts, "/")
}

// idFormat is the form of a string import ID, such as <repo_id>/<id>.
func (ri resourceIdentity) idFormat() string {
	parts := make([]string, len(ri))
	for i, a := range ri {
		parts[i] = "<" + a.name + ">"
	}
	return strings.Join(parts, "/")
}

func (ri resourceIdentity) names() string {
	names := make([]string, len(ri))
	for i, a := range ri {
		names[i] = a.name
	}
	return strings.Join(names, ", ")
}
