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
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

func TestAILLMIdentity_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkIdentitySchema(llmType, "id")
}

// importLLMByIdentity is an import block's identity import of configuration id.
func (p *protoProvider) importLLMByIdentity(id string) *tfprotov6.ImportResourceStateResponse {
	p.t.Helper()
	return p.importResource(&tfprotov6.ImportResourceStateRequest{
		TypeName: llmType,
		Identity: &tfprotov6.ResourceIdentityData{
			IdentityData: p.stringObject(p.identityType(llmType), map[string]string{"id": id}),
		},
	})
}

// Both forms of import, an import block's identity and the configuration's
// ID as a string, find its workspace and give the configuration, without
// secret or key, with its identity.
func TestAILLMIdentity_import(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	p := newProtoProvider(t, env, env.token)
	l := env.emu.LLMs(testWorkspace2ID)[0]

	for name, resp := range map[string]*tfprotov6.ImportResourceStateResponse{
		"by identity":  p.importLLMByIdentity(l.ID),
		"by string ID": p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: llmType, ID: l.ID}),
	} {
		if len(resp.ImportedResources) != 1 {
			t.Errorf("%s: imported %d resources (%s), want 1", name, len(resp.ImportedResources), diagsText(resp.Diagnostics))
			continue
		}
		if d := diagsText(resp.Diagnostics); !strings.HasPrefix(d, "WARNING: Secret and key not imported") || strings.Contains(d, "ERROR") {
			t.Errorf("%s: diagnostics %q, want only the warning that the secret and key are not imported", name, d)
		}
		imported := resp.ImportedResources[0]
		if got, want := p.decode(imported.State, p.resourceType(llmType)), wantLLMObject(l); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: imported state\n got %v\nwant %v", name, got, want)
		}
		if imported.Identity == nil {
			t.Errorf("%s: the import returned no identity", name)
		} else if got := p.decode(imported.Identity.IdentityData, p.identityType(llmType)); !reflect.DeepEqual(got, map[string]any{"id": l.ID}) {
			t.Errorf("%s: imported identity %v, want id %s", name, got, l.ID)
		}
	}
}

// The import itself returns the identity, before the read that follows it:
// Terraform keeps the identity of each object an import returns.
func TestAILLMIdentity_importStateReturnsIdentity(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	p := newProtoProvider(t, env, env.token)
	l := env.emu.LLMs(testWorkspaceID)[1]
	resp, err := p.server.ImportResourceState(context.Background(), &tfprotov6.ImportResourceStateRequest{TypeName: llmType, ID: l.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.ImportedResources) != 1 || hasError(resp.Diagnostics) {
		t.Fatalf("imported %d resources (%s), want 1", len(resp.ImportedResources), diagsText(resp.Diagnostics))
	}
	if identity := resp.ImportedResources[0].Identity; identity == nil || identity.IdentityData == nil {
		t.Error("ImportResourceState returned no identity")
	} else if got := p.decode(identity.IdentityData, p.identityType(llmType)); !reflect.DeepEqual(got, map[string]any{"id": l.ID}) {
		t.Errorf("ImportResourceState returned identity %v, want id %s", got, l.ID)
	}
}

func TestAILLMIdentity_importByIdentityErrors(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	p := newProtoProvider(t, env, env.token)
	for _, tc := range []struct {
		name, id string
		want     *regexp.Regexp
	}{
		{"no such configuration", "00000000-0000-4000-8000-000000000000",
			regexp.MustCompile(`AI LLM configuration not found: No workspace the access token can access has an AI LLM configuration with ID 00000000-0000-4000-8000-000000000000`)},
		{"empty id", "", regexp.MustCompile(`Invalid import identity: The import block's identity\.id is empty\. .*<id>`)},
		{"spaces", " 550e8400", regexp.MustCompile(`identity\.id \(" 550e8400"\) begins or ends with spaces`)},
	} {
		resp := p.importLLMByIdentity(tc.id)
		if d := diagsText(resp.Diagnostics); len(resp.ImportedResources) != 0 || !tc.want.MatchString(d) || !strings.Contains(d, "ERROR") {
			t.Errorf("%s: imported %d, diagnostics %q; want an error matching %s", tc.name, len(resp.ImportedResources), d, tc.want)
		}
	}
}

// Terraform before 1.12 sends no identity: a refresh must return one on
// every path, or the framework fails it ("Missing Resource Identity After
// Read"), the removal of a configuration deleted outside Terraform included.
func TestAILLMIdentity_readWithoutPriorIdentity(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	p := newProtoProvider(t, env, env.token)
	llms := env.emu.LLMs(testWorkspaceID)
	live, gone := llms[0], llms[1]
	if err := env.emu.DeleteLLM(gone.ID); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]string{"live configuration": live.ID, "configuration deleted outside Terraform": gone.ID} {
		state := p.stringObject(p.resourceType(llmType), map[string]string{
			"id": id, "workspace_id": testWorkspaceID, "name": "n", "ai_type": "OPENAI", "secret": "sk-in-state",
			"created_at": "2024-01-15T10:30:00.000Z",
		})
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: llmType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); strings.Contains(d, "ERROR") {
			t.Errorf("%s: %s", name, d)
			continue
		}
		if resp.NewIdentity == nil {
			t.Errorf("%s: the read returned no identity", name)
		} else if got := p.decode(resp.NewIdentity.IdentityData, p.identityType(llmType)); !reflect.DeepEqual(got, map[string]any{"id": id}) {
			t.Errorf("%s: identity %v, want id %s", name, got, id)
		}
	}
}

