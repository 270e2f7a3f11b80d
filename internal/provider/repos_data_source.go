package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var _ datasource.DataSourceWithConfigure = &reposDataSource{}

type reposDataSource struct {
	data *providerData
}

func newReposDataSource() datasource.DataSource { return &reposDataSource{} }

type reposDataSourceModel struct {
	WorkspaceID types.String `tfsdk:"workspace_id"`
	Repos       []repoModel  `tfsdk:"repos"`
}

func (d *reposDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repos"
}

func (d *reposDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Flashback repositories the access token can read, of one workspace or of all, " +
			"with the AI LLM configurations each exposes. Their storage credentials and keys are never read into " +
			"Terraform.",
		Attributes: map[string]schema.Attribute{
			"workspace_id": schema.StringAttribute{
				MarkdownDescription: "Only list the repositories of this workspace. Without it, every repository " +
					"the access token can read is listed.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"repos": schema.ListNestedAttribute{
				MarkdownDescription: "The repositories, in Flashback's order. Empty when there are none.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: repoAttributes()},
			},
		},
	}
}

func (d *reposDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *reposDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg reposDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(d.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, d.data.token)
	workspaceID := cfg.WorkspaceID.ValueString()

	repos, ok := d.data.listRepos(ctx, workspaceID, "", &resp.Diagnostics)
	if !ok {
		return
	}
	cfg.Repos = make([]repoModel, 0, len(repos))
	for _, r := range repos {
		// A server that ignored the filter would list other workspaces too.
		if workspaceID != "" && r.WorkspaceID != workspaceID {
			continue
		}
		m, diags := listedRepo(r)
		resp.Diagnostics.Append(diags...)
		cfg.Repos = append(cfg.Repos, m)
	}
	tflog.Debug(ctx, "listed repos", map[string]any{"workspace_id": workspaceID, "listed": len(repos), "matching": len(cfg.Repos)})
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
