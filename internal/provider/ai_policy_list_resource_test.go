package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// Each result is one policy of exactly the scope asked for: its identity,
// its name, and the resource object an import of it leaves in the state.
func TestAIPolicyList_results(t *testing.T) {
	t.Parallel()
	env, created := listedPoliciesEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(policyType, map[string]string{"workspace_id": testWorkspaceID}, true, 0)

	want := []client.AIPolicy{created[3], created[2], created[1]} // newest first
	if len(got) != len(want) {
		t.Fatalf("listed %d results, want the %d policies of workspace %s: %+v", len(got), len(want), testWorkspaceID, got)
	}
	for i, pol := range want {
		r := got[i]
		if r.diags != "" {
			t.Errorf("result %d has diagnostics: %s", i, r.diags)
		}
		if r.displayName != pol.Name || !reflect.DeepEqual(r.identity, map[string]any{"id": pol.ID}) {
			t.Errorf("result %d: %q %v, want %q and id %s", i, r.displayName, r.identity, pol.Name, pol.ID)
		}
		if !reflect.DeepEqual(r.resource, policyObject(pol)) {
			t.Errorf("result %d: resource object\n got %v\nwant %v", i, r.resource, policyObject(pol))
		}
	}
	// The organization was read from the profile, once; the scope listed once.
	if n := env.emu.Requests(http.MethodGet, emulator.OpPolicyList); n != 1 {
		t.Errorf("%d list requests, want 1", n)
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpProfileGet); n != 1 {
		t.Errorf("%d profile reads, want 1", n)
	}
}

// A query and the refresh of the policies it adopts share the provider's list
// cache: one list per scope in all.
func TestAIPolicyList_sharesTheRefreshCache(t *testing.T) {
	t.Parallel()
	env, _ := listedPoliciesEnv(t)
	p := newProtoProvider(t, env, env.token)
	cfg := map[string]string{"org_id": testOrgID, "workspace_id": testWorkspaceID}
	listed := append(p.list(policyType, cfg, true, 0), p.list(policyType, cfg, true, 0)...)
	if len(listed) != 6 {
		t.Fatalf("listed %d results, want 3 twice", len(listed))
	}
	// What Terraform does next with each result: import it, then refresh it.
	for _, r := range listed {
		state := p.stringObject(p.resourceType(policyType), map[string]string{
			"id": fmt.Sprint(r.identity["id"]), "org_id": testOrgID, "workspace_id": testWorkspaceID,
		})
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: policyType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); d != "" {
			t.Fatalf("refreshing listed policy %v: %s", r.identity, d)
		}
	}
	if n, m := env.emu.Requests(http.MethodGet, emulator.OpPolicyList), env.emu.Requests(http.MethodGet, emulator.OpPolicyGet); n != 1 || m != 0 {
		t.Errorf("two queries and the refresh of %d listed policies sent %d lists and %d reads, want 1 list", len(listed), n, m)
	}
}

func TestAIPolicyList_filters(t *testing.T) {
	t.Parallel()
	env, created := listedPoliciesEnv(t)
	p := newProtoProvider(t, env, env.token)
	for _, tc := range []struct {
		name string
		cfg  map[string]string
		want []string
	}{
		{"organization", map[string]string{"org_id": testOrgID}, []string{created[0].ID}},
		{"name", map[string]string{"workspace_id": testWorkspaceID, "name": "alpha"}, []string{created[2].ID, created[1].ID}},
		{"name is exact", map[string]string{"workspace_id": testWorkspaceID, "name": "Alpha"}, nil},
		{"empty repo", map[string]string{"workspace_id": testWorkspaceID, "repo_id": testGatewayRepoID}, nil},
	} {
		var got []string
		for _, r := range p.list(policyType, tc.cfg, false, 0) {
			if r.diags != "" {
				t.Errorf("%s: %s", tc.name, r.diags)
			}
			got = append(got, fmt.Sprint(r.identity["id"]))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: listed %v, want %v", tc.name, got, tc.want)
		}
	}
}

