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

// repoAIAPIKeyListConfig is the config block of a `list "flashback_repo_ai_apikey"`
// block: the same repo and filters as the flashback_repo_ai_apikeys data source.
type repoAIAPIKeyListConfig struct {
	RepoID types.String `tfsdk:"repo_id"`
	Name   types.String `tfsdk:"name"`
	AIType types.String `tfsdk:"ai_type"`
}

func newRepoAIAPIKeyListResource() list.ListResource {
	return &listResource[repoAIAPIKeyListConfig, client.AIAPIKey]{
		typeName: "_repo_ai_apikey",
		identity: repoAIAPIKeyIdentity,
		schema: listschema.Schema{
			MarkdownDescription: "Lists the AI API keys of a Flashback repository, newest first, for `terraform query`: " +
				"each key with its identity (`repo_id`, `id`) and its name as display name, so that " +
				"`terraform query -generate-config-out=...` writes the `import` and `resource` blocks that adopt it. " +
				"Secrets are never listed: Flashback returns a key's secret only when the key is created.",
			Attributes: keyListFilters(),
		},
		list:   listRepoAIAPIKeys,
		result: listedRepoAIAPIKey,
	}
}

// keyListFilters are the arguments of the list resources of both key
// resources: the repository, and the same filters as the keys data source.
func keyListFilters() map[string]listschema.Attribute {
	return map[string]listschema.Attribute{
		"repo_id": listschema.StringAttribute{
			MarkdownDescription: "The ID of the repository whose keys are listed.",
			Required:            true,
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"name": listschema.StringAttribute{
			MarkdownDescription: "Only list the keys with exactly this name (case and spaces included). " +
				"Names are not unique: several keys may match.",
			Optional:   true,
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"ai_type": listschema.StringAttribute{
			MarkdownDescription: "Only list the keys for this AI provider: one of " + markdownList(client.AITypes()) + ".",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.OneOf(client.AITypes()...)},
		},
	}
}

// listRepoAIAPIKeys lists a repo's keys through the cache that refresh uses,
// so a query and the plan that follows it cost one list per repo.
func listRepoAIAPIKeys(ctx context.Context, data *providerData, cfg repoAIAPIKeyListConfig) ([]client.AIAPIKey, diag.Diagnostics) {
	var diags diag.Diagnostics
	repoID := cfg.RepoID.ValueString()
	// listKeys leaves out soft-deleted keys, which cannot be imported or managed.
	keys, ok := data.listKeys(ctx, repoID, &diags)
	if !ok {
		return nil, diags
	}
	matching := matchingKeys(keys, cfg.Name, cfg.AIType)
	tflog.Debug(ctx, "listed AI API keys for terraform query", map[string]any{
		"repo_id": repoID, "listed": len(keys), "matching": len(matching),
	})
	return matching, diags
}

// listedRepoAIAPIKey is a listed key as an import leaves it in the state: no
// keepers ({}, their one spelling), and no secret, which Flashback never
// returns again.
func listedRepoAIAPIKey(cfg repoAIAPIKeyListConfig, k client.AIAPIKey) (string, any) {
	m := repoAIAPIKeyModel{
		ID:      types.StringValue(k.ID),
		RepoID:  cfg.RepoID,
		Keepers: noKeepers(),
		Key:     types.StringNull(),
		Secret:  types.StringNull(),

		SecretRecipients: types.ListNull(types.StringType),
		EncryptedSecret:  types.StringNull(),
	}
	applyListed(&m, k)
	return k.Name, m
}