func llmIdentityChecks() []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(testLLMAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(uuidPattern)}),
		statecheck.ExpectIdentityValueMatchesState(testLLMAddr, pathID),
	}
}

// Through a CLI that keeps identities (Terraform and OpenTofu 1.12+): the
// configuration has its identity after create and update, and an import
// block by identity imports it. Import cannot bring the secret, so the plan
// also sends it, as after any import.
func TestAccAILLM_identity(t *testing.T) {
	env := newLLMTestEnv(t)
	cfg := env.llm(uniqueLLMName(t, "identity"))
	renamed := cfg
	renamed.name += "-renamed"
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{Config: env.config(cfg.hcl()), ConfigStateChecks: llmIdentityChecks()},
			{
				Config: env.config(renamed.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: llmIdentityChecks(),
			},
			{
				// import { to = ..., identity = { id = ... } }, with the identity
				// in the state.
				Config:             env.config(renamed.hcl()),
				ResourceName:       testLLMAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testLLMAddr, pathName, knownvalue.StringExact(renamed.name)),
						plancheck.ExpectKnownValue(testLLMAddr, tfjsonpath.New("workspace_id"), knownvalue.StringExact(env.workspace)),
					},
				},
			},
		},
	})
}

// The import block the documentation shows, written by hand, for a
// configuration that does not exist: the error names the id.
func TestAccAILLM_importByIdentityNotFound(t *testing.T) {
	env := newLLMTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(env.llm(uniqueLLMName(t, "imported")).hcl() + `
import {
  to       = flashback_ai_llm.test
  identity = { id = "00000000-0000-4000-8000-000000000000" }
}
`),
			ExpectError: regexp.MustCompile(`(?s)AI LLM configuration not found.*00000000-0000-4000-8000-000000000000`),
		}},
	})
}

// CLIs without resource identity (Terraform 1.5 to 1.11) send none: the
// provider must still create, update, refresh, import and delete the
// configuration with its identity schema in place, or the framework fails
// with "Missing Resource Identity After Update". This test runs on every CLI;
// it is the one that matters on the Terraform on PATH (1.11).
func TestAccAILLM_identityOnOlderCLIs(t *testing.T) {
	env := newLLMTestEnv(t)
	emu := env.emulator(t)
	cfg := env.llm(uniqueLLMName(t, "older-cli"))
	renamed := cfg
	renamed.name += "-renamed"
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: env.config(cfg.hcl()),
				Check:  resource.TestCheckResourceAttrWith(testLLMAddr, "id", func(v string) error { firstID = v; return nil }),
			},
			{
				Config: env.config(renamed.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionUpdate)},
				},
				Check: env.checkLLMServer("sk-first-secret"),
			},
			{
				// Refresh removes a configuration deleted outside Terraform, and
				// apply creates it anew.
				PreConfig: func() {
					if err := emu.DeleteLLM(firstID); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(renamed.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionCreate)},
				},
				Check: env.checkLLMServer("sk-first-secret"),
			},
			// A refresh fills in org_id and created_at, which the import reads.
			{RefreshState: true},
			{
				Config:                  env.config(renamed.hcl()),
				ResourceName:            testLLMAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret", "key"},
			},
			{
				Config:             env.config(renamed.hcl()),
				ResourceName:       testLLMAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionUpdate)},
				},
			},
		},
	})
}

// wantLLMObject is a configuration as an import leaves it in the state: what
// the list says of it, and neither secret nor key.
func wantLLMObject(l emulator.LLM) map[string]any {
	return map[string]any{
		"id":                l.ID,
		"workspace_id":      l.WorkspaceID,
		"org_id":            l.OrgID,
		"name":              l.Name,
		"ai_type":           l.AIType,
		"endpoint":          l.Endpoint,
		"created_at":        l.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		"secret":            nil,
		"secret_wo":         nil,
		"secret_wo_version": nil,
		"key":               nil,
	}
}
