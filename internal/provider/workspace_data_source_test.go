package provider

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const testWorkspaceDataAddr = "data.flashback_workspace.test"

func workspaceDataConfig(lookup string) string {
	return fmt.Sprintf(`
data "flashback_workspace" "test" {
%s}
`, lookup)
}

func workspaceIs(id, name, orgID string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(testWorkspaceDataAddr, pathID, knownvalue.StringExact(id)),
		statecheck.ExpectKnownValue(testWorkspaceDataAddr, pathName, knownvalue.StringExact(name)),
		statecheck.ExpectKnownValue(testWorkspaceDataAddr, pathOrgID, knownvalue.StringExact(orgID)),
	}
}

func TestAccWorkspaceDataSource_byID(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:            env.config(workspaceDataConfig(fmt.Sprintf("  id = %q\n", testWorkspace2ID))),
			ConfigStateChecks: workspaceIs(testWorkspace2ID, testWorkspace2Name, testOrgID),
			Check: resource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error {
					if env.emu.Requests(http.MethodGet, emulator.OpWorkspaceGet) == 0 {
						return fmt.Errorf("the workspace was not read by id")
					}
					return nil
				},
				checkRequests(env.emu, http.MethodGet, emulator.OpWorkspaceList, 0),
			),
		}},
	})
}

// Looked up by name, the workspace's id feeds a policy in the same apply.
func TestAccWorkspaceDataSource_byName(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a := basePolicy()
	a.extra = "  workspace_id = data.flashback_workspace.test.id\n"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{{
			Config: env.config(workspaceDataConfig(fmt.Sprintf("  name = %q\n", testWorkspaceName)) + policyConfig("test", a)),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: append(workspaceIs(testWorkspaceID, testWorkspaceName, testOrgID),
				statecheck.ExpectKnownValue(testPolicyAddr, pathWorkspaceID, knownvalue.StringExact(testWorkspaceID))),
			Check: checkPoliciesMatchServer(env.emu),
		}},
	})
}

func TestAccWorkspaceDataSource_notFound(t *testing.T) {
	// A workspace of another organization is one the token cannot read:
	// Flashback answers it as if it did not exist.
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: "ws-other", Name: "Elsewhere", OrgID: "org-other"})
	}, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(workspaceDataConfig("  id = \"ws-other\"\n")),
				ExpectError: errorRE(`Workspace not found .* no workspace with id ws-other that the access token can ` +
					`read \(GET /workspace/ws-other: 404`),
			},
			{
				// Names match exactly: case counts.
				Config: env.config(workspaceDataConfig("  name = \"production\"\n")),
				ExpectError: errorRE(`Workspace not found .* None of the 3 workspaces the access token can read is ` +
					`named "production"\. Names match exactly`),
			},
			{
				Config:      env.config(workspaceDataConfig("  name = \"Elsewhere\"\n")),
				ExpectError: errorRE(`Workspace not found .* is named "Elsewhere"`),
			},
		},
	})
}

func TestAccWorkspaceDataSource_severalWithTheName(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces,
			emulator.Workspace{ID: "ws-a", Name: "Shared"}, emulator.Workspace{ID: "ws-b", Name: "Shared"})
	}, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(workspaceDataConfig("  name = \"Shared\"\n")),
			ExpectError: errorRE(`Several workspaces with this name .* 2 workspaces the access token can read are ` +
				`named "Shared": ws-a \(organization ` + testOrgID + `\); ws-b \(organization ` + testOrgID + `\)\. Set id instead of name`),
		}},
	})
}

func TestAccWorkspaceDataSource_validation(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	testPlanErrors(t, env, []planErrorCase{
		{"neither id nor name", workspaceDataConfig(""), errorRE(`No attribute specified when one \(and only one\) of \[id,name\] is required`)},
		{"both id and name", workspaceDataConfig("  id = \"a\"\n  name = \"b\"\n"), errorRE(`2 attributes specified when one \(and only one\) of \[id,name\] is required`)},
		{"empty name", workspaceDataConfig("  name = \"\"\n"), errorRE(`name .* at least 1`)},
	})
}

func TestAccWorkspaceDataSource_forbidden(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	env.emu.InjectFault(emulator.Fault{Op: emulator.OpWorkspaceList, Status: http.StatusForbidden})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(workspaceDataConfig(fmt.Sprintf("  name = %q\n", testWorkspaceName))),
			ExpectError: errorRE(`No access to Flashback workspace .* Could not list the workspaces: GET /workspace: ` +
				`403 .* no permission for this: check name, or use a token of a user who may list it`),
		}},
	})
}
