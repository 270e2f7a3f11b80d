package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const (
	workspaceType     = "flashback_workspace"
	testWorkspaceAddr = "flashback_workspace.test"
)

// workspaceConfig is one flashback_workspace resource block.
func workspaceConfig(label, name string) string {
	return fmt.Sprintf(`
resource "flashback_workspace" %q {
  name = %q
}
`, label, name)
}

// uniqueWorkspaceName keeps a test's workspaces apart from every other's when
// they share an organization of a real Flashback API.
func uniqueWorkspaceName(t *testing.T, label string) string {
	return fmt.Sprintf("tf-ws-%s-%s", label, randomHex(t, 4))
}

// workspaceCollectionCheck is what the tests' harness knows of workspaces:
// one list of every workspace the token can read.
var workspaceCollectionCheck = collectionCheck{
	scope: func(map[string]string) string { return allWorkspaces },
	list: func(ctx context.Context, c *client.Client, _ string) (map[string]map[string]string, error) {
		all, err := c.Workspaces.List(ctx)
		out := map[string]map[string]string{}
		for _, w := range all {
			out[w.ID] = map[string]string{"name": w.Name, "org_id": w.OrgID}
		}
		return out, err
	},
	live: func(emu *emulator.Server, _ string) map[string]map[string]string {
		out := map[string]map[string]string{}
		for _, w := range emu.Workspaces() {
			out[w.ID] = map[string]string{"name": w.Name, "org_id": w.OrgID}
		}
		return out
	},
}

// createWorkspaceBeside makes a workspace beside the provider, for
// TestCollections_writesInvalidateTheScopesList.
func createWorkspaceBeside(t *testing.T, c *client.Client) map[string]any {
	ws, err := c.Workspaces.Create(context.Background(), client.CreateWorkspaceRequest{Name: "before"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"id": ws.ID, "name": "before", "org_id": ws.OrgID}
}

// harnessWorkspace makes a workspace beside the provider, for
// TestHarness_checksEveryCollection.
func harnessWorkspace(t *testing.T, c *client.Client) *terraform.ResourceState {
	ws, err := c.Workspaces.Create(context.Background(), client.CreateWorkspaceRequest{Name: "w"})
	if err != nil {
		t.Fatal(err)
	}
	return &terraform.ResourceState{Type: workspaceType, Primary: &terraform.InstanceState{ID: ws.ID,
		Attributes: map[string]string{"name": "w", "org_id": ws.OrgID}}}
}

// createWorkspaceNever sends a workspace create through the engine, for
// TestCreateEngine_everyCollectionGivesUpWithinTheBound.
func createWorkspaceNever(data *providerData) diag.Diagnostics {
	_, diags := (&workspaceResource{data: data}).createWorkspace(context.Background(), client.CreateWorkspaceRequest{Name: "never"})
	return diags
}

// workspaceStateIs checks every attribute of the test workspace.
func workspaceStateIs(env *testEnv, name string) []statecheck.StateCheck {
	var org knownvalue.Check = knownvalue.StringRegexp(regexp.MustCompile(`.`))
	if env.emu != nil {
		org = knownvalue.StringExact(testOrgID)
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(testWorkspaceAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
		statecheck.ExpectKnownValue(testWorkspaceAddr, pathName, knownvalue.StringExact(name)),
		statecheck.ExpectKnownValue(testWorkspaceAddr, pathOrgID, org),
	}
}

// The whole life of a workspace through Terraform: created, renamed in place
// (the same ID), imported by ID both ways, destroyed. Runs on every CLI,
// Terraform 1.11 included, which sends no identity.
func TestAccWorkspace_lifecycle(t *testing.T) {
	env := newTestEnv(t)
	name := uniqueWorkspaceName(t, "life")
	renamed := name + "-renamed"
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: env.config(workspaceConfig("test", name)),
				ConfigStateChecks: append(workspaceStateIs(env, name),
					sameID.AddStateValue(testWorkspaceAddr, pathID)),
				Check: env.checkServerMatchesState(t),
			},
			{
				Config: env.config(workspaceConfig("test", renamed)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testWorkspaceAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: append(workspaceStateIs(env, renamed),
					sameID.AddStateValue(testWorkspaceAddr, pathID)),
				Check: env.checkServerMatchesState(t),
			},
			{
				Config:            env.config(workspaceConfig("test", renamed)),
				ResourceName:      testWorkspaceAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config:          env.config(workspaceConfig("test", renamed)),
				ResourceName:    testWorkspaceAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testWorkspaceAddr, plancheck.ResourceActionNoop),
				}},
			},
		},
	})
}

