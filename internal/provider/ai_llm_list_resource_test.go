package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const llmType = "flashback_ai_llm"

// listedLLMsEnv is an emulator holding, newest first, in workspace ws-prod:
// "gamma" (OPENAI, with a key), "beta" (ANTHROPIC) and "alpha" (OPENAI); and
// "alpha" (OPENAI) in ws-staging. Its request counters start at zero.
func listedLLMsEnv(t *testing.T) *testEnv {
	t.Helper()
	env := newEmulatorEnv(t, nil, nil)
	c := env.newClient(t)
	for _, l := range []struct{ workspace, name, aiType, key string }{
		{testWorkspaceID, "alpha", client.AITypeOpenAI, ""},
		{testWorkspaceID, "beta", client.AITypeAnthropic, ""},
		{testWorkspaceID, "gamma", client.AITypeOpenAI, "access-key"},
		{testWorkspace2ID, "alpha", client.AITypeOpenAI, ""},
	} {
		_, err := c.AILLMs.Create(context.Background(), client.CreateAILLMRequest{
			WorkspaceID: l.workspace, Name: l.name, AIType: l.aiType,
			Endpoint: "https://llm.example.com/" + l.name, Secret: "sk-" + l.name, Key: l.key,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	env.emu.ResetCounters()
	return env
}

// Each result is one configuration of the workspace: its identity, its name
// and, asked for, the resource object exactly as an import of it leaves it in
// the state.
func TestAILLMList_results(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(llmType, map[string]string{"workspace_id": testWorkspaceID}, true, 0)

	want := env.emu.LLMs(testWorkspaceID) // newest first
	if len(got) != len(want) {
		t.Fatalf("listed %d results, want the %d configurations of %s: %+v", len(got), len(want), testWorkspaceID, got)
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpLLMList); n != 1 {
		t.Errorf("listing one workspace sent %d list requests, want 1", n)
	}
	for i, l := range want {
		r := got[i]
		if r.diags != "" {
			t.Errorf("result %d has diagnostics: %s", i, r.diags)
		}
		if r.displayName != l.Name || !reflect.DeepEqual(r.identity, map[string]any{"id": l.ID}) {
			t.Errorf("result %d: %q %v, want the name %q and id %s", i, r.displayName, r.identity, l.Name, l.ID)
		}
		if !reflect.DeepEqual(r.resource, wantLLMObject(l)) {
			t.Errorf("result %d: resource object\n got %v\nwant %v", i, r.resource, wantLLMObject(l))
		}
		// What -generate-config-out writes must be what the import it writes
		// then reads: the two must agree.
		imported := p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: llmType, ID: l.ID})
		if len(imported.ImportedResources) != 1 {
			t.Fatalf("importing %s: %s", l.ID, diagsText(imported.Diagnostics))
		}
		if state := p.decode(imported.ImportedResources[0].State, p.resourceType(llmType)); !reflect.DeepEqual(r.resource, state) {
			t.Errorf("result %d differs from what an import leaves in the state:\n listed %v\nimported %v", i, r.resource, state)
		}
	}
}

func TestAILLMList_withoutResource(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(llmType, map[string]string{"workspace_id": testWorkspace2ID}, false, 0)

	if len(got) != 1 {
		t.Fatalf("listed %d results, want 1: %+v", len(got), got)
	}
	l := env.emu.LLMs(testWorkspace2ID)[0]
	switch r := got[0]; {
	case r.diags != "":
		t.Errorf("diagnostics: %s", r.diags)
	case r.resource != nil:
		t.Errorf("the resource object was sent although Terraform did not ask for it: %v", r.resource)
	case !reflect.DeepEqual(r.identity, map[string]any{"id": l.ID}) || r.displayName != "alpha":
		t.Errorf("got identity %v and display name %q, want id %s and %q", r.identity, r.displayName, l.ID, "alpha")
	}
}

func TestAILLMList_filters(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	p := newProtoProvider(t, env, env.token)

	for _, tc := range []struct {
		name   string
		filter map[string]string
		want   []string // "name/ai_type", newest first
	}{
		{"none", nil, []string{"gamma/OPENAI", "beta/ANTHROPIC", "alpha/OPENAI"}},
		{"name", map[string]string{"name": "beta"}, []string{"beta/ANTHROPIC"}},
		{"name is exact", map[string]string{"name": "Beta"}, nil},
		{"ai_type", map[string]string{"ai_type": "OPENAI"}, []string{"gamma/OPENAI", "alpha/OPENAI"}},
		{"name and ai_type", map[string]string{"name": "gamma", "ai_type": "OPENAI"}, []string{"gamma/OPENAI"}},
		{"name and another ai_type", map[string]string{"name": "gamma", "ai_type": "ANTHROPIC"}, nil},
		{"no match", map[string]string{"ai_type": "AWS"}, nil},
	} {
		cfg := map[string]string{"workspace_id": testWorkspaceID}
		for k, v := range tc.filter {
			cfg[k] = v
		}
		var got []string
		for _, r := range p.list(llmType, cfg, true, 0) {
			if r.diags != "" {
				t.Errorf("%s: diagnostics: %s", tc.name, r.diags)
			}
			got = append(got, fmt.Sprintf("%s/%s", r.resource["name"], r.resource["ai_type"]))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: listed %v, want %v", tc.name, got, tc.want)
		}
	}
	// Every query of the workspace, whatever its filters, is answered by one list.
	if n := env.emu.Requests(http.MethodGet, emulator.OpLLMList); n != 1 {
		t.Errorf("seven queries of one workspace sent %d list requests, want 1", n)
	}
}

// A query and the refresh of the configurations it adopts share the
// provider's list cache: one list per workspace in all.
func TestAILLMList_oneListPerWorkspace(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	p := newProtoProvider(t, env, env.token)

	var listed []listResult
	for _, ws := range []string{testWorkspaceID, testWorkspace2ID} {
		for range 2 {
			listed = append(listed, p.list(llmType, map[string]string{"workspace_id": ws}, true, 0)...)
		}
	}
	if len(listed) != 8 {
		t.Fatalf("listed %d results, want 4 twice", len(listed))
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpLLMList); n != 2 {
		t.Fatalf("querying 2 workspaces twice each sent %d list requests, want 2", n)
	}

	// What Terraform does next with each result: import it, then refresh it.
	for _, r := range listed {
		state := p.stringObject(p.resourceType(llmType), map[string]string{
			"id": fmt.Sprint(r.identity["id"]), "workspace_id": fmt.Sprint(r.resource["workspace_id"]),
			"created_at": fmt.Sprint(r.resource["created_at"]),
		})
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: llmType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); d != "" {
			t.Fatalf("refreshing listed configuration %v: %s", r.identity, d)
		}
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpLLMList); n != 2 {
		t.Errorf("the queries and the refresh of %d listed configurations sent %d list requests, want one per workspace (2)", len(listed), n)
	}
}

