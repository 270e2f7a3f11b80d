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
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const keyType = "flashback_repo_ai_apikey"

// listedKeysEnv is an emulator whose lists also show soft-deleted keys (with
// deletedAt set), holding in repo-1, newest first: "gamma" (GOOGLE), "alpha"
// (ANTHROPIC) and "alpha" (OPENAI), plus "gone", soft-deleted; and "other" in
// repo-2. Its request counters start at zero.
func listedKeysEnv(t *testing.T) (*testEnv, *emulator.Server) {
	t.Helper()
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.ListDeleted = true }, nil)
	c := env.newClient(t)
	ctx := context.Background()
	for _, k := range []struct{ repo, name, aiType string }{
		{env.repos[0], "gone", client.AITypeOpenAI},
		{env.repos[0], "alpha", client.AITypeOpenAI},
		{env.repos[0], "alpha", client.AITypeAnthropic},
		{env.repos[0], "gamma", client.AITypeGoogle},
		{env.repos[1], "other", client.AITypeOpenAI},
	} {
		created, err := c.AIAPIKeys.Create(ctx, k.repo, client.CreateAIAPIKeyRequest{Name: k.name, AIType: k.aiType})
		if err != nil {
			t.Fatal(err)
		}
		if k.name == "gone" {
			if err := env.emu.DeleteKey(k.repo, created.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	env.emu.ResetCounters()
	return env, env.emu
}

// wantListed is what a listed key must look like: its identity, and the
// resource object an import of it leaves in the state: secret null, keepers
// empty.
func wantListed(k emulator.Key) (identity, object map[string]any) {
	identity = map[string]any{"repo_id": k.RepoID, "id": k.ID}
	object = map[string]any{
		"id":         k.ID,
		"repo_id":    k.RepoID,
		"name":       k.Name,
		"ai_type":    k.AIType,
		"key":        k.Key,
		"created_at": k.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		"keepers":    map[string]any{},
		"secret":     nil,

		"secret_recipients": nil,
		"encrypted_secret":  nil,
	}
	return identity, object
}

func TestRepoAIAPIKeyList_results(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(keyType, map[string]string{"repo_id": env.repos[0]}, true, 0)

	live := emu.LiveKeys(env.repos[0]) // newest first, without the soft-deleted key
	if len(got) != len(live) {
		t.Fatalf("listed %d results, want the %d live keys of %s: %+v", len(got), len(live), env.repos[0], got)
	}
	for i, k := range live {
		identity, object := wantListed(k)
		r := got[i]
		if r.diags != "" {
			t.Errorf("result %d has diagnostics: %s", i, r.diags)
		}
		if r.displayName != k.Name {
			t.Errorf("result %d: display name %q, want the key's name %q", i, r.displayName, k.Name)
		}
		if !reflect.DeepEqual(r.identity, identity) {
			t.Errorf("result %d: identity %v, want %v", i, r.identity, identity)
		}
		if !reflect.DeepEqual(r.resource, object) {
			t.Errorf("result %d: resource object\n got %v\nwant %v", i, r.resource, object)
		}
	}
	if n := emu.Requests("GET", emulator.OpList); n != 1 {
		t.Errorf("listing one repo sent %d list requests, want 1", n)
	}
}

func TestRepoAIAPIKeyList_leavesOutSoftDeletedKeys(t *testing.T) {
	t.Parallel()
	env, _ := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)
	if got := p.list(keyType, map[string]string{"repo_id": env.repos[0], "name": "gone"}, true, 0); len(got) != 0 {
		t.Fatalf("a soft-deleted key (deletedAt set) was listed: %+v", got)
	}
}

func TestRepoAIAPIKeyList_withoutResource(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(keyType, map[string]string{"repo_id": env.repos[1]}, false, 0)

	if len(got) != 1 {
		t.Fatalf("listed %d results, want 1: %+v", len(got), got)
	}
	identity, _ := wantListed(emu.LiveKeys(env.repos[1])[0])
	switch r := got[0]; {
	case r.diags != "":
		t.Errorf("diagnostics: %s", r.diags)
	case r.resource != nil:
		t.Errorf("the resource object was sent although Terraform did not ask for it: %v", r.resource)
	case !reflect.DeepEqual(r.identity, identity) || r.displayName != "other":
		t.Errorf("got identity %v and display name %q, want %v and %q", r.identity, r.displayName, identity, "other")
	}
}

func TestRepoAIAPIKeyList_filters(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)
	repo := env.repos[0]

	for _, tc := range []struct {
		name   string
		filter map[string]string
		want   []string // "name/ai_type", newest first
	}{
		{"none", nil, []string{"gamma/GOOGLE", "alpha/ANTHROPIC", "alpha/OPENAI"}},
		{"name", map[string]string{"name": "alpha"}, []string{"alpha/ANTHROPIC", "alpha/OPENAI"}},
		{"name is exact", map[string]string{"name": "Alpha"}, nil},
		{"ai_type", map[string]string{"ai_type": "GOOGLE"}, []string{"gamma/GOOGLE"}},
		{"name and ai_type", map[string]string{"name": "alpha", "ai_type": "OPENAI"}, []string{"alpha/OPENAI"}},
		{"no match", map[string]string{"ai_type": "AWS"}, nil},
	} {
		cfg := map[string]string{"repo_id": repo}
		for k, v := range tc.filter {
			cfg[k] = v
		}
		var got []string
		for _, r := range p.list(keyType, cfg, true, 0) {
			if r.diags != "" {
				t.Errorf("%s: diagnostics: %s", tc.name, r.diags)
			}
			got = append(got, fmt.Sprintf("%s/%s", r.resource["name"], r.resource["ai_type"]))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: listed %v, want %v", tc.name, got, tc.want)
		}
	}
	// Every query of the repo, whatever its filters, is answered by one list.
	if n := emu.Requests("GET", emulator.OpList); n != 1 {
		t.Errorf("six queries of one repo sent %d list requests, want 1", n)
	}
}

