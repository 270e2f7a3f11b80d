package provider

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestRepoAIAPIKeyIdentity_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkIdentitySchema(keyType, "repo_id", "id")
}

// importByIdentity is ImportResourceState with an import block's identity.
func (p *protoProvider) importByIdentity(repoID, id string) *tfprotov6.ImportResourceStateResponse {
	p.t.Helper()
	return p.importResource(&tfprotov6.ImportResourceStateRequest{
		TypeName: keyType,
		Identity: &tfprotov6.ResourceIdentityData{
			IdentityData: p.stringObject(p.identityType(keyType), map[string]string{"repo_id": repoID, "id": id}),
		},
	})
}

// importResource imports as Terraform does: ImportResourceState, then a
// ReadResource of each imported object, which is where ImportState hands the
// key over to be looked up. The response carries the read's state, identity
// and diagnostics; a key the read removes is not imported.
func (p *protoProvider) importResource(req *tfprotov6.ImportResourceStateRequest) *tfprotov6.ImportResourceStateResponse {
	p.t.Helper()
	ctx := context.Background()
	resp, err := p.server.ImportResourceState(ctx, req)
	if err != nil {
		p.t.Fatal(err)
	}
	imported := resp.ImportedResources
	resp.ImportedResources = nil
	for _, ir := range imported {
		read, err := p.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{
			TypeName: ir.TypeName, CurrentState: ir.State, CurrentIdentity: ir.Identity, Private: ir.Private,
		})
		if err != nil {
			p.t.Fatal(err)
		}
		resp.Diagnostics = append(resp.Diagnostics, read.Diagnostics...)
		if read.NewState == nil || hasError(read.Diagnostics) {
			continue
		}
		if v, err := read.NewState.Unmarshal(p.resourceType(ir.TypeName)); err != nil {
			p.t.Fatal(err)
		} else if v.IsNull() {
			continue
		}
		ir.State, ir.Identity, ir.Private = read.NewState, read.NewIdentity, read.Private
		resp.ImportedResources = append(resp.ImportedResources, ir)
	}
	return resp
}

// Both forms of import, the identity of an import block and the string ID of
// `terraform import` or an import block's id, import the key with its
// identity.
func TestRepoAIAPIKeyIdentity_import(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)
	k := emu.LiveKeys(env.repos[0])[1]
	identity, object := wantListed(k)

	for name, resp := range map[string]*tfprotov6.ImportResourceStateResponse{
		"by identity":  p.importByIdentity(k.RepoID, k.ID),
		"by string ID": p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: keyType, ID: k.RepoID + "/" + k.ID}),
	} {
		if len(resp.ImportedResources) != 1 {
			t.Errorf("%s: imported %d resources (%s), want 1", name, len(resp.ImportedResources), diagsText(resp.Diagnostics))
			continue
		}
		if d := diagsText(resp.Diagnostics); !strings.HasPrefix(d, "WARNING: Secret not imported") || strings.Contains(d, "ERROR") {
			t.Errorf("%s: diagnostics %q, want only the warning that the secret is not imported", name, d)
		}
		imported := resp.ImportedResources[0]
		if got := p.decode(imported.State, p.resourceType(keyType)); !reflect.DeepEqual(got, object) {
			t.Errorf("%s: imported state\n got %v\nwant %v", name, got, object)
		}
		if imported.Identity == nil {
			t.Errorf("%s: the import returned no identity", name)
		} else if got := p.decode(imported.Identity.IdentityData, p.identityType(keyType)); !reflect.DeepEqual(got, identity) {
			t.Errorf("%s: imported identity %v, want %v", name, got, identity)
		}
	}
}

func TestRepoAIAPIKeyIdentity_importByIdentityErrors(t *testing.T) {
	t.Parallel()
	env, _ := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)
	for _, tc := range []struct {
		name, repoID, id string
		want             *regexp.Regexp
	}{
		{"no such key", env.repos[0], "00000000-0000-4000-8000-000000000000",
			regexp.MustCompile(`AI API key not found: Flashback lists no AI API key 00000000-0000-4000-8000-000000000000 in repo repo-1`)},
		{"empty id", env.repos[0], "",
			regexp.MustCompile(`Invalid import identity: The import block's identity\.id is empty\. .*<repo_id>/<id>`)},
		{"forbidden repo", "someone-elses-repo", "00000000-0000-4000-8000-000000000000",
			regexp.MustCompile(`No access to Flashback repo someone-elses-repo`)},
	} {
		resp := p.importByIdentity(tc.repoID, tc.id)
		if d := diagsText(resp.Diagnostics); len(resp.ImportedResources) != 0 || !tc.want.MatchString(d) {
			t.Errorf("%s: imported %d, diagnostics %q; want an error matching %s", tc.name, len(resp.ImportedResources), d, tc.want)
		}
	}
}