// A workspace deleted outside Terraform is removed from the state by the
// refresh (its list does not show it and the read-one call says 404), and the
// next apply creates it again.
func TestAccWorkspace_deletedOutsideTerraform(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	name := uniqueWorkspaceName(t, "gone")
	var firstID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: env.config(workspaceConfig("test", name)),
				Check:  resource.TestCheckResourceAttrWith(testWorkspaceAddr, "id", func(v string) error { firstID = v; return nil }),
			},
			{
				PreConfig: func() {
					if err := env.newClient(t).Workspaces.Delete(context.Background(), firstID); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(workspaceConfig("test", name)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testWorkspaceAddr, plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrWith(testWorkspaceAddr, "id", func(v string) error {
						if v == firstID {
							return fmt.Errorf("the workspace kept the deleted one's id %s", v)
						}
						return nil
					}),
					env.checkServerMatchesState(t),
				),
			},
		},
	})
}

// A list that lags behind creates does not show the workspace just made: the
// refresh reads it by ID instead, keeps it, and the plan is empty; a rename
// then goes through in place.
func TestAccWorkspace_listLagReadsItOneByOne(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.ListLag = time.Hour }, nil)
	name := uniqueWorkspaceName(t, "lag")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            env.config(workspaceConfig("test", name)),
				ConfigStateChecks: workspaceStateIs(env, name),
			},
			{
				Config: env.config(workspaceConfig("test", name)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: func(*terraform.State) error {
					if env.emu.Requests(http.MethodGet, emulator.OpWorkspaceGet) == 0 {
						return fmt.Errorf("the workspace the list does not show was never read by id")
					}
					return nil
				},
			},
			{
				Config: env.config(workspaceConfig("test", name+"-renamed")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testWorkspaceAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: workspaceStateIs(env, name+"-renamed"),
				Check:             env.checkServerMatchesState(t),
			},
		},
	})
}