func TestRepoAIAPIKeyList_limit(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(keyType, map[string]string{"repo_id": env.repos[0]}, false, 2)

	live := emu.LiveKeys(env.repos[0])
	if len(got) != 2 || got[0].identity["id"] != live[0].ID || got[1].identity["id"] != live[1].ID {
		t.Fatalf("with limit 2, listed %+v; want the 2 newest keys, %s and %s", got, live[0].ID, live[1].ID)
	}
}

// A query and the refresh of the keys it adopts share the provider's list
// cache: one list per repository in all.
func TestRepoAIAPIKeyList_oneListPerRepo(t *testing.T) {
	t.Parallel()
	env, emu := listedKeysEnv(t)
	p := newProtoProvider(t, env, env.token)

	var listed []listResult
	for _, repo := range env.repos[:2] {
		for range 2 {
			listed = append(listed, p.list(keyType, map[string]string{"repo_id": repo}, true, 0)...)
		}
	}
	if n := emu.Requests("GET", emulator.OpList); n != 2 {
		t.Fatalf("querying 2 repos twice each sent %d list requests, want 2", n)
	}

	// What Terraform does next with each result: import it, then refresh it.
	resourceType := p.resourceType(keyType)
	for _, r := range listed {
		state := p.stringObject(resourceType, map[string]string{"repo_id": fmt.Sprint(r.identity["repo_id"]), "id": fmt.Sprint(r.identity["id"])})
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: keyType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); d != "" {
			t.Fatalf("refreshing listed key %v: %s", r.identity, d)
		}
	}
	if n := emu.Requests("GET", emulator.OpList); n != 2 {
		t.Errorf("the query and the refresh of %d listed keys sent %d list requests, want one per repo (2)", len(listed), n)
	}
}

func TestRepoAIAPIKeyList_errors(t *testing.T) {
	t.Parallel()
	env, _ := listedKeysEnv(t)

	for _, tc := range []struct {
		name, token, repo string
		want              *regexp.Regexp
	}{
		{"forbidden repo", env.token, "someone-elses-repo",
			regexp.MustCompile(`(?s)No access to Flashback repo someone-elses-repo.*403.*check repo_id`)},
		{"unauthorized", "fbt_not-the-token", env.repos[0],
			regexp.MustCompile(`(?s)Flashback rejected the access token.*the AI API keys of repo ` + env.repos[0] + `.*401.*FLASHBACK_ACCESS_TOKEN`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := newProtoProvider(t, env, tc.token).list(keyType, map[string]string{"repo_id": tc.repo}, true, 0)
			if len(got) != 1 || got[0].identity != nil || !tc.want.MatchString(got[0].diags) {
				t.Fatalf("got %+v, want one result with an error matching %s and no identity", got, tc.want)
			}
			if !strings.HasPrefix(got[0].diags, "ERROR") {
				t.Errorf("the diagnostic is not an error: %s", got[0].diags)
			}
			if strings.Contains(got[0].diags, env.token) {
				t.Errorf("the diagnostic holds the access token: %s", got[0].diags)
			}
		})
	}
}

