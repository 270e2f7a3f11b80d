package provider

import (
	"context"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// A 500 after Flashback made the repository: the repeat is refused with
// NAME_ALREADY_USED, and the error names what the lost create made, with its
// import command, and deletes nothing. The same apply run again, as a
// pipeline does, is refused too, and names the repository by ID with its
// import command; importing it leaves an empty plan and one repository.
func TestAccRepo_createOutcomeUnknownRerunNamesItThenImports(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	emu := env.emu
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpRepoCreate, Status: http.StatusInternalServerError,
		AfterAct: true, Count: 1})
	repo := env.repo("lost-answer", "bkt-a/docs")
	repo.llms = quotedList(env.llms[0])
	cfg := env.config(repo.hcl())
	var made string
	named := func() []emulator.Repo {
		var out []emulator.Repo
		for _, r := range emu.Repos(testWorkspaceID) {
			if r.Name == "lost-answer" {
				out = append(out, r)
			}
		}
		return out
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ExpectError: errorRE(`Cannot create repo .*Creating repo "lost-answer" in workspace ws-prod failed with an ` +
					`unknown outcome .*500.* Sent again, it was refused: .*NAME_ALREADY_USED.* Workspace ws-prod already ` +
					`holds a repo named "lost-answer": ` + uuidRE + ` \(storage_type S3, mode NORMAL, created .*\): the values ` +
					`this create sent, made after it began, so probably this create's lost answer.* neither adopted nor ` +
					`deleted.* terraform import flashback_repo.<name> ` + uuidRE),
			},
			{
				// Nothing was deleted; the rerun sends one create, which
				// Flashback refuses: the name is taken by what the first made.
				PreConfig: func() {
					if n := emu.Requests(http.MethodDelete, emulator.OpRepoDelete); n != 0 {
						t.Errorf("%d deletes, want none", n)
					}
					r := named()
					if len(r) != 1 {
						t.Fatalf("the server holds %v, want the one repository the create made", r)
					}
					made = r[0].ID
					emu.ResetCounters()
				},
				Config: cfg,
				ExpectError: errorRE(`Cannot create repo .*Creating repo "lost-answer" in workspace ws-prod was refused: ` +
					`.*NAME_ALREADY_USED.* Workspace ws-prod already holds a repo named "lost-answer": ` + uuidRE +
					`.* An earlier apply whose answer was lost may have made it.* terraform import flashback_repo.<name> ` + uuidRE),
			},
			{
				PreConfig: func() {
					if r := named(); len(r) != 1 || r[0].ID != made {
						t.Fatalf("the server holds %v after the rerun, want only %s", r, made)
					}
					if n := emu.Requests(http.MethodPost, emulator.OpRepoCreate); n != 1 {
						t.Errorf("the rerun sent %d creates, want 1", n)
					}
				},
				Config:             cfg,
				ResourceName:       testRepoAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return made, nil },
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeAggregateTestCheckFunc(resource.TestCheckResourceAttrPtr(testRepoAddr, "id", &made),
					env.checkRepoServer(testRepoAddr)),
			},
		},
	})
}

// newRepoUnitResource is the resource wired to env's emulator, without
// retries.
func newRepoUnitResource(t *testing.T, env *testEnv) *repoResource {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: env.baseURL, Token: env.token, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	return &repoResource{data: newProviderData(c, env.token, 0, 0, testTuning)}
}

// A server may answer NAME_ALREADY_USED with 200 and "success": false: the
// refusal still names the repository that holds the name, with its import
// command, never a bare refusal.
func TestRepoCreate_nameTakenAnsweredWith200(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.ErrorCodesIn2xx = true }, nil)
	r := newRepoUnitResource(t, env)
	req := client.CreateRepoRequest{WorkspaceID: testWorkspaceID, Name: "taken", StorageType: "S3", Mode: "NORMAL"}
	holder, err := r.data.client.Repos.Create(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	id, diags := r.createRepo(context.Background(), req)
	requireContains(t, diagText(diags), "200 OK: NAME_ALREADY_USED", `Workspace ws-prod already holds a repo named "taken": `+holder,
		"terraform import flashback_repo.<name> "+holder)
	if id != "" || !diags.HasError() {
		t.Errorf("created %q, want an error", id)
	}
}

// Names are unique in the organization, wider than the workspace the create
// can list: a name held in another workspace says to choose another name or
// import that repository.
func TestRepoCreate_nameTakenInAnotherWorkspace(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	_, diags := newRepoUnitResource(t, env).createRepo(context.Background(), client.CreateRepoRequest{
		WorkspaceID: testWorkspace2ID, Name: "semantic-search", StorageType: "S3", Mode: "NORMAL"})
	requireContains(t, diagText(diags), `Could not create repo "semantic-search" in workspace ws-staging`, "NAME_ALREADY_USED",
		"choose another name, or import that repo")
}

// A quota refusal is sent once, and says that waiting does not help.
func TestRepoCreate_quotaExceeded(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.RepoQuota = 1 }, nil)
	_, diags := newRepoUnitResource(t, env).createRepo(context.Background(), client.CreateRepoRequest{
		WorkspaceID: testWorkspaceID, Name: "one-too-many", StorageType: "S3", Mode: "NORMAL"})
	requireContains(t, diagText(diags), `Could not create repo "one-too-many" in workspace ws-prod`, "QUOTA_EXCEEDED",
		"waiting does not help")
	if n := env.emu.Requests(http.MethodPost, emulator.OpRepoCreate); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
}