// Flashback refuses to delete a workspace that still holds repositories or
// buckets: the error names each one, by ID and name, and says to destroy or
// move them first, and how Terraform orders that. Once they are gone, the
// destroy goes through.
func TestAccWorkspace_deleteRefusedNamesWhatRemains(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	name := uniqueWorkspaceName(t, "full")
	var wsID, repoID string
	var bucket emulator.Bucket
	cfg := env.config(workspaceConfig("test", name))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  resource.TestCheckResourceAttrWith(testWorkspaceAddr, "id", func(v string) error { wsID = v; return nil }),
			},
			{
				// Someone connects a bucket and makes a repository in it.
				PreConfig: func() {
					var err error
					if bucket, err = env.emu.AddBucket(emulator.Bucket{WorkspaceID: wsID, Name: "assets-" + randomHex(t, 3)}); err != nil {
						t.Fatal(err)
					}
					repoID, err = env.newClient(t).Repos.Create(context.Background(), client.CreateRepoRequest{
						WorkspaceID: wsID, Name: "media-" + randomHex(t, 3), StorageType: "S3", Mode: "NORMAL",
						Buckets: []client.RepoBucket{{BucketID: bucket.ID, Folder: "media"}},
					})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config:  cfg,
				Destroy: true,
				ExpectError: errorRE(`Workspace not empty .* Could not delete workspace ` + uuidRE +
					`.* Cannot delete workspace with existing buckets or repos.* It still holds repository ` + uuidRE +
					` \("media-[0-9a-f]+"\) and bucket ` + uuidRE + ` \("assets-[0-9a-f]+"\)\. Destroy them, or move` +
					`.* give their resources workspace_id = flashback_workspace\.<name>\.id .* terraform destroy`),
			},
			{
				// The workspace is still there, and so is everything in it:
				// nothing was deleted.
				PreConfig: func() {
					if got := env.emu.Buckets(wsID); len(got) != 1 || got[0].ID != bucket.ID {
						t.Fatalf("buckets of the workspace after the refused destroy: %v", got)
					}
					if got := env.emu.Repos(wsID); len(got) != 1 || got[0].ID != repoID {
						t.Fatalf("repos of the workspace after the refused destroy: %v", got)
					}
					if err := env.newClient(t).Repos.Delete(context.Background(), repoID); err != nil {
						t.Fatal(err)
					}
					if err := env.emu.DeleteBucket(bucket.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// The error names the repositories and buckets the client found, and says
// what to do; a bare refusal (the lists failed) still says why and what to
// do; any other error is left to errorDiag.
func TestWorkspaceNotEmptyDiag(t *testing.T) {
	t.Parallel()
	refusal := &client.APIError{StatusCode: http.StatusBadRequest, Message: "Cannot delete workspace with existing buckets or repos"}
	ref := workspaceRef("ws-1")
	full := workspaceNotEmptyDiag(ref, &client.WorkspaceNotEmptyError{WorkspaceID: "ws-1", Err: refusal,
		Repos:   []client.Repo{{ID: "r-1", Name: "media"}, {ID: "r-2", Name: "docs"}},
		Buckets: []client.Bucket{{ID: "b-1", Name: "assets"}}})
	if full == nil {
		t.Fatal("no diagnostic for a WorkspaceNotEmptyError")
	}
	text := full.Summary() + ": " + full.Detail()
	for _, want := range []string{"Workspace not empty", "workspace ws-1", `repositories r-1 ("media"), r-2 ("docs")`,
		`bucket b-1 ("assets")`, "Destroy them, or move them to another workspace, first",
		"workspace_id = flashback_workspace.<name>.id", "terraform destroy"} {
		if !strings.Contains(text, want) {
			t.Errorf("the diagnostic lacks %q: %s", want, text)
		}
	}
	bare := workspaceNotEmptyDiag(ref, refusal)
	if bare == nil || !strings.Contains(bare.Detail(), "still holds repositories or buckets") ||
		!strings.Contains(bare.Detail(), "Destroy them") {
		t.Errorf("a bare refusal: %v", bare)
	}
	if d := workspaceNotEmptyDiag(ref, &client.APIError{StatusCode: http.StatusForbidden}); d != nil {
		t.Errorf("a 403 became %s: %s; want it left to errorDiag", d.Summary(), d.Detail())
	}
}

// A create whose answer was lost made a workspace: the error names it as a
// candidate, by ID with its import command, and deletes nothing. Workspace
// names are not unique, so the rerun must not send the create again: it
// stops at the workspace the lost create left, naming it. Imported, it is the
// resource's, and the plan is empty: one workspace in all.
func TestAccWorkspace_createOutcomeUnknownRerunStopsThenImports(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	name := uniqueWorkspaceName(t, "lost")
	cfg := env.config(workspaceConfig("test", name))
	named := func() []string {
		var ids []string
		for _, w := range env.emu.Workspaces() {
			if w.Name == name {
				ids = append(ids, w.ID)
			}
		}
		return ids
	}
	var candidate string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.emu.InjectFault(emulator.Fault{Op: emulator.OpWorkspaceCreate, Status: http.StatusInternalServerError,
						AfterAct: true, Count: 1})
				},
				Config: cfg,
				ExpectError: errorRE(`Cannot create workspace .* unknown outcome .* 500 .* made while it was under way and ` +
					`not by this Terraform run: ` + uuidRE + ` \(.*none was adopted or deleted.* terraform import ` +
					`flashback_workspace.<name> ` + uuidRE),
			},
			{
				PreConfig: func() {
					ids := named()
					if len(ids) != 1 {
						t.Fatalf("%d workspaces named %q after the lost create, want 1", len(ids), name)
					}
					candidate = ids[0]
					env.emu.ResetCounters()
				},
				Config: cfg,
				ExpectError: errorRE(`Identical workspace already exists .* which this Terraform run did not create: ` +
					uuidRE + `.* Nothing was created.* terraform import flashback_workspace.<name> ` + uuidRE),
			},
			{
				PreConfig: func() {
					if ids := named(); len(ids) != 1 || ids[0] != candidate {
						t.Fatalf("workspaces named %q after the rerun: %v, want only %s: the rerun made a second one", name, ids, candidate)
					}
					if n := env.emu.Requests(http.MethodPost, emulator.OpWorkspaceCreate); n != 0 {
						t.Fatalf("the rerun sent %d creates, want none", n)
					}
					if n := env.emu.Requests(http.MethodDelete, emulator.OpWorkspaceDelete); n != 0 {
						t.Fatalf("%d deletes, want none", n)
					}
				},
				Config:             cfg,
				ResourceName:       testWorkspaceAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return candidate, nil },
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testWorkspaceAddr, "id", &candidate),
					env.checkServerMatchesState(t),
				),
			},
		},
	})
}

