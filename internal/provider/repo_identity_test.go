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

// listedReposEnv is the emulator's seeded gateway (ws-prod: chat-assistant,
// attached to llm-openai, and semantic-search; ws-staging: chat-assistant)
// with, in ws-prod, the MIRROR repository "mirror" of buckets bkt-m (its
// master) and bkt-n; its request counters start at zero. It returns the
// repositories as the API lists them.
func listedReposEnv(t *testing.T) (*testEnv, []client.Repo) {
	t.Helper()
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Buckets = append(o.Buckets, emulator.Bucket{ID: "bkt-m", WorkspaceID: testWorkspaceID},
			emulator.Bucket{ID: "bkt-n", WorkspaceID: testWorkspaceID})
		o.WorkspaceRepos = append(o.WorkspaceRepos, emulator.Repo{ID: "repo-mirror", Name: "mirror", WorkspaceID: testWorkspaceID,
			Mode: client.RepoModeMirror, Buckets: []emulator.RepoBucket{{BucketID: "bkt-m", Folder: "main", Master: true}, {BucketID: "bkt-n"}}})
	}, nil)
	repos, err := env.newClient(t).Repos.ListWorkspace(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	env.emu.ResetCounters()
	return env, repos
}

func listedRepoByID(t *testing.T, repos []client.Repo, id string) client.Repo {
	t.Helper()
	for _, r := range repos {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no repository %s", id)
	return client.Repo{}
}

// wantRepoObject is a repository as an import leaves it in the state: what
// the list says of it, an unset folder for the empty one and an unset master
// for false.
func wantRepoObject(r client.Repo) map[string]any {
	buckets := []any{}
	for _, b := range r.Buckets {
		var folder, master any
		if b.Folder != "" {
			folder = b.Folder
		}
		if b.Master {
			master = true
		}
		buckets = append(buckets, map[string]any{"bucket_id": b.BucketID, "folder": folder, "master": master})
	}
	llms := []any{}
	for _, id := range r.AILLMIDs {
		llms = append(llms, id)
	}
	return map[string]any{"id": r.ID, "workspace_id": r.WorkspaceID, "name": r.Name, "storage_type": r.StorageType, "mode": r.Mode,
		"bucket": buckets, "ai_llm_ids": llms, "created_at": normalizeTimestamp(r.CreatedAt), "disabled": r.Disabled}
}

// sameObject compares decoded objects, sets in any order.
func sameObject(got, want map[string]any) bool {
	for _, set := range []string{"bucket", "ai_llm_ids"} {
		g, _ := got[set].([]any)
		w, _ := want[set].([]any)
		if len(g) != len(w) {
			return false
		}
		for _, e := range w {
			if !slicesContainsDeep(g, e) {
				return false
			}
		}
	}
	for k, v := range want {
		if k != "bucket" && k != "ai_llm_ids" && !reflect.DeepEqual(got[k], v) {
			return false
		}
	}
	return len(got) == len(want)
}

func slicesContainsDeep(s []any, e any) bool {
	for _, x := range s {
		if reflect.DeepEqual(x, e) {
			return true
		}
	}
	return false
}

func TestRepoIdentity_schema(t *testing.T) {
	t.Parallel()
	newUnconfiguredProtoProvider(t).checkIdentitySchema(repoType, "id")
}

func (p *protoProvider) importRepoByIdentity(id string) *tfprotov6.ImportResourceStateResponse {
	p.t.Helper()
	return p.importResource(&tfprotov6.ImportResourceStateRequest{
		TypeName: repoType,
		Identity: &tfprotov6.ResourceIdentityData{IdentityData: p.stringObject(p.identityType(repoType), map[string]string{"id": id})},
	})
}

// Both forms of import find the repository's workspace and give the
// repository as listed, with its identity.
func TestRepoIdentity_import(t *testing.T) {
	t.Parallel()
	env, repos := listedReposEnv(t)
	p := newProtoProvider(t, env, env.token)
	for _, id := range []string{"repo-mirror", testGatewayRepoID, "repo-staging"} {
		want := wantRepoObject(listedRepoByID(t, repos, id))
		for name, resp := range map[string]*tfprotov6.ImportResourceStateResponse{
			"by identity":  p.importRepoByIdentity(id),
			"by string ID": p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: repoType, ID: id}),
		} {
			if len(resp.ImportedResources) != 1 || diagsText(resp.Diagnostics) != "" {
				t.Errorf("%s %s: imported %d (%s), want 1 without diagnostics", id, name, len(resp.ImportedResources), diagsText(resp.Diagnostics))
				continue
			}
			imported := resp.ImportedResources[0]
			if got := p.decode(imported.State, p.resourceType(repoType)); !sameObject(got, want) {
				t.Errorf("%s %s: imported\n got %v\nwant %v", id, name, got, want)
			}
			if imported.Identity == nil || !reflect.DeepEqual(p.decode(imported.Identity.IdentityData, p.identityType(repoType)), map[string]any{"id": id}) {
				t.Errorf("%s %s: identity %v, want id %s", id, name, imported.Identity, id)
			}
		}
	}
}

