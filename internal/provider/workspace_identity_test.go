package provider

import (
	"context"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// newEmptyOrgEnv is an emulator environment of an organization with nothing
// in it: no workspace, repository or bucket.
func newEmptyOrgEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEmulatorEnv(t, func(o *emulator.Options) { o.Repos, o.Workspaces, o.WorkspaceRepos = nil, nil, nil }, nil)
}

// listedWorkspacesEnv is an empty organization's emulator holding, oldest
// first, the workspaces "alpha", "beta" and "alpha" made through the API. Its
// request counters start at zero.
func listedWorkspacesEnv(t *testing.T) (*testEnv, []client.Workspace) {
	t.Helper()
	env := newEmptyOrgEnv(t)
	c := env.newClient(t)
	var created []client.Workspace
	for _, name := range []string{"alpha", "beta", "alpha"} {
		ws, err := c.Workspaces.Create(context.Background(), client.CreateWorkspaceRequest{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, *ws)
	}
	env.emu.ResetCounters()
	return env, created
}

// workspaceObject is a workspace as an import leaves it in the state.
func workspaceObject(w client.Workspace) map[string]any {
	return map[string]any{"id": w.ID, "name": w.Name, "org_id": w.OrgID}
}

func TestWorkspaceIdentity_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkIdentitySchema(workspaceType, "id")
}

func (p *protoProvider) importWorkspaceByIdentity(id string) *tfprotov6.ImportResourceStateResponse {
	p.t.Helper()
	return p.importResource(&tfprotov6.ImportResourceStateRequest{
		TypeName: workspaceType,
		Identity: &tfprotov6.ResourceIdentityData{
			IdentityData: p.stringObject(p.identityType(workspaceType), map[string]string{"id": id}),
		},
	})
}

// Both forms of import, an import block's identity and a string ID, give the
// whole workspace with its identity, and no diagnostic.
func TestWorkspaceIdentity_import(t *testing.T) {
	t.Parallel()
	env, created := listedWorkspacesEnv(t)
	p := newProtoProvider(t, env, env.token)
	w := created[1]
	for name, resp := range map[string]*tfprotov6.ImportResourceStateResponse{
		"by identity":  p.importWorkspaceByIdentity(w.ID),
		"by string ID": p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: workspaceType, ID: w.ID}),
	} {
		if len(resp.ImportedResources) != 1 || len(resp.Diagnostics) != 0 {
			t.Errorf("%s: imported %d resources (%s), want 1 and no diagnostics", name, len(resp.ImportedResources), diagsText(resp.Diagnostics))
			continue
		}
		imported := resp.ImportedResources[0]
		if got := p.decode(imported.State, p.resourceType(workspaceType)); !reflect.DeepEqual(got, workspaceObject(w)) {
			t.Errorf("%s: imported state\n got %v\nwant %v", name, got, workspaceObject(w))
		}
		if imported.Identity == nil {
			t.Errorf("%s: the import returned no identity", name)
		} else if got := p.decode(imported.Identity.IdentityData, p.identityType(workspaceType)); !reflect.DeepEqual(got, map[string]any{"id": w.ID}) {
			t.Errorf("%s: imported identity %v, want id %s", name, got, w.ID)
		}
	}
}

func TestWorkspaceIdentity_importErrors(t *testing.T) {
	t.Parallel()
	env, _ := listedWorkspacesEnv(t)
	p := newProtoProvider(t, env, env.token)
	for _, tc := range []struct {
		name string
		resp *tfprotov6.ImportResourceStateResponse
		want *regexp.Regexp
	}{
		{"no such workspace", p.importWorkspaceByIdentity("00000000-0000-4000-8000-000000000000"),
			regexp.MustCompile(`Workspace not found: Flashback has no workspace with ID 00000000-0000-4000-8000-000000000000 that the access token can read`)},
		{"empty id", p.importWorkspaceByIdentity(""), regexp.MustCompile(`Invalid import identity: The import block's identity\.id is empty\. .*<id>`)},
		{"spaces", p.importWorkspaceByIdentity(" 550e8400"), regexp.MustCompile(`identity\.id \(" 550e8400"\) begins or ends with spaces`)},
		{"a slash", p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: workspaceType, ID: "org/ws"}),
			regexp.MustCompile(`Invalid import ID: Expected the ID of a workspace.*got "org/ws"`)},
	} {
		if d := diagsText(tc.resp.Diagnostics); len(tc.resp.ImportedResources) != 0 || !tc.want.MatchString(d) || !strings.Contains(d, "ERROR") {
			t.Errorf("%s: imported %d, diagnostics %q; want an error matching %s", tc.name, len(tc.resp.ImportedResources), d, tc.want)
		}
	}
}

// Terraform before 1.12 sends no identity: a refresh must return one on
// every path, the removal of a workspace deleted outside Terraform included.
func TestWorkspaceIdentity_readWithoutPriorIdentity(t *testing.T) {
	t.Parallel()
	env, created := listedWorkspacesEnv(t)
	p := newProtoProvider(t, env, env.token)
	live, gone := created[0], created[1]
	if err := env.newClient(t).Workspaces.Delete(context.Background(), gone.ID); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]string{"live workspace": live.ID, "workspace deleted outside Terraform": gone.ID} {
		state := p.stringObject(p.resourceType(workspaceType), map[string]string{"id": id, "name": "n", "org_id": testOrgID})
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: workspaceType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); strings.Contains(d, "ERROR") {
			t.Errorf("%s: %s", name, d)
			continue
		}
		if resp.NewIdentity == nil {
			t.Errorf("%s: the read returned no identity", name)
		} else if got := p.decode(resp.NewIdentity.IdentityData, p.identityType(workspaceType)); !reflect.DeepEqual(got, map[string]any{"id": id}) {
			t.Errorf("%s: identity %v, want id %s", name, got, id)
		}
	}
}

func workspaceIdentityChecks() []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(testWorkspaceAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(uuidPattern)}),
		statecheck.ExpectIdentityValueMatchesState(testWorkspaceAddr, pathID),
	}
}

// Through a CLI that keeps identities (Terraform and OpenTofu 1.12+): the
// workspace has its identity after create and rename, and an import block by
// identity imports it with nothing to change.
func TestAccWorkspace_identity(t *testing.T) {
	env := newTestEnv(t)
	name := uniqueWorkspaceName(t, "identity")
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(workspaceConfig("test", name)), ConfigStateChecks: workspaceIdentityChecks()},
			{
				Config: env.config(workspaceConfig("test", name+"-renamed")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testWorkspaceAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: workspaceIdentityChecks(),
			},
			{
				Config:          env.config(workspaceConfig("test", name+"-renamed")),
				ResourceName:    testWorkspaceAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testWorkspaceAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(testWorkspaceAddr, pathName, knownvalue.StringExact(name+"-renamed")),
					},
				},
			},
		},
	})
}

// The import block the documentation shows, written by hand, for a workspace
// that does not exist: the error names the id.
func TestAccWorkspace_importByIdentityNotFound(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(workspaceConfig("test", uniqueWorkspaceName(t, "imported")) + `
import {
  to       = flashback_workspace.test
  identity = { id = "00000000-0000-4000-8000-000000000000" }
}
`),
			ExpectError: regexp.MustCompile(`(?s)Workspace not found.*00000000-0000-4000-8000-000000000000`),
		}},
	})
}
