package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// aiPolicyListConfig is the config block of a `list "flashback_ai_policy"`
// block: one scope, as the resource names it, and a name to match.
type aiPolicyListConfig struct {
	OrgID       types.String `tfsdk:"org_id"`
	WorkspaceID types.String `tfsdk:"workspace_id"`
	RepoID      types.String `tfsdk:"repo_id"`
	Name        types.String `tfsdk:"name"`
}

func newAIPolicyListResource() list.ListResource {
	return &listResource[aiPolicyListConfig, client.AIPolicy]{
		typeName: "_ai_policy",
		identity: aiPolicyIdentity,
		schema: listschema.Schema{
			MarkdownDescription: "Lists the AI policies of one scope (an organization, one of its workspaces, or one " +
				"repository of that workspace) for `terraform query`: each policy with its identity (`id`) and its " +
				"name as display name, so that `terraform query -generate-config-out=...` writes the `import` and " +
				"`resource` blocks that adopt it. Only the policies of exactly that scope are listed, not those of " +
				"the scopes above or below it.",
			Attributes: map[string]listschema.Attribute{
				"org_id": listschema.StringAttribute{
					MarkdownDescription: "The organization whose policies are listed. Defaults as the resource's " +
						"`org_id` does: to the provider's `org_id`, else to the organization of the access token's user.",
					Optional:   true,
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"workspace_id": listschema.StringAttribute{
					MarkdownDescription: "List the policies of this workspace instead of the organization's.",
					Optional:            true,
					Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"repo_id": listschema.StringAttribute{
					MarkdownDescription: "List the policies of this repository of `workspace_id`, which must be set too.",
					Optional:            true,
					Validators: []validator.String{
						stringvalidator.LengthAtLeast(1),
						stringvalidator.AlsoRequires(path.MatchRoot("workspace_id")),
					},
				},
				"name": listschema.StringAttribute{
					MarkdownDescription: "Only list the policies with exactly this name (case and spaces included). " +
						"Names are not unique: several policies may match.",
					Optional:   true,
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				},
			},
		},
		list:   listAIPolicies,
		result: listedAIPolicy,
	}
}

// listAIPolicies lists one scope through the cache that refresh uses, so a
// query and the plan that follows it cost one list per scope.
func listAIPolicies(ctx context.Context, data *providerData, cfg aiPolicyListConfig) ([]client.AIPolicy, diag.Diagnostics) {
	var diags diag.Diagnostics
	scope := policyScope{org: cfg.OrgID.ValueString(), workspace: cfg.WorkspaceID.ValueString(), repo: cfg.RepoID.ValueString()}
	if scope.org == "" {
		var err error
		if scope.org, err = data.org.ID(ctx); err != nil {
			diags.Append(orgDiscoveryDiag(fmt.Sprintf("The list block of %s policies", scope.parent().kind), err))
			return nil, diags
		}
	}
	policies, err := data.policies.lists.List(ctx, scope.key())
	if err != nil {
		diags.Append(errorDiag("list", scope.ref("", ""), err))
		return nil, diags
	}
	// The list is shared with every other reader of the cache: only read it.
	// Whether a server also lists other scopes' policies is not documented.
	var matching []client.AIPolicy
	for _, p := range policies {
		if scopeOfPolicy(p) == scope && (cfg.Name.IsNull() || p.Name == cfg.Name.ValueString()) {
			matching = append(matching, p)
		}
	}
	tflog.Debug(ctx, "listed AI policies for terraform query", map[string]any{
		"scope": scope.String(), "listed": len(policies), "matching": len(matching),
	})
	return matching, diags
}

// listedAIPolicy is a listed policy as an import leaves it in the state.
func listedAIPolicy(_ aiPolicyListConfig, p client.AIPolicy) (string, any) {
	var m aiPolicyModel
	m.setFrom(p)
	return p.Name, m
}