// Terraform before 1.12 sends no identity: a refresh must return one on
// every path, or the framework fails it ("Missing Resource Identity After
// Read"), the removal of a key deleted outside Terraform included.
func TestRepoAIAPIKeyIdentity_readWithoutPriorIdentity(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)
	live, gone := emu.LiveKeys(env.repos[0])[0], emu.LiveKeys(env.repos[0])[1]
	if err := emu.DeleteKey(gone.RepoID, gone.ID); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name       string
		repoID, id string
	}{{"live key", live.RepoID, live.ID}, {"key deleted outside Terraform", gone.RepoID, gone.ID}} {
		state := p.stringObject(p.resourceType(keyType), map[string]string{
			"repo_id": k.repoID, "id": k.id, "created_at": "2024-01-15T10:30:00.000Z",
		})
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: keyType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); strings.Contains(d, "ERROR") {
			t.Errorf("%s: %s", k.name, d)
			continue
		}
		want := map[string]any{"repo_id": k.repoID, "id": k.id}
		if resp.NewIdentity == nil {
			t.Errorf("%s: the read returned no identity", k.name)
		} else if got := p.decode(resp.NewIdentity.IdentityData, p.identityType(keyType)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: identity %v, want %v", k.name, got, want)
		}
	}
}

// identityVersionChecks skip, with the reason in the test log, on CLIs that
// do not keep resource identities (Terraform and OpenTofu before 1.12). CI
// runs these tests through OpenTofu 1.12 (make testacc-tofu).
var identityVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

func identityChecks(repoID string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(testKeyAddr, map[string]knownvalue.Check{
			"repo_id": knownvalue.StringExact(repoID),
			"id":      knownvalue.StringRegexp(uuidPattern),
		}),
		statecheck.ExpectIdentityValueMatchesState(testKeyAddr, tfjsonpath.New("repo_id")),
		statecheck.ExpectIdentityValueMatchesState(testKeyAddr, tfjsonpath.New("id")),
	}
}

func TestAccRepoAIAPIKey_identity(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            env.config(keyConfig("test", env.repo(), "identified", "OPENAI")),
				ConfigStateChecks: identityChecks(env.repo()),
			},
			{
				// An update keeps the identity.
				Config: env.config(keyConfig("test", env.repo(), "renamed", "OPENAI")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: identityChecks(env.repo()),
			},
			{
				// import { to = ..., identity = { repo_id = ..., id = ... } }, with
				// the identity in the state: the plan imports and changes nothing.
				Config:          env.config(keyConfig("test", env.repo(), "renamed", "OPENAI")),
				ResourceName:    testKeyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}

// The import block the documentation shows, written by hand, for a key that
// does not exist: the error names the repo and the id.
func TestAccRepoAIAPIKey_importByIdentityNotFound(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), "imported", "OPENAI") + fmt.Sprintf(`
import {
  to = flashback_repo_ai_apikey.test
  identity = {
    repo_id = %q
    id      = "00000000-0000-4000-8000-000000000000"
  }
}
`, env.repo())),
			ExpectError: regexp.MustCompile(`(?s)AI API key not found.*` + regexp.QuoteMeta(env.repo()) +
				`.*00000000-0000-4000-8000-000000000000`),
		}},
	})
}

// CLIs without resource identity (Terraform 1.5 to 1.11) send none: the
// provider must still create, update, refresh, import and delete the key with
// its identity schema in place, or the framework fails with "Missing
// Resource Identity After Update". This test runs on every CLI; it is the
// one that matters on the Terraform on PATH (1.11).
func TestAccRepoAIAPIKey_identityOnOlderCLIs(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	var firstID string
	cfg := func(name string) string { return env.config(keyConfig("test", env.repo(), name, "GOOGLE")) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: cfg("before"),
				Check:  resource.TestCheckResourceAttrWith(testKeyAddr, "id", func(v string) error { firstID = v; return nil }),
			},
			{
				Config: cfg("after"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionUpdate)},
				},
				Check: env.checkServerMatchesState(t),
			},
			{
				// Refresh removes a key deleted outside Terraform, and apply creates it anew.
				PreConfig: func() {
					if err := emu.DeleteKey(env.repo(), firstID); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg("after"),
				Check:  env.checkServerMatchesState(t),
			},
			// A refresh fills in created_at, which the import reads too.
			{Config: cfg("after")},
			{
				Config:                               cfg("after"),
				ResourceName:                         testKeyAddr,
				ImportState:                          true,
				ImportStateIdFunc:                    importIDOf(testKeyAddr),
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"secret"},
			},
			{
				Config:            cfg("after"),
				ResourceName:      testKeyAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: importIDOf(testKeyAddr),
			},
		},
	})
}

// importIDOf is the string import ID, <repo_id>/<id>, of the key at addr.
func importIDOf(addr string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return "", fmt.Errorf("%s not in state", addr)
		}
		return rs.Primary.Attributes["repo_id"] + "/" + rs.Primary.ID, nil
	}
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}