// Workspaces are listed without a creation time: after a lost create, the
// candidates are the workspaces of its name that this provider did not make
// (the look-alike check stopped the create at any listed before it). The
// error names the candidate with its import command, not the provider's own
// workspace of the same name. Nothing is deleted.
func TestWorkspaceCreate_unknownOutcomeNamesTheCandidateNotOurs(t *testing.T) {
	t.Parallel()
	emu, token := newEmptyOrganization(t)
	r := newUnitWorkspaceResource(t, emu, token)
	ctx := context.Background()

	ours, diags := r.createWorkspace(ctx, client.CreateWorkspaceRequest{Name: "ops"})
	if diags.HasError() {
		t.Fatal(diagText(diags))
	}
	emu.InjectFault(emulator.Fault{Op: emulator.OpWorkspaceCreate, Status: http.StatusGatewayTimeout, AfterAct: true, Count: 1})
	created, diags := r.createWorkspace(ctx, client.CreateWorkspaceRequest{Name: "ops"})
	if created != nil || !diags.HasError() {
		t.Fatalf("create with an unknown outcome returned %v, %s; want nil and an error", created, diagText(diags))
	}
	live := emu.Workspaces()
	if len(live) != 2 {
		t.Fatalf("%d workspaces, want 2: nothing may be deleted", len(live))
	}
	orphan := live[1].ID // oldest first
	text := diagText(diags)
	for _, want := range []string{"made while it was under way and not by this Terraform run: " + orphan,
		"terraform import flashback_workspace.<name> " + orphan} {
		if !strings.Contains(text, want) {
			t.Errorf("the error lacks %q: %s", want, text)
		}
	}
	if strings.Contains(text, ours.ID) {
		t.Errorf("the error names the provider's own workspace %s as a candidate: %s", ours.ID, text)
	}
}

// Two workspaces of one name in one configuration are both created: the
// look-alike check stops only at a workspace this provider did not make.
func TestWorkspaceCreate_twoOfOneNameInOneRun(t *testing.T) {
	t.Parallel()
	emu, token := newEmptyOrganization(t)
	r := newUnitWorkspaceResource(t, emu, token)
	for range 2 {
		if _, diags := r.createWorkspace(context.Background(), client.CreateWorkspaceRequest{Name: "twin"}); diags.HasError() {
			t.Fatal(diagText(diags))
		}
	}
	if n := len(emu.Workspaces()); n != 2 {
		t.Errorf("%d workspaces, want 2", n)
	}
}