func TestRepoAIAPIKeyList_providerNotConfigured(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	got := p.list(keyType, map[string]string{"repo_id": "repo-1"}, true, 0)
	if len(got) != 1 || !strings.Contains(got[0].diags, "Flashback provider not configured") {
		t.Fatalf("got %+v, want one result saying the provider is not configured", got)
	}
}

func TestRepoAIAPIKeyList_validation(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListValidation(keyType, []listValidationCase{
		{"repo only", map[string]string{"repo_id": "r1"}, nil},
		{"all filters", map[string]string{"repo_id": "r1", "name": "n", "ai_type": "AWS"}, nil},
		{"ai_type not allowed", map[string]string{"repo_id": "r1", "ai_type": "OPENAI_GPT"},
			regexp.MustCompile(`(?s)ai_type.*one of:.*"OPENAI".*"OTHER".*got:\s+"OPENAI_GPT"`)},
		{"empty repo_id", map[string]string{"repo_id": ""}, regexp.MustCompile(`(?s)repo_id.*at least 1`)},
		{"empty name", map[string]string{"repo_id": "r1", "name": ""}, regexp.MustCompile(`(?s)name.*at least 1`)},
	})
}

// The list block's config and the resource are described where Terraform
// shows them (terraform-plugin-docs renders the list resource's page from the
// config schema).
func TestRepoAIAPIKeyList_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListSchema(keyType, map[string]string{"repo_id": "required", "name": "optional", "ai_type": "optional"})
}

// The query tests need `terraform query` (Terraform 1.14+): `make
// testacc-query` runs them with Terraform 1.14.5 built from source, and so
// does CI (make test TERRAFORM_QUERY=...), failing if one skipped; any other
// CLI skips them with the reason. TestRepoAIAPIKeyList_* prove the same
// behaviour through the provider's protocol server in every `make test`.
var queryVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)}

func TestAccRepoAIAPIKeyList_query(t *testing.T) {
	env := newTestEnv(t)
	repo := env.repo()
	alpha, beta := uniqueKeyName(t, "alpha"), uniqueKeyName(t, "beta")
	keys := keyConfig("a", repo, alpha, "OPENAI") + keyConfig("b", repo, beta, "ANTHROPIC")
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(keys)},
			{
				Query:  true,
				Config: queryListBlock(keyType, "all", "repo_id", repo, "") + queryListBlock(keyType, "beta", "repo_id", repo, fmt.Sprintf("name = %q", beta)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectIdentity("flashback_repo_ai_apikey.beta", map[string]knownvalue.Check{
						"repo_id": knownvalue.StringExact(repo),
						"id":      knownvalue.StringRegexp(uuidPattern),
					}),
					querycheck.ExpectLength("flashback_repo_ai_apikey.beta", 1),
					querycheck.ExpectResourceDisplayName("flashback_repo_ai_apikey.beta",
						queryfilter.ByDisplayName(knownvalue.StringExact(beta)), knownvalue.StringExact(beta)),
					querycheck.ExpectResourceKnownValues("flashback_repo_ai_apikey.beta",
						queryfilter.ByDisplayName(knownvalue.StringExact(beta)), []querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact(beta)},
							{Path: tfjsonpath.New("ai_type"), KnownValue: knownvalue.StringExact("ANTHROPIC")},
							{Path: tfjsonpath.New("repo_id"), KnownValue: knownvalue.StringExact(repo)},
							{Path: tfjsonpath.New("secret"), KnownValue: knownvalue.Null()},
							// As an import leaves it: keepers {} (wantListed), not null.
							{Path: tfjsonpath.New("keepers"), KnownValue: knownvalue.MapExact(map[string]knownvalue.Check{})},
						}),
					querycheck.ExpectResourceDisplayName("flashback_repo_ai_apikey.all",
						queryfilter.ByDisplayName(knownvalue.StringExact(alpha)), knownvalue.StringExact(alpha)),
					querycheck.ExpectLengthAtLeast("flashback_repo_ai_apikey.all", 2),
				},
			},
		},
	})
}

func TestAccRepoAIAPIKeyList_queryForbiddenRepo(t *testing.T) {
	env := newTestEnv(t)
	env.emulator(t) // which repos a real token cannot reach is unknown
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config("")},
			{
				Query:       true,
				Config:      queryListBlock(keyType, "all", "repo_id", "someone-elses-repo", ""),
				ExpectError: regexp.MustCompile(`(?s)No access to Flashback repo someone-elses-repo.*check repo_id`),
			},
		},
	})
}