// mergingPolicyLists answers a query of a workspace's policies as a server
// that also returns the organization's would: both lists in one.
func mergingPolicyLists(t *testing.T, emu *emulator.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method != http.MethodGet || r.URL.Path != "/policy" || q.Get("workspaceId") == "" {
			emu.ServeHTTP(w, r)
			return
		}
		var all []json.RawMessage
		for _, query := range []url.Values{q, {"orgId": {q.Get("orgId")}}} {
			inner := r.Clone(r.Context())
			inner.URL.RawQuery = query.Encode()
			rec := httptest.NewRecorder()
			emu.ServeHTTP(rec, inner)
			var body struct {
				Policies []json.RawMessage `json:"policies"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Error(err)
			}
			all = append(all, body.Policies...)
		}
		out, _ := json.Marshal(map[string]any{"success": true, "policies": all})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bytes.TrimSpace(out))
	})
}

// A server that also lists the policies of the scopes above does not make a
// query of one scope adopt them.
func TestAIPolicyList_onlyTheScopeAskedFor(t *testing.T) {
	t.Parallel()
	env, created := listedPoliciesEnv(t)
	srv := httptest.NewServer(mergingPolicyLists(t, env.emu))
	t.Cleanup(srv.Close)
	merged := *env
	merged.baseURL = srv.URL
	p := newProtoProvider(t, &merged, env.token)

	var got []string
	for _, r := range p.list(policyType, map[string]string{"workspace_id": testWorkspaceID}, false, 0) {
		got = append(got, fmt.Sprint(r.identity["id"]))
	}
	if want := []string{created[3].ID, created[2].ID, created[1].ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("listed %v, want only the workspace's %v", got, want)
	}
}

func TestAIPolicyList_errors(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: "ws-other", OrgID: "org-other"})
	}, nil)
	for _, tc := range []struct {
		name, token string
		cfg         map[string]string
		want        *regexp.Regexp
	}{
		{"forbidden workspace", env.token, map[string]string{"org_id": testOrgID, "workspace_id": "ws-other"},
			regexp.MustCompile(`(?s)No access to Flashback workspace ws-other of organization ` + testOrgID + `.*403.*check org_id or workspace_id`)},
		{"unauthorized", "fbt_not-the-token", map[string]string{"org_id": testOrgID},
			regexp.MustCompile(`(?s)Flashback rejected the access token.*401.*FLASHBACK_ACCESS_TOKEN`)},
		{"organization unknown", "fbt_not-the-token", map[string]string{},
			regexp.MustCompile(`(?s)Flashback rejected the access token.*The list block of organization policies sets no org_id.*GET /user/profile: 401`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := newProtoProvider(t, env, tc.token).list(policyType, tc.cfg, true, 0)
			if len(got) != 1 || got[0].identity != nil || !tc.want.MatchString(got[0].diags) || !strings.HasPrefix(got[0].diags, "ERROR") {
				t.Fatalf("got %+v, want one result with an error matching %s and no identity", got, tc.want)
			}
			if strings.Contains(got[0].diags, env.token) {
				t.Errorf("the diagnostic holds the access token: %s", got[0].diags)
			}
		})
	}
}

func TestAIPolicyList_validation(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListValidation(policyType, []listValidationCase{
		{"nothing", map[string]string{}, nil},
		{"a repo", map[string]string{"org_id": "o", "workspace_id": "w", "repo_id": "r", "name": "n"}, nil},
		{"repo_id without workspace_id", map[string]string{"repo_id": "r"},
			regexp.MustCompile(`Attribute "workspace_id" must be specified when "repo_id" is specified`)},
		{"empty name", map[string]string{"name": ""}, regexp.MustCompile(`(?s)name.*at least 1`)},
	})
}

// Through `terraform query` (Terraform 1.14+; skipped, with the reason, on
// older CLIs): an organization's list block with no config lists the
// organization-wide policy alone, its org_id taken from the token's user, and
// a repository's lists only that repository's policies of that name.
func TestAccAIPolicyList_query(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	org := basePolicy()
	legal := policyArgs{workspaceID: testWorkspaceID, repoID: testGatewayRepoID, name: "No legal advice",
		content: "Flag answers that give legal advice.", risk: "MEDIUM", action: "alert"}
	other := legal
	other.name = "No medical advice"
	const query = `
list "flashback_ai_policy" "org" {
  provider         = flashback
  include_resource = true
  config {}
}

list "flashback_ai_policy" "legal" {
  provider         = flashback
  include_resource = true
  config {
    workspace_id = %q
    repo_id      = %q
    name         = %q
  }
}
`
	byName := func(name string) queryfilter.QueryFilter {
		return queryfilter.ByDisplayName(knownvalue.StringExact(name))
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: env.config(policyConfig("org", org) + policyConfig("legal", legal) + policyConfig("other", other))},
			{
				Query:  true,
				Config: fmt.Sprintf(query, testWorkspaceID, testGatewayRepoID, legal.name),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("flashback_ai_policy.org", 1),
					querycheck.ExpectResourceKnownValues("flashback_ai_policy.org", byName(org.name), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("org_id"), KnownValue: knownvalue.StringExact(testOrgID)},
						{Path: tfjsonpath.New("workspace_id"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("action_type"), KnownValue: knownvalue.StringExact(org.action)},
					}),
					querycheck.ExpectIdentity("flashback_ai_policy.legal", map[string]knownvalue.Check{
						"id": knownvalue.StringRegexp(uuidPattern),
					}),
					querycheck.ExpectLength("flashback_ai_policy.legal", 1),
					querycheck.ExpectResourceKnownValues("flashback_ai_policy.legal", byName(legal.name), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("org_id"), KnownValue: knownvalue.StringExact(testOrgID)},
						{Path: tfjsonpath.New("workspace_id"), KnownValue: knownvalue.StringExact(testWorkspaceID)},
						{Path: tfjsonpath.New("repo_id"), KnownValue: knownvalue.StringExact(testGatewayRepoID)},
						{Path: tfjsonpath.New("content"), KnownValue: knownvalue.StringExact(legal.content)},
						{Path: tfjsonpath.New("risk_type"), KnownValue: knownvalue.StringExact(legal.risk)},
						{Path: tfjsonpath.New("action_type"), KnownValue: knownvalue.StringExact(legal.action)},
					}),
				},
			},
		},
	})
}
