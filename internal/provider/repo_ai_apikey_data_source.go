package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

var _ datasource.DataSourceWithConfigure = &repoAIAPIKeyDataSource{}

type repoAIAPIKeyDataSource struct {
	data *providerData
}

func newRepoAIAPIKeyDataSource() datasource.DataSource { return &repoAIAPIKeyDataSource{} }

type repoAIAPIKeyDataSourceModel struct {
	RepoID    types.String `tfsdk:"repo_id"`
	ID        types.String `tfsdk:"id"`
	Name      types.String `tfsdk:"name"`
	Key       types.String `tfsdk:"key"`
	AIType    types.String `tfsdk:"ai_type"`
	CreatedAt types.String `tfsdk:"created_at"`
}

func (d *repoAIAPIKeyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repo_ai_apikey"
}

func (d *repoAIAPIKeyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	// The same attributes as each element of flashback_repo_ai_apikeys, but
	// id and name are also how the key is looked up.
	attributes := listedAIAPIKeyAttributes()
	attributes["repo_id"] = schema.StringAttribute{
		MarkdownDescription: "The ID of the repository the key belongs to.",
		Required:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attributes["id"] = schema.StringAttribute{
		MarkdownDescription: "The key's ID, assigned by Flashback. Set exactly one of `id` and `name`; when " +
			"the key is looked up by `name`, this is the ID of the key found.",
		Optional: true,
		Computed: true,
		Validators: []validator.String{
			stringvalidator.LengthAtLeast(1),
			// Naming id too puts both attributes in the error.
			stringvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
		},
	}
	attributes["name"] = schema.StringAttribute{
		MarkdownDescription: "The key's display name, matched exactly (case and spaces included). Set exactly " +
			"one of `id` and `name`. Looking up by name fails when several keys of the repo share it; use " +
			"`id` then.",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One AI API key of a Flashback repository, looked up by `id` or by `name`. The secret is " +
			"not included: Flashback returns it only when the key is created. To read several keys, or keys whose " +
			"names are not unique, use the `flashback_repo_ai_apikeys` data source.",
		Attributes: attributes,
	}
}

func (d *repoAIAPIKeyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *repoAIAPIKeyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg repoAIAPIKeyDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(d.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, d.data.token)
	repoID := cfg.RepoID.ValueString()

	keys, ok := d.data.listKeys(ctx, repoID, &resp.Diagnostics)
	if !ok {
		return
	}
	var found client.AIAPIKey
	var diags diag.Diagnostics
	if !cfg.ID.IsNull() {
		found, diags = listedKeyByID(keys, repoID, cfg.ID.ValueString())
	} else {
		found, diags = listedKeyByName(keys, repoID, cfg.Name.ValueString())
	}
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	tflog.Debug(ctx, "found AI API key", map[string]any{"repo_id": repoID, "id": found.ID})

	listed := listedAIAPIKey(found)
	cfg.ID, cfg.Name, cfg.Key, cfg.AIType, cfg.CreatedAt = listed.ID, listed.Name, listed.Key, listed.AIType, listed.CreatedAt
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}

func listedKeyByID(keys []client.AIAPIKey, repoID, id string) (client.AIAPIKey, diag.Diagnostics) {
	var diags diag.Diagnostics
	for _, k := range keys {
		if k.ID == id {
			return k, diags
		}
	}
	diags.AddAttributeError(path.Root("id"), "AI API key not found", fmt.Sprintf(
		"No AI API key with id %s in repo %s. It may have been deleted, or belong to another repo: check id and "+
			"repo_id, or see the repo's keys with the flashback_repo_ai_apikeys data source.", id, repoID))
	return client.AIAPIKey{}, diags
}

func listedKeyByName(keys []client.AIAPIKey, repoID, name string) (client.AIAPIKey, diag.Diagnostics) {
	var matches []client.AIAPIKey
	for _, k := range keys {
		if k.Name == name {
			matches = append(matches, k)
		}
	}
	var ds diag.Diagnostics
	switch len(matches) {
	case 1:
		return matches[0], ds
	case 0:
		ds.AddAttributeError(path.Root("name"), "AI API key not found", fmt.Sprintf(
			"No AI API key with name %q in repo %s. Names match exactly, case and spaces included: check name for a "+
				"typo, or see the repo's keys with the flashback_repo_ai_apikeys data source.", name, repoID))
	default:
		ids := make([]string, len(matches))
		for i, k := range matches {
			ids[i] = fmt.Sprintf("%s (%s, created %s)", k.ID, k.AIType, normalizeTimestamp(k.CreatedAt))
		}
		ds.AddAttributeError(path.Root("name"), "Several AI API keys with this name", fmt.Sprintf(
			"%d AI API keys are named %q in repo %s, newest first: %s. Set id instead of name to say which one.",
			len(matches), name, repoID, strings.Join(ids, "; ")))
	}
	return client.AIAPIKey{}, ds
}
