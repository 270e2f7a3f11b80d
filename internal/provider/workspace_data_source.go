package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

var _ datasource.DataSourceWithConfigure = &workspaceDataSource{}

type workspaceDataSource struct {
	data *providerData
}

func newWorkspaceDataSource() datasource.DataSource { return &workspaceDataSource{} }

type workspaceDataSourceModel struct {
	ID    types.String `tfsdk:"id"`
	Name  types.String `tfsdk:"name"`
	OrgID types.String `tfsdk:"org_id"`
}

func (d *workspaceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_workspace"
}

func (d *workspaceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Flashback workspace the access token can read, looked up by `id` or by its exact " +
			"`name`: the way to give repositories, AI LLM configurations and AI policies a workspace ID without " +
			"pasting it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The workspace's ID. Set exactly one of `id` and `name`; when the workspace is " +
					"looked up by `name`, this is the ID of the workspace found.",
				Optional: true,
				Computed: true,
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
				},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The workspace's name, matched exactly (case and spaces included). Set exactly " +
					"one of `id` and `name`. Looking up by name fails when several workspaces the token can read " +
					"share it; use `id` then.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"org_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the organization the workspace belongs to.",
				Computed:            true,
			},
		},
	}
}

func (d *workspaceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *workspaceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg workspaceDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(d.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, d.data.token)

	var found *client.Workspace
	if !cfg.ID.IsNull() {
		id := cfg.ID.ValueString()
		ws, err := d.data.client.Workspaces.Get(ctx, id)
		switch {
		case client.IsNotFound(err):
			// Flashback answers 404 alike for a workspace that does not exist
			// and for one the token may not read.
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Workspace not found", fmt.Sprintf(
				"Flashback has no workspace with id %s that the access token can read (%s). Check id, or look the "+
					"workspace up by name.", id, err))
			return
		case err != nil:
			resp.Diagnostics.Append(errorDiag("read", objectRef{kind: workspaceKind, id: id, lookup: []string{"id"}}, err))
			return
		}
		found = ws
	} else {
		name := cfg.Name.ValueString()
		all, err := d.data.client.Workspaces.List(ctx)
		if err != nil {
			resp.Diagnostics.Append(errorDiag("list", objectRef{kind: workspaceKind, lookup: []string{"name"}}, err))
			return
		}
		var matches []client.Workspace
		for _, ws := range all {
			if ws.Name == name {
				matches = append(matches, ws)
			}
		}
		switch len(matches) {
		case 0:
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Workspace not found", fmt.Sprintf(
				"None of the %d workspaces the access token can read is named %q. Names match exactly, case and "+
					"spaces included: check name for a typo, or look the workspace up by id.", len(all), name))
			return
		case 1:
			found = &matches[0]
		default:
			ids := make([]string, len(matches))
			for i, ws := range matches {
				ids[i] = fmt.Sprintf("%s (organization %s)", ws.ID, ws.OrgID)
			}
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Several workspaces with this name", fmt.Sprintf(
				"%d workspaces the access token can read are named %q: %s. Set id instead of name to say which one.",
				len(matches), name, strings.Join(ids, "; ")))
			return
		}
	}
	tflog.Debug(ctx, "found workspace", map[string]any{"id": found.ID})
	cfg.ID, cfg.Name, cfg.OrgID = types.StringValue(found.ID), types.StringValue(found.Name), types.StringValue(found.OrgID)
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
