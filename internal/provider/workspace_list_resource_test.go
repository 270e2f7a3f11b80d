package provider

import (
	"context"
	"fmt"
	"net/http"
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

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// Each result is one workspace the token can read, in Flashback's order: its
// identity, its name and, asked for, the resource object exactly as an import
// of it leaves it in the state.
func TestWorkspaceList_results(t *testing.T) {
	t.Parallel()
	env, created := listedWorkspacesEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(workspaceType, nil, true, 0)

	if len(got) != len(created) {
		t.Fatalf("listed %d results, want the %d workspaces: %+v", len(got), len(created), got)
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpWorkspaceList); n != 1 {
		t.Errorf("listing the workspaces sent %d list requests, want 1", n)
	}
	for i, w := range created {
		r := got[i]
		if r.diags != "" {
			t.Errorf("result %d has diagnostics: %s", i, r.diags)
		}
		if r.displayName != w.Name || !reflect.DeepEqual(r.identity, map[string]any{"id": w.ID}) {
			t.Errorf("result %d: %q %v, want the name %q and id %s", i, r.displayName, r.identity, w.Name, w.ID)
		}
		// What -generate-config-out writes must be what the import it writes
		// then reads.
		imported := p.importResource(&tfprotov6.ImportResourceStateRequest{TypeName: workspaceType, ID: w.ID})
		if len(imported.ImportedResources) != 1 {
			t.Fatalf("importing %s: %s", w.ID, diagsText(imported.Diagnostics))
		}
		state := p.decode(imported.ImportedResources[0].State, p.resourceType(workspaceType))
		if !reflect.DeepEqual(r.resource, workspaceObject(w)) || !reflect.DeepEqual(r.resource, state) {
			t.Errorf("result %d: resource object\n   got %v\n  want %v\nimport %v", i, r.resource, workspaceObject(w), state)
		}
	}
}

func TestWorkspaceList_withoutResource(t *testing.T) {
	t.Parallel()
	env, created := listedWorkspacesEnv(t)
	p := newProtoProvider(t, env, env.token)

	got := p.list(workspaceType, map[string]string{"name": "beta"}, false, 0)

	switch {
	case len(got) != 1:
		t.Fatalf("listed %d results, want 1: %+v", len(got), got)
	case got[0].diags != "":
		t.Errorf("diagnostics: %s", got[0].diags)
	case got[0].resource != nil:
		t.Errorf("the resource object was sent although Terraform did not ask for it: %v", got[0].resource)
	case !reflect.DeepEqual(got[0].identity, map[string]any{"id": created[1].ID}) || got[0].displayName != "beta":
		t.Errorf("got identity %v and display name %q, want id %s and beta", got[0].identity, got[0].displayName, created[1].ID)
	}
}

// Names are not unique: a name may match several workspaces; it matches
// exactly. Every query, whatever its filter, is answered by one list.
func TestWorkspaceList_filters(t *testing.T) {
	t.Parallel()
	env, created := listedWorkspacesEnv(t)
	p := newProtoProvider(t, env, env.token)

	for _, tc := range []struct {
		name   string
		filter map[string]string
		want   []string
	}{
		{"none", nil, []string{created[0].ID, created[1].ID, created[2].ID}},
		{"a name two share", map[string]string{"name": "alpha"}, []string{created[0].ID, created[2].ID}},
		{"name is exact", map[string]string{"name": "Alpha"}, nil},
		{"no match", map[string]string{"name": "gamma"}, nil},
	} {
		var got []string
		for _, r := range p.list(workspaceType, tc.filter, false, 0) {
			if r.diags != "" {
				t.Errorf("%s: diagnostics: %s", tc.name, r.diags)
			}
			got = append(got, fmt.Sprint(r.identity["id"]))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: listed %v, want %v", tc.name, got, tc.want)
		}
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpWorkspaceList); n != 1 {
		t.Errorf("four queries sent %d list requests, want 1", n)
	}
}

// A query and the refresh of the workspaces it adopts share the provider's
// list cache: one list in all, and no read by ID.
func TestWorkspaceList_oneListForQueryAndRefresh(t *testing.T) {
	t.Parallel()
	env, _ := listedWorkspacesEnv(t)
	p := newProtoProvider(t, env, env.token)

	listed := p.list(workspaceType, nil, true, 0)
	for _, r := range listed {
		state := p.stringObject(p.resourceType(workspaceType), map[string]string{"id": fmt.Sprint(r.identity["id"])})
		resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: workspaceType, CurrentState: state})
		if err != nil {
			t.Fatal(err)
		}
		if d := diagsText(resp.Diagnostics); d != "" {
			t.Fatalf("refreshing listed workspace %v: %s", r.identity, d)
		}
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpWorkspaceList); n != 1 {
		t.Errorf("the query and the refresh of %d workspaces sent %d list requests, want 1", len(listed), n)
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpWorkspaceGet); n != 0 {
		t.Errorf("the refresh of listed workspaces sent %d reads by id, want none", n)
	}
}

