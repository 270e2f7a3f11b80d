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

// repoListConfig is the config block of a `list "flashback_repo"` block: a
// workspace, and a name and a mode to match.
type repoListConfig struct {
	WorkspaceID types.String `tfsdk:"workspace_id"`
	Name        types.String `tfsdk:"name"`
	Mode        types.String `tfsdk:"mode"`
}

func newRepoListResource() list.ListResource {
	return &listResource[repoListConfig, client.Repo]{
		typeName: "_repo",
		identity: repoIdentity,
		schema: listschema.Schema{
			MarkdownDescription: "Lists the repositories of a Flashback workspace for `terraform query`: each " +
				"repository with its identity (`id`) and its name as display name, so that " +
				"`terraform query -generate-config-out=...` writes the `import` and `resource` blocks that adopt it. " +
				"Storage credentials and keys are never listed.",
			Attributes: map[string]listschema.Attribute{
				"workspace_id": listschema.StringAttribute{
					MarkdownDescription: "The ID of the workspace whose repositories are listed.",
					Required:            true,
					Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"name": listschema.StringAttribute{
					MarkdownDescription: "Only list the repository with exactly this name (case and spaces included).",
					Optional:            true,
					Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				},
				"mode": listschema.StringAttribute{
					MarkdownDescription: "Only list the repositories of this mode: `NORMAL` or `MIRROR`.",
					Optional:            true,
					Validators:          []validator.String{stringvalidator.OneOf(client.RepoModeNormal, client.RepoModeMirror)},
				},
			},
		},
		list: listRepoResources,
		result: func(_ repoListConfig, repo client.Repo) (string, any) {
			m, _ := importedRepo(repo)
			return repo.Name, m
		},
	}
}

// listRepoResources lists a workspace's repositories through the cache that
// refresh and the data sources use: one list per workspace for all of them.
func listRepoResources(ctx context.Context, data *providerData, cfg repoListConfig) ([]client.Repo, diag.Diagnostics) {
	workspaceID := cfg.WorkspaceID.ValueString()
	repos, err := data.repos.lists.List(ctx, workspaceID)
	if err != nil {
		return nil, diag.Diagnostics{errorDiag("list", repoRef(workspaceID, ""), err)}
	}
	// The list is shared: only read it. A server that ignored the workspace
	// filter must not have another workspace's repositories adopted here.
	var matching []client.Repo
	for _, r := range repos {
		if r.WorkspaceID == workspaceID && (cfg.Name.IsNull() || r.Name == cfg.Name.ValueString()) &&
			(cfg.Mode.IsNull() || r.Mode == cfg.Mode.ValueString()) {
			matching = append(matching, r)
		}
	}
	tflog.Debug(ctx, "listed repositories for terraform query", map[string]any{
		"workspace_id": workspaceID, "listed": len(repos), "matching": len(matching),
	})
	return matching, nil
}
