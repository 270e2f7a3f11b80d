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

var _ datasource.DataSourceWithConfigure = &repoDataSource{}

type repoDataSource struct {
	data *providerData
}

func newRepoDataSource() datasource.DataSource { return &repoDataSource{} }

// repoModel is what the provider shows of a repository: never its storage
// credentials, API keys or encrypted secrets, which the client does not even
// decode.
type repoModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	WorkspaceID types.String `tfsdk:"workspace_id"`
	StorageType types.String `tfsdk:"storage_type"`
	Mode        types.String `tfsdk:"mode"`
	AILLMIDs    types.List   `tfsdk:"ai_llm_ids"`
	CreatedAt   types.String `tfsdk:"created_at"`
	Disabled    types.Bool   `tfsdk:"disabled"`
}

func listedRepo(r client.Repo) (repoModel, diag.Diagnostics) {
	llms, diags := types.ListValueFrom(context.Background(), types.StringType, r.AILLMIDs)
	return repoModel{
		ID:          types.StringValue(r.ID),
		Name:        types.StringValue(r.Name),
		WorkspaceID: types.StringValue(r.WorkspaceID),
		StorageType: nullIfEmpty(r.StorageType),
		Mode:        nullIfEmpty(r.Mode),
		AILLMIDs:    llms,
		CreatedAt:   nullIfEmpty(normalizeTimestamp(r.CreatedAt)),
		Disabled:    types.BoolValue(r.Disabled),
	}, diags
}

// repoAttributes are the attributes of a repository, all computed: those of
// each element of flashback_repos, and of flashback_repo but for how it is
// looked up.
func repoAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: "The repository's ID.",
			Computed:            true,
		},
		"name": schema.StringAttribute{
			MarkdownDescription: "The repository's name.",
			Computed:            true,
		},
		"workspace_id": schema.StringAttribute{
			MarkdownDescription: "The ID of the workspace the repository belongs to.",
			Computed:            true,
		},
		"storage_type": schema.StringAttribute{
			MarkdownDescription: "The repository's storage type as Flashback reports it, such as `S3`, `GCS` or " +
				"`BLOB`; passed through unchecked, since the documented values may not be all there are.",
			Computed: true,
		},
		"mode": schema.StringAttribute{
			MarkdownDescription: "The repository's mode as Flashback reports it, such as `NORMAL` or `MIRROR`; " +
				"passed through unchecked.",
			Computed: true,
		},
		"ai_llm_ids": schema.ListAttribute{
			MarkdownDescription: "The IDs of the AI LLM configurations the repository exposes, in Flashback's " +
				"order; empty when it exposes none.",
			ElementType: types.StringType,
			Computed:    true,
		},
		"created_at": schema.StringAttribute{
			MarkdownDescription: "When the repository was created, as an RFC 3339 timestamp in UTC.",
			Computed:            true,
		},
		"disabled": schema.BoolAttribute{
			MarkdownDescription: "Whether the repository is disabled.",
			Computed:            true,
		},
	}
}

func (d *repoDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_repo"
}

func (d *repoDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attributes := repoAttributes()
	attributes["id"] = schema.StringAttribute{
		MarkdownDescription: "The repository's ID. Set exactly one of `id` and `name`; when the repository is " +
			"looked up by `name`, this is the ID of the repository found.",
		Optional: true,
		Computed: true,
		Validators: []validator.String{
			stringvalidator.LengthAtLeast(1),
			stringvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
		},
	}
	attributes["name"] = schema.StringAttribute{
		MarkdownDescription: "The repository's name, matched exactly (case and spaces included) within " +
			"`workspace_id`, which must be set too. Set exactly one of `id` and `name`. Looking up by name fails " +
			"when several repositories of the workspace share it; use `id` then.",
		Optional: true,
		Computed: true,
		Validators: []validator.String{
			stringvalidator.LengthAtLeast(1),
			stringvalidator.AlsoRequires(path.MatchRoot("workspace_id")),
		},
	}
	attributes["workspace_id"] = schema.StringAttribute{
		MarkdownDescription: "The ID of the workspace the repository belongs to: required with `name`; with `id`, " +
			"the repository must be in it. When not set, the ID of the repository's workspace.",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Flashback repository the access token can read, looked up by `id`, or by `name` " +
			"within a workspace, with the AI LLM configurations it exposes. Its storage credentials and keys are " +
			"never read into Terraform.",
		Attributes: attributes,
	}
}

func (d *repoDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *repoDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg repoModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(d.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, d.data.token)
	workspaceID, id, name := cfg.WorkspaceID.ValueString(), cfg.ID.ValueString(), cfg.Name.ValueString()

	// The repoId filter is not in the API reference and a server may ignore
	// it, so the answer is matched on ID (and workspace) all the same: never
	// its first element.
	repos, ok := d.data.listRepos(ctx, workspaceID, id, &resp.Diagnostics)
	if !ok {
		return
	}
	var matches []client.Repo
	for _, r := range repos {
		if (id != "" && r.ID != id) || (id == "" && r.Name != name) || (workspaceID != "" && r.WorkspaceID != workspaceID) {
			continue
		}
		matches = append(matches, r)
	}
	where := "the workspaces the access token can read"
	if workspaceID != "" {
		where = "workspace " + workspaceID
	}
	switch {
	case len(matches) == 0 && id != "":
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Repo not found", fmt.Sprintf(
			"No repo with id %s in %s. Check id and workspace_id, or see the repos with the flashback_repos data "+
				"source.", id, where))
		return
	case len(matches) == 0:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Repo not found", fmt.Sprintf(
			"No repo named %q in %s. Names match exactly, case and spaces included: check name for a typo, or see "+
				"the workspace's repos with the flashback_repos data source.", name, where))
		return
	case len(matches) > 1:
		ids := make([]string, len(matches))
		for i, r := range matches {
			ids[i] = fmt.Sprintf("%s (%q, workspace %s)", r.ID, r.Name, r.WorkspaceID)
		}
		if id != "" {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Several repos match", fmt.Sprintf(
				"Flashback lists %d repos with id %s in %s: %s. An id should name one repo: report this to Flashback.",
				len(matches), id, where, strings.Join(ids, "; ")))
			return
		}
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Several repos match", fmt.Sprintf(
			"%d repos are named %q in %s: %s. Set id instead of name to say which one.",
			len(matches), name, where, strings.Join(ids, "; ")))
		return
	}
	tflog.Debug(ctx, "found repo", map[string]any{"id": matches[0].ID, "workspace_id": matches[0].WorkspaceID})
	found, diags := listedRepo(matches[0])
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, found)...)
}

// listRepos lists the repos of a workspace through the list cache that the
// flashback_repo resource's refresh uses, so that they share one list per
// workspace; without a workspace, those of every readable workspace, asking
// for repoID alone when it is set. The result is shared: only read it.
func (d *providerData) listRepos(ctx context.Context, workspaceID, repoID string, diags *diag.Diagnostics) ([]client.Repo, bool) {
	var repos []client.Repo
	var err error
	if workspaceID != "" {
		repos, err = d.repos.lists.List(ctx, workspaceID)
	} else {
		repos, err = d.client.Repos.List(ctx, "", repoID)
	}
	if err != nil {
		ref := objectRef{kind: repoKind, id: repoID}
		if workspaceID != "" {
			ref.parent = inWorkspace(workspaceID)
		}
		if repoID != "" {
			ref.lookup = []string{"id"}
		}
		diags.Append(errorDiag("list", ref, err))
		return nil, false
	}
	return repos, true
}
