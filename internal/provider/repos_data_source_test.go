package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const testReposDataAddr = "data.flashback_repos.test"

var pathRepos = tfjsonpath.New("repos")

func reposDataConfig(workspaceID string) string {
	if workspaceID == "" {
		return "\ndata \"flashback_repos\" \"test\" {}\n"
	}
	return fmt.Sprintf(`
data "flashback_repos" "test" {
  workspace_id = %q
}
`, workspaceID)
}

// repoIDsAre checks the ids of the listed repos, in order.
func repoIDsAre(ids ...string) statecheck.StateCheck {
	return stateValuesCheck(func(byAddr map[string]map[string]any) error {
		list, ok := byAddr[testReposDataAddr]["repos"].([]any)
		if !ok {
			return fmt.Errorf("%s: repos is not a list", testReposDataAddr)
		}
		var got []string
		for _, e := range list {
			repo, _ := e.(map[string]any)
			id, _ := repo["id"].(string)
			got = append(got, id)
		}
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			return fmt.Errorf("%s lists %v, want %v", testReposDataAddr, got, ids)
		}
		return nil
	})
}

func TestAccReposDataSource_ofAWorkspace(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(reposDataConfig(testWorkspaceID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testReposDataAddr, pathRepos, knownvalue.ListExact([]knownvalue.Check{
					chatRepoIs(),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"id":         knownvalue.StringExact(testGatewayRepo2ID),
						"name":       knownvalue.StringExact("semantic-search"),
						"ai_llm_ids": knownvalue.ListExact([]knownvalue.Check{}),
					}),
				})),
				noStorageSecrets(env.emu, testReposDataAddr),
			},
		}},
	})
}

func TestAccReposDataSource_all(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		// Not the token's: never listed.
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: "ws-other", OrgID: "org-other"})
		o.WorkspaceRepos = append(o.WorkspaceRepos, emulator.Repo{ID: "repo-other", WorkspaceID: "ws-other"})
	}, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(reposDataConfig("")),
			ConfigStateChecks: []statecheck.StateCheck{
				repoIDsAre("repo-1", "repo-2", "repo-3", testGatewayRepoID, testGatewayRepo2ID, "repo-staging"),
				statecheck.ExpectKnownValue(testReposDataAddr, tfjsonpath.New("workspace_id"), knownvalue.Null()),
				noStorageSecrets(env.emu, testReposDataAddr),
			},
		}},
	})
}

// A server that ignores the workspace filter lists every repo: only the
// workspace's are kept.
func TestAccReposDataSource_whenTheFilterIsIgnored(t *testing.T) {
	env := newEmulatorEnv(t, nil, ignoringRepoFilters)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:            env.config(reposDataConfig(testWorkspaceID)),
			ConfigStateChecks: []statecheck.StateCheck{repoIDsAre(testGatewayRepoID, testGatewayRepo2ID)},
		}},
	})
}

func TestAccReposDataSource_emptyWorkspace(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: "ws-empty"})
	}, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(reposDataConfig("ws-empty")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testReposDataAddr, pathRepos, knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

func TestAccReposDataSource_forbiddenWorkspace(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: "ws-other", OrgID: "org-other"})
	}, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(reposDataConfig("ws-other")),
			ExpectError: errorRE(`No access to Flashback workspace ws-other .* GET /repo: 403 .* check workspace_id`),
		}},
	})
}
