package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

var _ datasource.DataSourceWithConfigure = &aiLLMsDataSource{}

type aiLLMsDataSource struct {
	data *providerData
}

func newAILLMsDataSource() datasource.DataSource { return &aiLLMsDataSource{} }

type aiLLMsDataSourceModel struct {
	WorkspaceID types.String       `tfsdk:"workspace_id"`
	AILLMs      []listedAILLMModel `tfsdk:"ai_llms"`
}

// listedAILLMModel is what the list says of a configuration. It has no secret
// and no key: Flashback never returns either.
type listedAILLMModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	AIType      types.String `tfsdk:"ai_type"`
	Endpoint    types.String `tfsdk:"endpoint"`
	OrgID       types.String `tfsdk:"org_id"`
	WorkspaceID types.String `tfsdk:"workspace_id"`
	CreatedAt   types.String `tfsdk:"created_at"`
	RepoIDs     []string     `tfsdk:"repo_ids"`
}

func listedAILLM(l client.AILLM) listedAILLMModel {
	repoIDs := make([]string, len(l.Repos))
	for i, repo := range l.Repos {
		repoIDs[i] = repo.ID
	}
	endpoint := types.StringValue(l.Endpoint)
	if l.Endpoint == "" {
		endpoint = types.StringNull()
	}
	return listedAILLMModel{
		ID:          types.StringValue(l.ID),
		Name:        types.StringValue(l.Name),
		AIType:      types.StringValue(l.AIType),
		Endpoint:    endpoint,
		OrgID:       types.StringValue(l.OrgID),
		WorkspaceID: types.StringValue(l.WorkspaceID),
		CreatedAt:   types.StringValue(normalizeTimestamp(l.CreatedAt)),
		RepoIDs:     repoIDs,
	}
}

func (d *aiLLMsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ai_llms"
}

func (d *aiLLMsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The AI LLM configurations of a Flashback workspace, with the repositories that use " +
			"each. Secrets and keys are never included: Flashback does not return them.",
		Attributes: map[string]schema.Attribute{
			"workspace_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the workspace whose configurations are listed.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"ai_llms": schema.ListNestedAttribute{
				MarkdownDescription: "The workspace's configurations, in the order Flashback lists them. Empty when it " +
					"has none.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							MarkdownDescription: "The configuration's ID, assigned by Flashback.",
							Computed:            true,
						},
						"name": schema.StringAttribute{
							MarkdownDescription: "The configuration's name, unique within its workspace.",
							Computed:            true,
						},
						"ai_type": schema.StringAttribute{
							MarkdownDescription: "The upstream AI provider: one of " + markdownList(client.AITypes()) + ".",
							Computed:            true,
						},
						"endpoint": schema.StringAttribute{
							MarkdownDescription: "The provider's base URL; null for a configuration that uses a stored " +
								"provider API key instead of inline credentials.",
							Computed: true,
						},
						"org_id": schema.StringAttribute{
							MarkdownDescription: "The ID of the organization the workspace belongs to.",
							Computed:            true,
						},
						"workspace_id": schema.StringAttribute{
							MarkdownDescription: "The ID of the workspace the configuration belongs to.",
							Computed:            true,
						},
						"created_at": schema.StringAttribute{
							MarkdownDescription: "When the configuration was created, as an RFC 3339 timestamp in UTC.",
							Computed:            true,
						},
						"repo_ids": schema.ListAttribute{
							MarkdownDescription: "The IDs of the repositories that use the configuration. While there " +
								"are any, it cannot be deleted.",
							ElementType: types.StringType,
							Computed:    true,
						},
					},
				},
			},
		},
	}
}

func (d *aiLLMsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *aiLLMsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg aiLLMsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(d.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, d.data.token)
	workspaceID := cfg.WorkspaceID.ValueString()

	llms, err := d.data.llms.lists.List(ctx, workspaceID)
	if err != nil {
		resp.Diagnostics.Append(errorDiag("list", aiLLMRef(workspaceID, ""), err))
		return
	}
	// llms is shared with every other reader of the cache: only read it.
	cfg.AILLMs = make([]listedAILLMModel, 0, len(llms))
	for _, l := range llms {
		cfg.AILLMs = append(cfg.AILLMs, listedAILLM(l))
	}
	tflog.Debug(ctx, "listed AI LLM configurations", map[string]any{"workspace_id": workspaceID, "listed": len(llms)})
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
