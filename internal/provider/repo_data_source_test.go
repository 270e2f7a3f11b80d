package provider

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const testRepoDataAddr = "data.flashback_repo.test"

func repoDataConfig(lookup string) string {
	return fmt.Sprintf(`
data "flashback_repo" "test" {
%s}
`, lookup)
}

// repoAttributeNames are every attribute a repo has in the state: nothing
// else, such as a storage key, may appear.
var repoAttributeNames = []string{"id", "name", "workspace_id", "storage_type", "mode", "ai_llm_ids", "created_at", "disabled"}

// chatRepoIs checks every attribute of the seeded chat assistant's repo, as
// an element of flashback_repos.
func chatRepoIs() knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":           knownvalue.StringExact(testGatewayRepoID),
		"name":         knownvalue.StringExact(testGatewayRepoName),
		"workspace_id": knownvalue.StringExact(testWorkspaceID),
		"storage_type": knownvalue.StringExact("S3"),
		"mode":         knownvalue.StringExact("NORMAL"),
		"ai_llm_ids":   knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(testGatewayLLMID)}),
		"created_at":   knownvalue.StringRegexp(createdAtPattern),
		"disabled":     knownvalue.Bool(false),
	})
}

// repoDataIsChat checks that the flashback_repo data source found the chat
// assistant's repo, attribute by attribute.
func repoDataIsChat() []statecheck.StateCheck {
	var checks []statecheck.StateCheck
	for attr, check := range map[string]knownvalue.Check{
		"id":           knownvalue.StringExact(testGatewayRepoID),
		"name":         knownvalue.StringExact(testGatewayRepoName),
		"workspace_id": knownvalue.StringExact(testWorkspaceID),
		"storage_type": knownvalue.StringExact("S3"),
		"mode":         knownvalue.StringExact("NORMAL"),
		"ai_llm_ids":   knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(testGatewayLLMID)}),
		"created_at":   knownvalue.StringRegexp(createdAtPattern),
		"disabled":     knownvalue.Bool(false),
	} {
		checks = append(checks, statecheck.ExpectKnownValue(testRepoDataAddr, tfjsonpath.New(attr), check))
	}
	return checks
}

// noStorageSecrets proves that no attribute of anything in the state holds a
// storage credential that Flashback's repo listing carries, or is other than
// the attributes of the schema.
func noStorageSecrets(emu *emulator.Server, addrs ...string) statecheck.StateCheck {
	return stateValuesCheck(func(byAddr map[string]map[string]any) error {
		var secrets []string
		for _, repo := range []string{testGatewayRepoID, testGatewayRepo2ID, "repo-staging", "repo-1"} {
			secrets = append(secrets, emu.RepoStorageSecrets(repo)...)
		}
		if len(secrets) == 0 {
			return fmt.Errorf("the emulator gave no storage secrets to look for")
		}
		for _, addr := range addrs {
			values, ok := byAddr[addr]
			if !ok {
				return fmt.Errorf("%s not in state", addr)
			}
			for _, secret := range secrets {
				if err := noValueContains(addr, values, secret); err != nil {
					return fmt.Errorf("%w: a storage credential of the repo listing", err)
				}
			}
		}
		return nil
	})
}

// onlyRepoAttributes proves that the data source at addr holds the schema's
// attributes and nothing else.
func onlyRepoAttributes(addr string) statecheck.StateCheck {
	return stateValuesCheck(func(byAddr map[string]map[string]any) error {
		values, ok := byAddr[addr]
		if !ok {
			return fmt.Errorf("%s not in state", addr)
		}
		if len(values) != len(repoAttributeNames) {
			return fmt.Errorf("%s has %d attributes, want %v", addr, len(values), repoAttributeNames)
		}
		for _, attr := range repoAttributeNames {
			if _, ok := values[attr]; !ok {
				return fmt.Errorf("%s has no attribute %q", addr, attr)
			}
		}
		return nil
	})
}

// Looked up by id alone, the repo is picked out of every repo the token can
// read, and says which workspace it is in.
func TestAccRepoDataSource_byID(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(repoDataConfig(fmt.Sprintf("  id = %q\n", testGatewayRepoID))),
				ConfigStateChecks: append(repoDataIsChat(),
					onlyRepoAttributes(testRepoDataAddr), noStorageSecrets(env.emu, testRepoDataAddr)),
			},
			{
				Config:            env.config(repoDataConfig(fmt.Sprintf("  id = %q\n  workspace_id = %q\n", testGatewayRepoID, testWorkspaceID))),
				ConfigStateChecks: repoDataIsChat(),
			},
		},
	})
}