// newEmptyOrganization is an emulator of an organization with nothing in it:
// no workspace, repository or bucket.
func newEmptyOrganization(t *testing.T) (*emulator.Server, string) {
	t.Helper()
	token := "fbt_" + randomHex(t, 16)
	emu, err := emulator.New(emulator.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	return emu, token
}

// newUnitWorkspaceResource is the workspace resource wired to handler as
// Configure would wire it, with no retries and the test waits.
func newUnitWorkspaceResource(t *testing.T, handler http.Handler, token string) *workspaceResource {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, Token: token, MaxRetries: 0, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &workspaceResource{data: newProviderData(c, token, 0, 0, testTuning)}
}

// The refresh of every workspace costs one list, whatever their number; a
// workspace the list does not show is read by ID; one the read-one call does
// not know is removed with a warning.
func TestWorkspaceRead_oneListThenReadOne(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	c := env.newClient(t)
	p := newProtoProvider(t, env, env.token)
	typ := p.resourceType(workspaceType)
	ctx := context.Background()
	read := func(id string) (map[string]any, string) {
		t.Helper()
		resp, err := p.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: workspaceType,
			CurrentState: p.stringObject(typ, map[string]string{"id": id, "name": "stale", "org_id": testOrgID})})
		if err != nil {
			t.Fatal(err)
		}
		if isNull(t, resp.NewState, typ) {
			return nil, diagsText(resp.Diagnostics)
		}
		return p.decode(resp.NewState, typ), diagsText(resp.Diagnostics)
	}

	var ids []string
	for i := range 3 {
		ws, err := c.Workspaces.Create(ctx, client.CreateWorkspaceRequest{Name: fmt.Sprintf("ws-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ws.ID)
	}
	env.emu.ResetCounters()
	for i, id := range ids {
		got, d := read(id)
		if d != "" || got["name"] != fmt.Sprintf("ws-%d", i) {
			t.Errorf("read %s: %v (%s)", id, got, d)
		}
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpWorkspaceList); n != 1 {
		t.Errorf("the refresh of 3 workspaces sent %d lists, want 1", n)
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpWorkspaceGet); n != 0 {
		t.Errorf("the refresh of 3 listed workspaces sent %d reads by id, want none", n)
	}

	// Made after the list was cached, so the cached list does not show it.
	late, err := c.Workspaces.Create(ctx, client.CreateWorkspaceRequest{Name: "late"})
	if err != nil {
		t.Fatal(err)
	}
	if got, d := read(late.ID); d != "" || got["name"] != "late" {
		t.Errorf("read of a workspace the list does not show: %v (%s)", got, d)
	}
	if n := env.emu.Requests(http.MethodGet, emulator.OpWorkspaceGet); n != 1 {
		t.Errorf("%d reads by id, want 1", n)
	}

	if err := c.Workspaces.Delete(ctx, late.ID); err != nil {
		t.Fatal(err)
	}
	if got, d := read(late.ID); got != nil || !strings.Contains(d, "WARNING: Workspace deleted outside Terraform") {
		t.Errorf("read of a deleted workspace: %v (%s); want it removed with a warning", got, d)
	}
}

// An update whose answer cannot be read went through: the workspace is read
// back, and the state holds the new name.
func TestAccWorkspace_renameUnusableAnswerIsReadBack(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	name := uniqueWorkspaceName(t, "garbled")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(workspaceConfig("test", name))},
			{
				PreConfig: func() {
					env.emu.InjectFault(emulator.Fault{Op: emulator.OpWorkspaceUpdate, Status: http.StatusOK, Body: `{"success":`,
						AfterAct: true, Count: 1})
				},
				Config:            env.config(workspaceConfig("test", name+"-renamed")),
				ConfigStateChecks: workspaceStateIs(env, name+"-renamed"),
				Check:             env.checkServerMatchesState(t),
			},
		},
	})
}
