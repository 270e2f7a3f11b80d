package provider

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

func TestRepoAIAPIKeyRotatingIdentity_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkIdentitySchema(rotatingKeyType, "repo_id", "id")
}

// wantRotatingImported is a key as an import into a rotating key leaves it
// in the state: the current key without its secret, no previous key.
func wantRotatingImported(k emulator.Key) map[string]any {
	return map[string]any{
		"id": k.ID, "repo_id": k.RepoID, "name": k.Name, "ai_type": k.AIType, "key": k.Key,
		"created_at": k.CreatedAt.UTC().Format(createdAtLayout), "rotate_when": map[string]any{},
		"overlap": nil, "secret": nil, "previous_id": nil, "previous_key": nil, "previous_secret": nil,
		"previous_name": nil, "rotated_at": nil, "retired_ids": nil,
		"secret_recipients": nil, "encrypted_secret": nil, "previous_encrypted_secret": nil,
	}
}

// Both forms of import, an import block's identity and a string ID, take the
// key as the current key, with its identity, and warn that its secret cannot
// be recovered.
func TestRepoAIAPIKeyRotatingIdentity_import(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)
	k := emu.LiveKeys(env.repos[0])[1]
	identity := map[string]any{"repo_id": k.RepoID, "id": k.ID}
	for name, req := range map[string]*tfprotov6.ImportResourceStateRequest{
		"by identity": {TypeName: rotatingKeyType, Identity: &tfprotov6.ResourceIdentityData{
			IdentityData: p.stringObject(p.identityType(rotatingKeyType), map[string]string{"repo_id": k.RepoID, "id": k.ID}),
		}},
		"by string ID": {TypeName: rotatingKeyType, ID: k.RepoID + "/" + k.ID},
	} {
		resp := p.importResource(req)
		if len(resp.ImportedResources) != 1 {
			t.Errorf("%s: imported %d resources (%s), want 1", name, len(resp.ImportedResources), diagsText(resp.Diagnostics))
			continue
		}
		if d := diagsText(resp.Diagnostics); !strings.HasPrefix(d, "WARNING: Secret not imported") || strings.Contains(d, "ERROR") {
			t.Errorf("%s: diagnostics %q, want only the warning that the secret is not imported", name, d)
		}
		imported := resp.ImportedResources[0]
		if got := p.decode(imported.State, p.resourceType(rotatingKeyType)); !reflect.DeepEqual(got, wantRotatingImported(k)) {
			t.Errorf("%s: imported state\n got %v\nwant %v", name, got, wantRotatingImported(k))
		}
		if imported.Identity == nil {
			t.Errorf("%s: the import returned no identity", name)
		} else if got := p.decode(imported.Identity.IdentityData, p.identityType(rotatingKeyType)); !reflect.DeepEqual(got, identity) {
			t.Errorf("%s: imported identity %v, want %v", name, got, identity)
		}
	}
}

// The identity names the current key, so a rotation changes it: the apply
// that rotates returns the new key's identity, and the framework must not
// refuse it as an unexpected change (Terraform 1.12+ sends the planned
// identity, the old key's).
func TestRepoAIAPIKeyRotatingIdentity_followsTheCurrentKey(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	p := newProtoProvider(t, env, env.token)
	ctx := context.Background()
	typ, idType := p.resourceType(rotatingKeyType), p.identityType(rotatingKeyType)
	k := createKeyBeside(t, env.newClient(t), "app")
	imported := p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: rotatingKeyType, ID: "repo-1/" + k.ID})
	if len(imported.ImportedResources) != 1 {
		t.Fatalf("import: %s", diagsText(imported.Diagnostics))
	}
	prior := imported.ImportedResources[0]
	cfg := configOnly(p.decode(prior.State, typ))
	cfg["overlap"] = "1h"
	cfg["rotate_when"] = map[string]string{"v": "2"}
	config := p.typedObject(typ, cfg)

	plan, err := p.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: rotatingKeyType,
		PriorState: prior.State, PriorPrivate: prior.Private, PriorIdentity: prior.Identity, ProposedNewState: config, Config: config})
	if err != nil || hasError(plan.Diagnostics) {
		t.Fatalf("plan: %v %s", err, diagsText(plan.Diagnostics))
	}
	applied, err := p.server.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: rotatingKeyType,
		PriorState: prior.State, PlannedState: plan.PlannedState, PlannedPrivate: plan.PlannedPrivate,
		PlannedIdentity: plan.PlannedIdentity, Config: config})
	if err != nil || hasError(applied.Diagnostics) {
		t.Fatalf("apply: %v %s", err, diagsText(applied.Diagnostics))
	}
	state := p.decode(applied.NewState, typ)
	if state["id"] == k.ID || state["previous_id"] != k.ID {
		t.Fatalf("the apply did not rotate: id %v, previous_id %v", state["id"], state["previous_id"])
	}
	want := map[string]any{"repo_id": "repo-1", "id": state["id"]}
	if applied.NewIdentity == nil {
		t.Fatal("the apply returned no identity")
	}
	if got := p.decode(applied.NewIdentity.IdentityData, idType); !reflect.DeepEqual(got, want) {
		t.Errorf("identity after the rotation %v, want the new current key's %v", got, want)
	}
}

func rotatingIdentityChecks(repoID string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(testRotatingAddr, map[string]knownvalue.Check{
			"repo_id": knownvalue.StringExact(repoID),
			"id":      knownvalue.StringRegexp(uuidPattern),
		}),
		statecheck.ExpectIdentityValueMatchesState(testRotatingAddr, tfjsonpath.New("repo_id")),
		statecheck.ExpectIdentityValueMatchesState(testRotatingAddr, tfjsonpath.New("id")),
	}
}

// Through a CLI that keeps identities (Terraform and OpenTofu 1.12+): the
// identity follows the current key across a rotation, and an import block
// with it imports the key and changes nothing.
func TestAccRepoAIAPIKeyRotating_identity(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(v string) string {
		return env.config(rotatingConfig(env.repo(), "identified", "OPENAI", "1h", `{ v = "`+v+`" }`))
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: cfg("1"), ConfigStateChecks: rotatingIdentityChecks(env.repo())},
			{Config: cfg("2"), ConfigStateChecks: rotatingIdentityChecks(env.repo())},
			{
				Config:          cfg("2"),
				ResourceName:    testRotatingAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				// The import takes the current key alone; the plan then
				// records overlap and rotate_when's value.
				ExpectNonEmptyPlan: true,
			},
		},
	})
}