func TestWorkspaceList_errors(t *testing.T) {
	t.Parallel()
	env, _ := listedWorkspacesEnv(t)
	got := newProtoProvider(t, env, "fbt_not-the-token").list(workspaceType, nil, true, 0)
	want := regexp.MustCompile(`(?s)Flashback rejected the access token.*the workspaces.*401.*FLASHBACK_ACCESS_TOKEN`)
	if len(got) != 1 || got[0].identity != nil || !want.MatchString(got[0].diags) || !strings.HasPrefix(got[0].diags, "ERROR") {
		t.Fatalf("got %+v, want one result with an error matching %s and no identity", got, want)
	}
	if strings.Contains(got[0].diags, env.token) {
		t.Errorf("the diagnostic holds the access token: %s", got[0].diags)
	}
}

func TestWorkspaceList_providerNotConfigured(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	got := p.list(workspaceType, nil, true, 0)
	if len(got) != 1 || !strings.Contains(got[0].diags, "Flashback provider not configured") {
		t.Fatalf("got %+v, want one result saying the provider is not configured", got)
	}
}

func TestWorkspaceList_validation(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListValidation(workspaceType, []listValidationCase{
		{"no filter", nil, nil},
		{"name", map[string]string{"name": "n"}, nil},
		{"empty name", map[string]string{"name": ""}, regexp.MustCompile(`(?s)name.*at least 1`)},
	})
}

func TestWorkspaceList_schema(t *testing.T) {
	t.Parallel()
	p := newUnconfiguredProtoProvider(t)
	p.checkListSchema(workspaceType, map[string]string{"name": "optional"})
}

// workspaceListBlock is a list block of a query file for workspaces, with
// filters in its config.
func workspaceListBlock(label, filters string) string {
	return fmt.Sprintf(`
list "flashback_workspace" %q {
  provider         = flashback
  include_resource = true
  config {
    %s
  }
}
`, label, filters)
}

// Needs `terraform query` (Terraform 1.14+): it skips, with the reason, on
// older CLIs. TestWorkspaceList_* prove the same through the protocol server.
func TestAccWorkspaceList_query(t *testing.T) {
	env := newTestEnv(t)
	alpha, beta := uniqueWorkspaceName(t, "alpha"), uniqueWorkspaceName(t, "beta")
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(workspaceConfig("a", alpha) + workspaceConfig("b", beta))},
			{
				Query:  true,
				Config: workspaceListBlock("all", "") + workspaceListBlock("beta", fmt.Sprintf("name = %q", beta)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectIdentity("flashback_workspace.beta", map[string]knownvalue.Check{
						"id": knownvalue.StringRegexp(uuidPattern),
					}),
					querycheck.ExpectLength("flashback_workspace.beta", 1),
					querycheck.ExpectResourceDisplayName("flashback_workspace.beta",
						queryfilter.ByDisplayName(knownvalue.StringExact(beta)), knownvalue.StringExact(beta)),
					querycheck.ExpectResourceKnownValues("flashback_workspace.beta",
						queryfilter.ByDisplayName(knownvalue.StringExact(beta)), []querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact(beta)},
						}),
					querycheck.ExpectResourceDisplayName("flashback_workspace.all",
						queryfilter.ByDisplayName(knownvalue.StringExact(alpha)), knownvalue.StringExact(alpha)),
					querycheck.ExpectLengthAtLeast("flashback_workspace.all", 2),
				},
			},
		},
	})
}
