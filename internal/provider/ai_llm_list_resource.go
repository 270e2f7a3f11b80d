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

// aiLLMListConfig is the config block of a `list "flashback_ai_llm"` block:
// the workspace of the flashback_ai_llms data source, and a name and an AI
// type to match.
type aiLLMListConfig struct {
	WorkspaceID types.String `tfsdk:"workspace_id"`
	Name        types.String `tfsdk:"name"`
	AIType      types.String `tfsdk:"ai_type"`
}

func newAILLMListResource() list.ListResource {
	return &listResource[aiLLMListConfig, client.AILLM]{
		typeName: "_ai_llm",
		identity: aiLLMIdentity,
		schema: listschema.Schema{
			MarkdownDescription: "Lists the AI LLM configurations of a Flashback workspace for `terraform query`: each " +
				"configuration with its identity (`id`) and its name as display name, so that " +
				"`terraform query -generate-config-out=...` writes the `import` and `resource` blocks that adopt it. " +
				"Secrets and keys are never listed: Flashback does not return them.",
			Attributes: map[string]listschema.Attribute{
				"workspace_id": listschema.StringAttribute{
					MarkdownDescription: "The ID of the workspace whose configurations are listed.",
					Required:            true,
					Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"name": listschema.StringAttribute{
					MarkdownDescription: "Only list the configuration with exactly this name (case and spaces " +
						"included); names are unique within a workspace.",
					Optional:   true,
					Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"ai_type": listschema.StringAttribute{
					MarkdownDescription: "Only list the configurations for this AI provider: one of " +
						markdownList(client.AITypes()) + ".",
					Optional:   true,
					Validators: []validator.String{stringvalidator.OneOf(client.AITypes()...)},
				},
			},
		},
		list:   listAILLMs,
		result: listedAILLMResource,
	}
}

// listAILLMs lists a workspace's configurations through the cache that
// refresh uses, so a query and the plan that follows it cost one list per
// workspace.
func listAILLMs(ctx context.Context, data *providerData, cfg aiLLMListConfig) ([]client.AILLM, diag.Diagnostics) {
	var diags diag.Diagnostics
	workspaceID := cfg.WorkspaceID.ValueString()
	llms, err := data.llms.lists.List(ctx, workspaceID)
	if err != nil {
		diags.Append(errorDiag("list", aiLLMRef(workspaceID, ""), err))
		return nil, diags
	}
	// The list is shared with every other reader of the cache: only read it.
	// The workspace is checked too, so that a server that ignored the filter
	// could not have another workspace's configurations adopted as this one's.
	var matching []client.AILLM
	for _, l := range llms {
		if l.WorkspaceID == workspaceID &&
			(cfg.Name.IsNull() || l.Name == cfg.Name.ValueString()) &&
			(cfg.AIType.IsNull() || l.AIType == cfg.AIType.ValueString()) {
			matching = append(matching, l)
		}
	}
	tflog.Debug(ctx, "listed AI LLM configurations for terraform query", map[string]any{
		"workspace_id": workspaceID, "listed": len(llms), "matching": len(matching),
	})
	return matching, diags
}

// listedAILLMResource is a listed configuration as an import leaves it in
// the state: no secret (secret, secret_wo, secret_wo_version) and no key,
// which Flashback never returns.
func listedAILLMResource(_ aiLLMListConfig, l client.AILLM) (string, any) {
	m := aiLLMModel{
		ID:              types.StringValue(l.ID),
		WorkspaceID:     types.StringValue(l.WorkspaceID),
		SecretWO:        types.StringNull(),
		SecretWOVersion: types.Int64Null(),
		Secret:          types.StringNull(),
		Key:             types.StringNull(),
	}
	applyListedLLM(&m, l)
	return l.Name, m
}