// unfilteredLLMLists answers every list of AI LLM configurations as a server
// that ignores workspaceId would: with those of every workspace.
func unfilteredLLMLists(emu *emulator.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/ai/llm" {
			r = r.Clone(r.Context())
			r.URL.RawQuery = ""
		}
		emu.ServeHTTP(w, r)
	})
}

// A server that lists other workspaces' configurations too does not make a
// query of one workspace adopt them.
func TestAILLMList_onlyTheWorkspaceAskedFor(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	srv := httptest.NewServer(unfilteredLLMLists(env.emu))
	t.Cleanup(srv.Close)
	unfiltered := *env
	unfiltered.baseURL = srv.URL
	p := newProtoProvider(t, &unfiltered, env.token)

	var got, want []string
	for _, r := range p.list(llmType, map[string]string{"workspace_id": testWorkspace2ID}, false, 0) {
		got = append(got, fmt.Sprint(r.identity["id"]))
	}
	for _, l := range env.emu.LLMs(testWorkspace2ID) {
		want = append(want, l.ID)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listed %v, want only the workspace's %v", got, want)
	}
}

func TestAILLMList_errors(t *testing.T) {
	t.Parallel()
	env := listedLLMsEnv(t)
	for _, tc := range []struct {
		name, token, workspace string
		want                   *regexp.Regexp
	}{
		{"forbidden workspace", env.token, "someone-elses-workspace",
			regexp.MustCompile(`(?s)No access to Flashback workspace someone-elses-workspace.*403.*check workspace_id`)},
		{"unauthorized", "fbt_not-the-token", testWorkspaceID,
			regexp.MustCompile(`(?s)Flashback rejected the access token.*the AI LLM configurations of workspace ` + testWorkspaceID + `.*401.*FLASHBACK_ACCESS_TOKEN`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := newProtoProvider(t, env, tc.token).list(llmType, map[string]string{"workspace_id": tc.workspace}, true, 0)
			if len(got) != 1 || got[0].identity != nil || !tc.want.MatchString(got[0].diags) || !strings.HasPrefix(got[0].diags, "ERROR") {
				t.Fatalf("got %+v, want one result with an error matching %s and no identity", got, tc.want)
			}
			if strings.Contains(got[0].diags, env.token) {
				t.Errorf("the diagnostic holds the access token: %s", got[0].diags)
			}
		})
	}
}

