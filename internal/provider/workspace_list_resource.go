package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// workspaceListConfig is the config block of a `list "flashback_workspace"`
// block: a name to match, or nothing for every workspace.
type workspaceListConfig struct {
	Name types.String `tfsdk:"name"`
}

func newWorkspaceListResource() list.ListResource {
	return &listResource[workspaceListConfig, client.Workspace]{
		typeName: "_workspace",
		identity: workspaceIdentity,
		schema: listschema.Schema{
			MarkdownDescription: "Lists the Flashback workspaces the access token can read for `terraform query`: " +
				"each workspace with its identity (`id`) and its name as display name, so that " +
				"`terraform query -generate-config-out=...` writes the `import` and `resource` blocks that adopt it.",
			Attributes: map[string]listschema.Attribute{
				"name": listschema.StringAttribute{
					MarkdownDescription: "Only list the workspaces with exactly this name (case and spaces included). " +
						"Names are not unique: several workspaces may match.",
					Optional:   true,
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				},
			},
		},
		list:   listWorkspaces,
		result: listedWorkspace,
	}
}

// listWorkspaces lists every workspace through the cache that refresh uses,
// so a query and the plan that follows it cost one list.
func listWorkspaces(ctx context.Context, data *providerData, cfg workspaceListConfig) ([]client.Workspace, diag.Diagnostics) {
	var diags diag.Diagnostics
	all, err := data.workspaces.lists.List(ctx, allWorkspaces)
	if err != nil {
		diags.Append(errorDiag("list", objectRef{kind: workspaceKind}, err))
		return nil, diags
	}
	// The list is shared with every other reader of the cache: only read it.
	var matching []client.Workspace
	for _, w := range all {
		if cfg.Name.IsNull() || w.Name == cfg.Name.ValueString() {
			matching = append(matching, w)
		}
	}
	tflog.Debug(ctx, "listed workspaces for terraform query", map[string]any{"listed": len(all), "matching": len(matching)})
	return matching, diags
}

// listedWorkspace is a listed workspace as an import leaves it in the state.
func listedWorkspace(_ workspaceListConfig, w client.Workspace) (string, any) {
	var m workspaceModel
	m.setFrom(w)
	return w.Name, m
}