func TestRepoIdentity_importErrors(t *testing.T) {
	t.Parallel()
	env, _ := listedReposEnv(t)
	p := newProtoProvider(t, env, env.token)
	for _, tc := range []struct {
		name string
		resp *tfprotov6.ImportResourceStateResponse
		want *regexp.Regexp
	}{
		{"no such repository", p.importRepoByIdentity("repo-nowhere"),
			regexp.MustCompile(`Repo not found: No workspace the access token can access has a repository with ID repo-nowhere`)},
		{"empty id", p.importRepoByIdentity(""), regexp.MustCompile(`identity\.id is empty`)},
		{"workspace and id", p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: repoType, ID: "ws-prod/repo-chat"}),
			regexp.MustCompile(`Invalid import ID: Expected the repository's own ID.*"ws-prod/repo-chat"`)},
	} {
		if d := diagsText(tc.resp.Diagnostics); len(tc.resp.ImportedResources) != 0 || !tc.want.MatchString(d) {
			t.Errorf("%s: imported %d, diagnostics %q; want an error matching %s", tc.name, len(tc.resp.ImportedResources), d, tc.want)
		}
	}
}

// Terraform before 1.12 sends no identity: a refresh returns one on every
// path, the removal of a repository deleted outside Terraform included.
func TestRepoIdentity_readWithoutPriorIdentity(t *testing.T) {
	t.Parallel()
	env, _ := listedReposEnv(t)
	p := newProtoProvider(t, env, env.token)
	if err := env.newClient(t).Repos.Delete(context.Background(), testGatewayRepo2ID); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]string{"live": testGatewayRepoID, "deleted outside Terraform": testGatewayRepo2ID} {
		state := p.stringObject(p.resourceType(repoType), map[string]string{"id": id, "workspace_id": testWorkspaceID,
			"name": "n", "storage_type": "S3", "mode": "NORMAL", "created_at": "2024-01-15T10:30:00.000Z"})
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: repoType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); strings.Contains(d, "ERROR") {
			t.Errorf("%s: %s", name, d)
		} else if resp.NewIdentity == nil || !reflect.DeepEqual(p.decode(resp.NewIdentity.IdentityData, p.identityType(repoType)), map[string]any{"id": id}) {
			t.Errorf("%s: identity %v, want id %s", name, resp.NewIdentity, id)
		}
	}
}

// Through a CLI that keeps identities (Terraform and OpenTofu 1.12+): the
// repository has its identity after create and update, and an import block
// by identity imports it with an empty plan.
func TestAccRepo_identity(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	cfg := env.repo("identified", "bkt-a/docs")
	renamed := cfg
	renamed.name = "identified-renamed"
	checks := []statecheck.StateCheck{
		statecheck.ExpectIdentity(testRepoAddr, map[string]knownvalue.Check{"id": knownvalue.StringRegexp(uuidPattern)}),
		statecheck.ExpectIdentityValueMatchesState(testRepoAddr, pathID),
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(cfg.hcl()), ConfigStateChecks: checks},
			{Config: env.config(renamed.hcl()), ConfigStateChecks: checks},
			{
				Config:          env.config(renamed.hcl()),
				ResourceName:    testRepoAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testRepoAddr, plancheck.ResourceActionNoop)},
				},
			},
		},
	})
}