func TestAILLMList_providerNotConfigured(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	got := p.list(llmType, map[string]string{"workspace_id": testWorkspaceID}, true, 0)
	if len(got) != 1 || !strings.Contains(got[0].diags, "Flashback provider not configured") {
		t.Fatalf("got %+v, want one result saying the provider is not configured", got)
	}
}

func TestAILLMList_validation(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListValidation(llmType, []listValidationCase{
		{"workspace only", map[string]string{"workspace_id": "w"}, nil},
		{"all filters", map[string]string{"workspace_id": "w", "name": "n", "ai_type": "ANTHROPIC"}, nil},
		{"ai_type not allowed", map[string]string{"workspace_id": "w", "ai_type": "openai"},
			regexp.MustCompile(`(?s)ai_type.*one of:.*"OPENAI".*got:\s+"openai"`)},
		{"empty workspace_id", map[string]string{"workspace_id": ""}, regexp.MustCompile(`(?s)workspace_id.*at least 1`)},
		{"empty name", map[string]string{"workspace_id": "w", "name": ""}, regexp.MustCompile(`(?s)name.*at least 1`)},
	})
}

// The list block's config is described where Terraform and the docs show it.
func TestAILLMList_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListSchema(llmType, map[string]string{"workspace_id": "required", "name": "optional", "ai_type": "optional"})
}

// Needs `terraform query` (Terraform 1.14+; make testacc-query): it skips,
// with the reason, on older CLIs. TestAILLMList_* prove the same through the
// protocol server.
func TestAccAILLMList_query(t *testing.T) {
	env := newLLMTestEnv(t)
	alpha, beta := env.llm(uniqueLLMName(t, "alpha")), env.llm(uniqueLLMName(t, "beta"))
	alpha.label, beta.label, beta.aiType = "a", "b", "ANTHROPIC"
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{Config: env.config(alpha.hcl() + beta.hcl())},
			{
				Query: true,
				Config: queryListBlock(llmType, "all", "workspace_id", env.workspace, "") +
					queryListBlock(llmType, "beta", "workspace_id", env.workspace, fmt.Sprintf("name = %q", beta.name)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectIdentity("flashback_ai_llm.beta", map[string]knownvalue.Check{
						"id": knownvalue.StringRegexp(uuidPattern),
					}),
					querycheck.ExpectLength("flashback_ai_llm.beta", 1),
					querycheck.ExpectResourceDisplayName("flashback_ai_llm.beta",
						queryfilter.ByDisplayName(knownvalue.StringExact(beta.name)), knownvalue.StringExact(beta.name)),
					querycheck.ExpectResourceKnownValues("flashback_ai_llm.beta",
						queryfilter.ByDisplayName(knownvalue.StringExact(beta.name)), []querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact(beta.name)},
							{Path: tfjsonpath.New("ai_type"), KnownValue: knownvalue.StringExact("ANTHROPIC")},
							{Path: tfjsonpath.New("workspace_id"), KnownValue: knownvalue.StringExact(env.workspace)},
							{Path: tfjsonpath.New("secret"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("key"), KnownValue: knownvalue.Null()},
						}),
					querycheck.ExpectResourceDisplayName("flashback_ai_llm.all",
						queryfilter.ByDisplayName(knownvalue.StringExact(alpha.name)), knownvalue.StringExact(alpha.name)),
					querycheck.ExpectLengthAtLeast("flashback_ai_llm.all", 2),
				},
			},
		},
	})
}

func TestAccAILLMList_queryForbiddenWorkspace(t *testing.T) {
	env := newLLMTestEnv(t)
	env.emulator(t) // which workspaces a real token cannot reach is unknown
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.config("")},
			{
				Query:       true,
				Config:      queryListBlock(llmType, "all", "workspace_id", "someone-elses-workspace", ""),
				ExpectError: regexp.MustCompile(`(?s)No access to Flashback workspace someone-elses-workspace.*check workspace_id`),
			},
		},
	})
}