// ignoringRepoFilters makes the emulator answer GET /repo as a server that
// ignores its query would: with every repo the token can read.
func ignoringRepoFilters(emu *emulator.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/repo" {
			r.URL.RawQuery = ""
		}
		emu.ServeHTTP(w, r)
	})
}

// A server that ignores the filters answers with every repo: the lookup
// still picks the one asked for, by id or by name within its workspace,
// never the first.
func TestAccRepoDataSource_whenTheFiltersAreIgnored(t *testing.T) {
	env := newEmulatorEnv(t, nil, ignoringRepoFilters)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:            env.config(repoDataConfig(fmt.Sprintf("  id = %q\n", testGatewayRepoID))),
				ConfigStateChecks: repoDataIsChat(),
			},
			{
				Config: env.config(repoDataConfig(fmt.Sprintf("  name = %q\n  workspace_id = %q\n", testGatewayRepoName, testWorkspace2ID))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRepoDataAddr, pathID, knownvalue.StringExact("repo-staging")),
				},
			},
		},
	})
}

// A name is looked up within its workspace: another workspace's repo of the
// same name is not a match.
func TestAccRepoDataSource_byName(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:            env.config(repoDataConfig(fmt.Sprintf("  name = %q\n  workspace_id = %q\n", testGatewayRepoName, testWorkspaceID))),
				ConfigStateChecks: append(repoDataIsChat(), noStorageSecrets(env.emu, testRepoDataAddr)),
			},
			{
				Config: env.config(repoDataConfig(fmt.Sprintf("  name = %q\n  workspace_id = %q\n", testGatewayRepoName, testWorkspace2ID))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRepoDataAddr, pathID, knownvalue.StringExact("repo-staging")),
					statecheck.ExpectKnownValue(testRepoDataAddr, tfjsonpath.New("ai_llm_ids"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

func TestAccRepoDataSource_notFound(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:      env.config(repoDataConfig("  id = \"repo-nowhere\"\n")),
				ExpectError: errorRE(`Repo not found .* No repo with id repo-nowhere in the workspaces the access token can read`),
			},
			{
				// The repo exists, in another workspace.
				Config: env.config(repoDataConfig(fmt.Sprintf("  id = %q\n  workspace_id = %q\n", testGatewayRepoID, testWorkspace2ID))),
				ExpectError: errorRE(`Repo not found .* No repo with id ` + testGatewayRepoID + ` in workspace ` +
					testWorkspace2ID + `\. Check id and workspace_id`),
			},
			{
				Config: env.config(repoDataConfig(fmt.Sprintf("  name = \"CHAT-ASSISTANT\"\n  workspace_id = %q\n", testWorkspaceID))),
				ExpectError: errorRE(`Repo not found .* No repo named "CHAT-ASSISTANT" in workspace ` + testWorkspaceID +
					`\. Names match exactly`),
			},
		},
	})
}

func TestAccRepoDataSource_severalWithTheName(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.WorkspaceRepos = append(o.WorkspaceRepos, emulator.Repo{ID: "repo-chat-2", Name: testGatewayRepoName, WorkspaceID: testWorkspaceID})
	}, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(repoDataConfig(fmt.Sprintf("  name = %q\n  workspace_id = %q\n", testGatewayRepoName, testWorkspaceID))),
			ExpectError: errorRE(`Several repos match .* 2 repos are named "chat-assistant" in workspace ws-prod: ` +
				`repo-chat \("chat-assistant", workspace ws-prod\); repo-chat-2 \("chat-assistant", workspace ws-prod\)\. ` +
				`Set id instead of name`),
		}},
	})
}

func TestAccRepoDataSource_forbiddenWorkspace(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: "ws-other", OrgID: "org-other"})
	}, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(repoDataConfig("  name = \"anything\"\n  workspace_id = \"ws-other\"\n")),
			ExpectError: errorRE(`No access to Flashback workspace ws-other .* GET /repo: 403 .* check ` +
				`workspace_id, or use a token`),
		}},
	})
}

func TestAccRepoDataSource_validation(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	testPlanErrors(t, env, []planErrorCase{
		{"name without workspace_id", repoDataConfig("  name = \"chat\"\n"),
			errorRE(`Attribute "workspace_id" must be specified when "name" is specified`)},
		{"neither id nor name", repoDataConfig("  workspace_id = \"ws\"\n"),
			errorRE(`No attribute specified when one \(and only one\) of \[id,name\] is required`)},
		{"both id and name", repoDataConfig("  id = \"r\"\n  name = \"n\"\n  workspace_id = \"ws\"\n"),
			errorRE(`2 attributes specified when one \(and only one\) of \[id,name\] is required`)},
	})
}
