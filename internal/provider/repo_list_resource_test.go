package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// Each result is one repository of the workspace: its identity, its name and,
// asked for, the resource object exactly as an import leaves it in the state.
func TestRepoList_results(t *testing.T) {
	t.Parallel()
	env, repos := listedReposEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(repoType, map[string]string{"workspace_id": testWorkspaceID}, true, 0)

	var want []string
	for _, r := range repos {
		if r.WorkspaceID == testWorkspaceID {
			want = append(want, r.ID)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d results, want the %d repositories of %s: %+v", len(got), len(want), testWorkspaceID, got)
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpRepoList); n != 1 {
		t.Errorf("listing one workspace sent %d list requests, want 1", n)
	}
	for i, id := range want {
		r, l := got[i], listedRepoByID(t, repos, id)
		if r.diags != "" || r.displayName != l.Name || !reflect.DeepEqual(r.identity, map[string]any{"id": id}) {
			t.Errorf("result %d: %q %v (%s), want the name %q and id %s", i, r.displayName, r.identity, r.diags, l.Name, id)
		}
		if !sameObject(r.resource, wantRepoObject(l)) {
			t.Errorf("result %d: resource object\n got %v\nwant %v", i, r.resource, wantRepoObject(l))
		}
		imported := p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: repoType, ID: id})
		if len(imported.ImportedResources) != 1 {
			t.Fatalf("importing %s: %s", id, diagsText(imported.Diagnostics))
		}
		if state := p.decode(imported.ImportedResources[0].State, p.resourceType(repoType)); !sameObject(r.resource, state) {
			t.Errorf("result %d differs from what an import leaves in the state:\n listed %v\nimported %v", i, r.resource, state)
		}
	}
}

func TestRepoList_filters(t *testing.T) {
	t.Parallel()
	env, _ := listedReposEnv(t)
	p := newProtoProvider(t, env, env.token)
	for _, tc := range []struct {
		name   string
		filter map[string]string
		want   []string
	}{
		{"none", nil, []string{testGatewayRepoName, "semantic-search", "mirror"}},
		{"name", map[string]string{"name": "mirror"}, []string{"mirror"}},
		{"name is exact", map[string]string{"name": "Mirror"}, nil},
		{"mode", map[string]string{"mode": "NORMAL"}, []string{testGatewayRepoName, "semantic-search"}},
		{"name and another mode", map[string]string{"name": "mirror", "mode": "NORMAL"}, nil},
	} {
		cfg := map[string]string{"workspace_id": testWorkspaceID}
		for k, v := range tc.filter {
			cfg[k] = v
		}
		var got []string
		for _, r := range p.list(repoType, cfg, false, 0) {
			got = append(got, r.displayName)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: listed %v, want %v", tc.name, got, tc.want)
		}
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpRepoList); n != 1 {
		t.Errorf("five queries of one workspace sent %d list requests, want 1", n)
	}
}

// A query, the refresh of what it adopts and the data sources of the
// workspace share one list of it.
func TestRepoList_sharesTheListWithRefreshAndDataSources(t *testing.T) {
	t.Parallel()
	env, _ := listedReposEnv(t)
	p := newProtoProvider(t, env, env.token)
	ctx := context.Background()
	listed := p.list(repoType, map[string]string{"workspace_id": testWorkspaceID}, true, 0)
	for _, r := range listed {
		state := p.typedObject(p.resourceType(repoType), r.resource)
		resp, err := p.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: repoType, CurrentState: state})
		if err != nil || diagsText(resp.Diagnostics) != "" {
			t.Fatalf("refreshing %v: %v %s", r.identity, err, diagsText(resp.Diagnostics))
		}
	}
	for typeName, cfg := range map[string]map[string]tftypes.Value{
		"flashback_repos": {"workspace_id": tftypes.NewValue(tftypes.String, testWorkspaceID)},
		"flashback_repo": {"workspace_id": tftypes.NewValue(tftypes.String, testWorkspaceID),
			"name": tftypes.NewValue(tftypes.String, "mirror")},
	} {
		resp, err := p.server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: typeName,
			Config: p.dynamic(p.schema.DataSourceSchemas[typeName].ValueType(), cfg)})
		if err != nil || diagsText(resp.Diagnostics) != "" {
			t.Fatalf("reading %s: %v %s", typeName, err, diagsText(resp.Diagnostics))
		}
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpRepoList); n != 1 {
		t.Errorf("a query, %d refreshes and two data sources of one workspace sent %d lists, want 1", len(listed), n)
	}
}

// A server that lists other workspaces' repositories too does not make a
// query of one workspace adopt them.
func TestRepoList_onlyTheWorkspaceAskedFor(t *testing.T) {
	t.Parallel()
	env, _ := listedReposEnv(t)
	srv := httptest.NewServer(ignoringRepoFilters(env.emu))
	t.Cleanup(srv.Close)
	unfiltered := *env
	unfiltered.baseURL = srv.URL
	var got []any
	for _, r := range newProtoProvider(t, &unfiltered, env.token).list(repoType, map[string]string{"workspace_id": testWorkspace2ID}, false, 0) {
		got = append(got, r.identity["id"])
	}
	if !reflect.DeepEqual(got, []any{"repo-staging"}) {
		t.Errorf("listed %v, want only ws-staging's repo-staging", got)
	}
}

func TestRepoList_errors(t *testing.T) {
	t.Parallel()
	env, _ := listedReposEnv(t)
	got := newProtoProvider(t, env, "fbt_not-the-token").list(repoType, map[string]string{"workspace_id": testWorkspaceID}, true, 0)
	want := regexp.MustCompile(`(?s)Flashback rejected the access token.*the repos of workspace ws-prod.*401`)
	if len(got) != 1 || got[0].identity != nil || !want.MatchString(got[0].diags) {
		t.Fatalf("got %+v, want one result with an error matching %s", got, want)
	}
}

func TestRepoList_validation(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListValidation(repoType, []listValidationCase{
		{"workspace only", map[string]string{"workspace_id": "w"}, nil},
		{"all filters", map[string]string{"workspace_id": "w", "name": "n", "mode": "MIRROR"}, nil},
		{"mode not allowed", map[string]string{"workspace_id": "w", "mode": "BACKUP"}, regexp.MustCompile(`(?s)mode.*one of.*got:\s+"BACKUP"`)},
		{"empty workspace_id", map[string]string{"workspace_id": ""}, regexp.MustCompile(`(?s)workspace_id.*at least 1`)},
	})
}

func TestRepoList_schema(t *testing.T) {
	t.Parallel()
	newUnconfiguredProtoProvider(t).checkListSchema(repoType, map[string]string{"workspace_id": "required", "name": "optional", "mode": "optional"})
}

// Needs `terraform query` (Terraform 1.14+): it skips on older CLIs;
// TestRepoList_* prove the same through the protocol server.
func TestAccRepoList_query(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(env.repo("queried", "bkt-a/docs").hcl())},
			{
				Query:  true,
				Config: queryListBlock(repoType, "one", "workspace_id", testWorkspaceID, `name = "queried"`),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("flashback_repo.one", 1),
					querycheck.ExpectResourceDisplayName("flashback_repo.one",
						queryfilter.ByDisplayName(knownvalue.StringExact("queried")), knownvalue.StringExact("queried")),
				},
			},
		},
	})
}
