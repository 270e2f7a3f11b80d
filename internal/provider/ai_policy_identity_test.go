package provider

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

const policyType = "flashback_ai_policy"

// listedPoliciesEnv is an emulator holding, newest first, in workspace
// ws-prod: "beta", "alpha" and "alpha"; and "org-wide" at the organization's
// scope. Its request counters start at zero.
func listedPoliciesEnv(t *testing.T) (*testEnv, []client.AIPolicy) {
	t.Helper()
	env := newEmulatorEnv(t, nil, nil)
	c := env.newClient(t)
	var created []client.AIPolicy
	for _, a := range []policyArgs{
		{name: "org-wide"},
		{workspaceID: testWorkspaceID, name: "alpha"},
		{workspaceID: testWorkspaceID, name: "alpha", action: "alert"},
		{workspaceID: testWorkspaceID, name: "beta"},
	} {
		a.content, a.risk = "No personal data.", "LOW"
		if a.action == "" {
			a.action = "log"
		}
		p, err := c.AIPolicies.Create(t.Context(), createRequest(a))
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, *p)
	}
	env.emu.ResetCounters()
	return env, created
}

// policyObject is a policy as an import leaves it in the state.
func policyObject(p client.AIPolicy) map[string]any {
	orNil := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{
		"id": p.ID, "org_id": p.OrgID, "workspace_id": orNil(p.WorkspaceID), "repo_id": orNil(p.RepoID),
		"name": p.Name, "content": p.Content, "risk_type": p.RiskType, "action_type": p.ActionType.String(),
		"created_at": normalizeTimestamp(p.CreatedAt),
	}
}

func TestAIPolicyIdentity_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkIdentitySchema(policyType, "id")
}

// Both forms of import, an import block's identity and a string ID, give the
// whole policy, scope included, with its identity.
func TestAIPolicyIdentity_import(t *testing.T) {
	t.Parallel()
	env, created := listedPoliciesEnv(t)
	p := newProtoProvider(t, env, env.token)
	pol := created[2]
	for name, resp := range map[string]*tfprotov6.ImportResourceStateResponse{
		"by identity": p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: policyType,
			Identity: &tfprotov6.ResourceIdentityData{
				IdentityData: p.stringObject(p.identityType(policyType), map[string]string{"id": pol.ID}),
			}}),
		"by string ID": p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: policyType, ID: pol.ID}),
	} {
		if len(resp.ImportedResources) != 1 || diagsText(resp.Diagnostics) != "" {
			t.Errorf("%s: imported %d resources (%s), want 1 without diagnostics", name, len(resp.ImportedResources), diagsText(resp.Diagnostics))
			continue
		}
		imported := resp.ImportedResources[0]
		if got := p.decode(imported.State, p.resourceType(policyType)); !reflect.DeepEqual(got, policyObject(pol)) {
			t.Errorf("%s: imported state\n got %v\nwant %v", name, got, policyObject(pol))
		}
		if imported.Identity == nil {
			t.Errorf("%s: the import returned no identity", name)
		} else if got := p.decode(imported.Identity.IdentityData, p.identityType(policyType)); !reflect.DeepEqual(got, map[string]any{"id": pol.ID}) {
			t.Errorf("%s: imported identity %v, want id %s", name, got, pol.ID)
		}
	}
	resp := p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: policyType,
		Identity: &tfprotov6.ResourceIdentityData{
			IdentityData: p.stringObject(p.identityType(policyType), map[string]string{"id": ""}),
		}})
	if d := diagsText(resp.Diagnostics); len(resp.ImportedResources) != 0 || !strings.Contains(d, "identity.id is empty") {
		t.Errorf("an empty identity id imported %d, diagnostics %q; want the error that it is empty", len(resp.ImportedResources), d)
	}
}

// Terraform before 1.12 sends no identity: a refresh returns one on every
// path, the removal of a policy deleted outside Terraform included.
func TestAIPolicyIdentity_readWithoutPriorIdentity(t *testing.T) {
	t.Parallel()
	env, created := listedPoliciesEnv(t)
	p := newProtoProvider(t, env, env.token)
	live, gone := created[0], created[1]
	if err := env.emu.DeletePolicy(gone.ID); err != nil {
		t.Fatal(err)
	}
	for name, pol := range map[string]client.AIPolicy{"live policy": live, "policy deleted outside Terraform": gone} {
		state := p.stringObject(p.resourceType(policyType), map[string]string{
			"id": pol.ID, "org_id": pol.OrgID, "workspace_id": pol.WorkspaceID, "name": pol.Name,
		})
		if pol.WorkspaceID == "" {
			state = p.stringObject(p.resourceType(policyType), map[string]string{"id": pol.ID, "org_id": pol.OrgID, "name": pol.Name})
		}
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: policyType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); strings.Contains(d, "ERROR") {
			t.Errorf("%s: %s", name, d)
			continue
		}
		if resp.NewIdentity == nil {
			t.Errorf("%s: the read returned no identity", name)
		} else if got := p.decode(resp.NewIdentity.IdentityData, p.identityType(policyType)); !reflect.DeepEqual(got, map[string]any{"id": pol.ID}) {
			t.Errorf("%s: identity %v, want id %s", name, got, pol.ID)
		}
	}
}

func policyIdentityChecks() []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(testPolicyAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(uuidPattern)}),
		statecheck.ExpectIdentityValueMatchesState(testPolicyAddr, pathID),
	}
}

// Through a CLI that keeps identities (Terraform and OpenTofu 1.12+): the
// policy has its identity after create and update, and an import block by
// identity imports it with no change.
func TestAccAIPolicy_identity(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a := basePolicy()
	a.workspaceID = testWorkspaceID
	renamed := a
	renamed.name = "renamed"
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: env.config(policyConfig("test", a)), ConfigStateChecks: policyIdentityChecks()},
			{
				Config: env.config(policyConfig("test", renamed)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: policyIdentityChecks(),
			},
			{
				Config:          env.config(policyConfig("test", renamed)),
				ResourceName:    testPolicyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}

func TestAccAIPolicy_importByIdentityNotFound(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(policyConfig("test", basePolicy()) + `
import {
  to       = flashback_ai_policy.test
  identity = { id = "00000000-0000-4000-8000-000000000000" }
}
`),
			ExpectError: errorRE(`AI policy not found .* no AI policy with id 00000000-0000-4000-8000-000000000000`),
		}},
	})
}
