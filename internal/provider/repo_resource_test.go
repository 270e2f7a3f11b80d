package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const (
	repoType     = "flashback_repo"
	testRepoAddr = "flashback_repo.test"
)

var (
	pathRepoBuckets = tfjsonpath.New("bucket")
	pathLLMIDs      = tfjsonpath.New("ai_llm_ids")
	pathDisabled    = tfjsonpath.New("disabled")
)

// repoTestEnv is an emulator whose workspace ws-prod holds the buckets
// bkt-a, bkt-b and bkt-c and two AI LLM configurations (llms), and
// ws-staging the bucket bkt-s; every repository write and list it is sent
// is recorded.
type repoTestEnv struct {
	*testEnv
	writes *repoWrites
	llms   []string
}

func newRepoTestEnv(t *testing.T, configure func(*emulator.Options)) *repoTestEnv {
	t.Helper()
	writes := &repoWrites{}
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Buckets = append(o.Buckets, emulator.Bucket{ID: "bkt-a", WorkspaceID: testWorkspaceID},
			emulator.Bucket{ID: "bkt-b", WorkspaceID: testWorkspaceID}, emulator.Bucket{ID: "bkt-c", WorkspaceID: testWorkspaceID},
			emulator.Bucket{ID: "bkt-s", WorkspaceID: testWorkspace2ID})
		if configure != nil {
			configure(o)
		}
	}, writes.wrap)
	writes.emu = env.emu
	re := &repoTestEnv{testEnv: env, writes: writes}
	for _, name := range []string{"gpt", "claude"} {
		id, err := env.newClient(t).AILLMs.Create(context.Background(), client.CreateAILLMRequest{WorkspaceID: testWorkspaceID,
			Name: name, AIType: "OPENAI", Endpoint: "https://api.openai.com/v1", Secret: "sk-" + name})
		if err != nil {
			t.Fatal(err)
		}
		re.llms = append(re.llms, id)
	}
	env.emu.ResetCounters()
	return re
}

// repoWrites records the body of every PUT /repo/{id} and the order of the
// repository PUTs and lists; afterPut, when set, runs once a PUT was
// answered, as a change the server makes on its own would.
type repoWrites struct {
	emu      *emulator.Server
	mu       sync.Mutex
	puts     []repoPut
	events   []string
	afterPut func(id string)
	// goneFirst deletes the repository of a DELETE just before the DELETE
	// itself arrives, as someone else would.
	goneFirst bool
}

type repoPut struct {
	id   string
	body repoPutBody
}

// repoPutBody is what a PUT sent; a nil list was left out or sent as null.
type repoPutBody struct {
	Name        string  `json:"name"`
	StorageType string  `json:"storageType"`
	Mode        string  `json:"mode"`
	WorkspaceID *string `json:"workspaceId"`
	RepoBuckets *[]struct {
		BucketID string `json:"bucketId"`
		Folder   string `json:"folder"`
		Master   bool   `json:"master"`
	} `json:"repoBuckets"`
	RepoAILLMs *[]struct {
		AILLMID string `json:"aiLlmId"`
	} `json:"repoAiLlms"`
}

func (w *repoWrites) wrap(emu *emulator.Server) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		id, isPut := strings.CutPrefix(r.URL.Path, "/repo/")
		isPut = isPut && r.Method == http.MethodPut
		switch {
		case isPut:
			raw, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(rw, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(raw))
			var body repoPutBody
			_ = json.Unmarshal(raw, &body)
			w.mu.Lock()
			w.puts = append(w.puts, repoPut{id: id, body: body})
			w.mu.Unlock()
		case r.Method == http.MethodGet && r.URL.Path == "/repo":
			w.event("list " + r.URL.RawQuery)
		}
		if r.Method == http.MethodDelete && w.goneFirst {
			emu.ServeHTTP(httptest.NewRecorder(), r.Clone(r.Context()))
		}
		emu.ServeHTTP(rw, r)
		if isPut {
			w.event("put " + id)
			if w.afterPut != nil {
				w.afterPut(id)
			}
		}
	})
}

func (w *repoWrites) event(e string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, e)
}

func (w *repoWrites) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.puts, w.events = nil, nil
}

// wantPut is a PUT a step must send: the name, and the buckets
// ("bucket/folder/master") and LLM configurations of the whole repository.
type wantPut struct {
	name    string
	buckets []string
	llms    []string
}

// expect fails unless the PUTs since the last reset were exactly want, in any
// order, each with the whole body: both lists present and complete.
func (w *repoWrites) expect(want ...wantPut) resource.TestCheckFunc {
	return func(*terraform.State) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.puts) != len(want) {
			return fmt.Errorf("%d PUT /repo/{id}, want %d: %+v", len(w.puts), len(want), w.puts)
		}
		var got, wanted []string
		for _, p := range w.puts {
			if p.body.RepoBuckets == nil || p.body.RepoAILLMs == nil || p.body.WorkspaceID == nil {
				return fmt.Errorf("PUT of %s left out a list or workspaceId: %+v", p.id, p.body)
			}
			var buckets, llms []string
			for _, b := range *p.body.RepoBuckets {
				buckets = append(buckets, fmt.Sprintf("%s/%s/%t", b.BucketID, b.Folder, b.Master))
			}
			for _, l := range *p.body.RepoAILLMs {
				llms = append(llms, l.AILLMID)
			}
			got = append(got, describePut(p.body.Name, buckets, llms))
		}
		for _, p := range want {
			wanted = append(wanted, describePut(p.name, p.buckets, p.llms))
		}
		slices.Sort(got)
		slices.Sort(wanted)
		if !slices.Equal(got, wanted) {
			return fmt.Errorf("PUT bodies\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wanted, "\n"))
		}
		return nil
	}
}

func describePut(name string, buckets, llms []string) string {
	buckets, llms = slices.Sorted(slices.Values(buckets)), slices.Sorted(slices.Values(llms))
	return fmt.Sprintf("%q buckets %v llms %v", name, buckets, llms)
}

// readBack fails unless every PUT since the last reset was followed by a list
// of repositories sent after its answer.
func (w *repoWrites) readBack(*terraform.State) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	puts := 0
	for i, e := range w.events {
		if !strings.HasPrefix(e, "put ") {
			continue
		}
		puts++
		if !slices.ContainsFunc(w.events[i+1:], func(e string) bool { return strings.HasPrefix(e, "list ") }) {
			return fmt.Errorf("%s was not read back: no list followed it (%v)", e, w.events)
		}
	}
	if puts == 0 {
		return fmt.Errorf("no PUT was sent")
	}
	return nil
}

// repoCfg is one flashback_repo block; llms is an HCL expression for
// ai_llm_ids, left out when empty; buckets are "id/folder/master" with an
// empty folder or master left out.
type repoCfg struct {
	label, workspace, name, storageType, mode, llms string
	buckets                                         []string
	extra                                           string
}

func (c repoCfg) hcl() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nresource \"flashback_repo\" %q {\n", cmpOr(c.label, "test"))
	fmt.Fprintf(&b, "  workspace_id = %q\n  name = %q\n  storage_type = %q\n  mode = %q\n", c.workspace, c.name, c.storageType, c.mode)
	if c.llms != "" {
		fmt.Fprintf(&b, "  ai_llm_ids = %s\n", c.llms)
	}
	for _, bucket := range c.buckets {
		parts := strings.Split(bucket+"//", "/")
		fmt.Fprintf(&b, "  bucket {\n    bucket_id = %q\n", parts[0])
		if parts[1] != "" {
			fmt.Fprintf(&b, "    folder = %q\n", parts[1])
		}
		if parts[2] != "" {
			fmt.Fprintf(&b, "    master = %s\n", parts[2])
		}
		b.WriteString("  }\n")
	}
	b.WriteString(c.extra)
	b.WriteString("}\n")
	return b.String()
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// quotedList is an HCL list of the given strings.
func quotedList(ids ...string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// repo is a NORMAL S3 repository in ws-prod.
func (e *repoTestEnv) repo(name string, buckets ...string) repoCfg {
	return repoCfg{workspace: testWorkspaceID, name: name, storageType: "S3", mode: "NORMAL", buckets: buckets}
}

// liveRepo is the emulator's repository id.
func (e *repoTestEnv) liveRepo(id string) (emulator.Repo, bool) {
	for _, r := range e.emu.Repos("") {
		if r.ID == id {
			return r, true
		}
	}
	return emulator.Repo{}, false
}

// checkRepoServer proves that the emulator holds the repository at addr as the
// state has it: name, kind, buckets and LLM configurations.
func (e *repoTestEnv) checkRepoServer(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		a := rs.Primary.Attributes
		r, ok := e.liveRepo(rs.Primary.ID)
		switch {
		case !ok:
			return fmt.Errorf("%s: repository %s is in the state but not on the server", addr, rs.Primary.ID)
		case r.WorkspaceID != a["workspace_id"] || r.Name != a["name"] || r.StorageType != a["storage_type"] || r.Mode != a["mode"]:
			return fmt.Errorf("%s: the state (%s %q %s %s) differs from the server %+v", addr, a["workspace_id"], a["name"],
				a["storage_type"], a["mode"], r)
		case fmt.Sprint(len(r.LLMIDs)) != a["ai_llm_ids.#"] || fmt.Sprint(len(r.Buckets)) != a["bucket.#"]:
			return fmt.Errorf("%s: the server has %d LLM configurations and %d buckets, the state %s and %s", addr,
				len(r.LLMIDs), len(r.Buckets), a["ai_llm_ids.#"], a["bucket.#"])
		}
		for _, id := range r.LLMIDs {
			if !slices.Contains(stateSet(a, "ai_llm_ids"), id) {
				return fmt.Errorf("%s: the server attaches %s, the state does not", addr, id)
			}
		}
		return nil
	}
}

// stateSet is the elements of a set of strings in flatmap attributes.
func stateSet(a map[string]string, name string) []string {
	var out []string
	for k, v := range a {
		if strings.HasPrefix(k, name+".") && k != name+".#" {
			out = append(out, v)
		}
	}
	return out
}

// repoStep applies cfgs, whose plan must do action to testRepoAddr, after
// which the PUTs must be exactly puts, the server must hold what the state
// says, and a new plan must be empty.
func (e *repoTestEnv) repoStep(hcl string, action plancheck.ResourceActionType, puts []wantPut, checks ...statecheck.StateCheck) resource.TestStep {
	check := []resource.TestCheckFunc{e.writes.expect(puts...), e.checkRepoServer(testRepoAddr)}
	if len(puts) > 0 {
		check = append(check, e.writes.readBack)
	}
	return resource.TestStep{
		PreConfig: e.writes.reset,
		Config:    e.config(hcl),
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(testRepoAddr, action)},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
		ConfigStateChecks: checks,
		Check:             resource.ComposeAggregateTestCheckFunc(check...),
	}
}

// The lifecycle of each attribute: the create is one request; name, LLM
// configurations and buckets change in place, each change one PUT of the
// whole repository, read back; storage_type replaces it; import; destroy.
func TestAccRepo_lifecycle(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	gpt, claude := env.llms[0], env.llms[1]
	created := env.repo("lifecycle", "bkt-a/docs")
	created.llms = quotedList(gpt)
	renamed := created
	renamed.name = "lifecycle-renamed"
	twoLLMs := renamed
	twoLLMs.llms = quotedList(gpt, claude)
	noLLMs := twoLLMs
	noLLMs.llms = ""
	oneMoreBucket := noLLMs
	oneMoreBucket.buckets = []string{"bkt-a/docs", "bkt-b/images"}
	gcs := oneMoreBucket
	gcs.storageType = "GCS"

	sameID := statecheck.CompareValue(compare.ValuesSame())
	replaced := statecheck.CompareValue(compare.ValuesDiffer())
	keep := func(more ...statecheck.StateCheck) []statecheck.StateCheck {
		return append(more, sameID.AddStateValue(testRepoAddr, pathID))
	}
	update := plancheck.ResourceActionUpdate
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: env.config(created.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRepoAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(testRepoAddr, pathID),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: keep(replaced.AddStateValue(testRepoAddr, pathID),
					statecheck.ExpectKnownValue(testRepoAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue(testRepoAddr, pathLLMIDs, knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(gpt)})),
					statecheck.ExpectKnownValue(testRepoAddr, pathRepoBuckets, knownvalue.SetExact([]knownvalue.Check{
						knownvalue.ObjectExact(map[string]knownvalue.Check{"bucket_id": knownvalue.StringExact("bkt-a"),
							"folder": knownvalue.StringExact("docs"), "master": knownvalue.Null()}),
					})),
					// The create's answer has only the id: the next refresh fills these.
					statecheck.ExpectKnownValue(testRepoAddr, pathCreatedAt, knownvalue.Null()),
					statecheck.ExpectKnownValue(testRepoAddr, pathDisabled, knownvalue.Null()),
				),
				Check: resource.ComposeAggregateTestCheckFunc(env.checkRepoServer(testRepoAddr), env.checkServerMatchesState(t),
					func(*terraform.State) error {
						// One round trip: the create, and no list to read it back.
						if got := [2]int{env.emu.Requests(http.MethodPost, emulator.OpRepoCreate), env.emu.Requests(http.MethodGet, emulator.OpRepoList)}; got != [2]int{1, 0} {
							return fmt.Errorf("creates, lists = %v, want [1 0]", got)
						}
						return nil
					}),
			},
			{
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr(testRepoAddr, "created_at", createdAtPattern),
					resource.TestCheckResourceAttr(testRepoAddr, "disabled", "false")),
			},
			env.repoStep(renamed.hcl(), update, []wantPut{{"lifecycle-renamed", []string{"bkt-a/docs/false"}, []string{gpt}}}, keep()...),
			env.repoStep(twoLLMs.hcl(), update, []wantPut{{"lifecycle-renamed", []string{"bkt-a/docs/false"}, []string{gpt, claude}}}, keep()...),
			env.repoStep(noLLMs.hcl(), update, []wantPut{{"lifecycle-renamed", []string{"bkt-a/docs/false"}, nil}},
				keep(statecheck.ExpectKnownValue(testRepoAddr, pathLLMIDs, knownvalue.SetExact([]knownvalue.Check{})))...),
			env.repoStep(oneMoreBucket.hcl(), update, []wantPut{{"lifecycle-renamed", []string{"bkt-a/docs/false", "bkt-b/images/false"}, nil}},
				keep(statecheck.ExpectKnownValue(testRepoAddr, pathRepoBuckets, knownvalue.SetSizeExact(2)))...),
			{
				Config:            env.config(oneMoreBucket.hcl()),
				ResourceName:      testRepoAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config:          env.config(oneMoreBucket.hcl()),
				ResourceName:    testRepoAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testRepoAddr, plancheck.ResourceActionNoop)},
				},
			},
			env.repoStep(gcs.hcl(), plancheck.ResourceActionReplace, nil,
				replaced.AddStateValue(testRepoAddr, pathID),
				statecheck.ExpectKnownValue(testRepoAddr, tfjsonpath.New("storage_type"), knownvalue.StringExact("GCS"))),
		},
	})
}

// workspace_id and mode create a new repository.
func TestAccRepo_workspaceAndModeReplace(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	first := env.repo("moving")
	moved := first
	moved.workspace = testWorkspace2ID
	mirror := moved
	mirror.mode, mirror.buckets = "MIRROR", []string{"bkt-s//true"}
	differ := statecheck.CompareValue(compare.ValuesDiffer())
	replace := plancheck.ResourceActionReplace
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			env.repoStep(first.hcl(), plancheck.ResourceActionCreate, nil, differ.AddStateValue(testRepoAddr, pathID)),
			env.repoStep(moved.hcl(), replace, nil, differ.AddStateValue(testRepoAddr, pathID),
				statecheck.ExpectKnownValue(testRepoAddr, tfjsonpath.New("workspace_id"), knownvalue.StringExact(testWorkspace2ID))),
			env.repoStep(mirror.hcl(), replace, nil, differ.AddStateValue(testRepoAddr, pathID),
				statecheck.ExpectKnownValue(testRepoAddr, pathRepoBuckets, knownvalue.SetExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{"bucket_id": knownvalue.StringExact("bkt-s"),
						"folder": knownvalue.Null(), "master": knownvalue.Bool(true)}),
				}))),
		},
	})
}

// ai_llm_ids unset, [] and an explicit master = false never plan a change.
func TestAccRepo_unsetIsEmpty(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	unset := env.repo("unset", "bkt-a/docs/false")
	empty := unset
	empty.llms = "[]"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			env.repoStep(unset.hcl(), plancheck.ResourceActionCreate, nil,
				statecheck.ExpectKnownValue(testRepoAddr, pathLLMIDs, knownvalue.SetExact([]knownvalue.Check{}))),
			{Config: env.config(empty.hcl()), PlanOnly: true},
			{Config: env.config(unset.hcl()), PlanOnly: true},
		},
	})
}

// Detaching the last LLM configuration and bucket-free updates end as
// configured under either reading of a list an update leaves out (emptied,
// or kept as it was): the provider never leaves one out.
func TestAccRepo_eitherReadingOfAnOmittedList(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("KeepOmittedRepoLists=%t", keep), func(t *testing.T) {
			env := newRepoTestEnv(t, func(o *emulator.Options) { o.KeepOmittedRepoLists = keep })
			attached := env.repo("either", "bkt-a/docs")
			attached.llms = quotedList(env.llms...)
			detached := env.repo("either", "bkt-a/docs")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy:             env.checkDestroyed(t),
				Steps: []resource.TestStep{
					env.repoStep(attached.hcl(), plancheck.ResourceActionCreate, nil),
					env.repoStep(detached.hcl(), plancheck.ResourceActionUpdate, []wantPut{{"either", []string{"bkt-a/docs/false"}, nil}},
						statecheck.ExpectKnownValue(testRepoAddr, pathLLMIDs, knownvalue.SetExact([]knownvalue.Check{}))),
				},
			})
		})
	}
}

// Terraform owns the whole ai_llm_ids set: an LLM configuration attached in
// the console plans as an update that detaches it, and adding its ID to the
// configuration adopts it, with no change.
func TestAccRepo_llmAttachedInTheConsole(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	gpt, claude := env.llms[0], env.llms[1]
	cfg := env.repo("console")
	cfg.llms = quotedList(gpt)
	adopted := cfg
	adopted.llms = quotedList(gpt, claude)
	var id string
	attach := func() {
		env.writes.reset()
		if err := env.emu.AttachLLM(id, claude); err != nil {
			t.Fatal(err)
		}
	}
	attached := func(want ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := env.emu.AttachedLLMs(id); !sameElements(got, want) {
				return fmt.Errorf("the server attaches %v, want %v", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: env.config(cfg.hcl()),
				Check:  resource.TestCheckResourceAttrWith(testRepoAddr, "id", func(v string) error { id = v; return nil }),
			},
			{
				PreConfig: attach,
				Config:    env.config(cfg.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRepoAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testRepoAddr, pathLLMIDs, knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact(gpt)})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(attached(gpt),
					env.writes.expect(wantPut{"console", nil, []string{gpt}})),
			},
			{
				PreConfig: attach,
				Config:    env.config(adopted.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(attached(gpt, claude), env.writes.expect()),
			},
		},
	})
}

// Two repositories updated in one apply: each is one PUT of its own whole
// body, and each is read back after its PUT. The server disables a repository
// once its PUT is answered, which only a list sent after the PUT can show.
func TestAccRepo_twoUpdatedInOneApply(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	gpt := env.llms[0]
	one, two := env.repo("one", "bkt-a/docs"), env.repo("two", "bkt-b/docs")
	one.label, two.label = "one", "two"
	one2, two2 := one, two
	one2.name, two2.name = "one-renamed", "two-renamed"
	one2.llms, two2.llms = quotedList(gpt), quotedList(gpt)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(one.hcl() + two.hcl())},
			{
				PreConfig: func() {
					env.writes.reset()
					env.writes.afterPut = func(id string) {
						if err := env.emu.SetRepoDisabled(id, true); err != nil {
							t.Error(err)
						}
					}
				},
				Config: env.config(one2.hcl() + two2.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("flashback_repo.one", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("flashback_repo.two", plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("flashback_repo.one", pathDisabled, knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("flashback_repo.two", pathDisabled, knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.writes.expect(wantPut{"one-renamed", []string{"bkt-a/docs/false"}, []string{gpt}},
						wantPut{"two-renamed", []string{"bkt-b/docs/false"}, []string{gpt}}),
					env.writes.readBack, env.checkRepoServer("flashback_repo.one"), env.checkRepoServer("flashback_repo.two")),
			},
		},
	})
}

// A repository whose LLM connection is replaced: the new configuration is
// created first (create_before_destroy), the repository updated to it, and
// the old one deleted after, once no repository uses it (Flashback refuses
// to delete a configuration in use).
func TestAccRepo_llmConnectionReplaced(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	llm := func(name, key string) string {
		return fmt.Sprintf(`
resource "flashback_ai_llm" "gpt" {
  workspace_id = %q
  name         = %q
  ai_type      = "OPENAI"
  endpoint     = "https://api.openai.com/v1"
  secret       = "sk-gateway"
%s
  lifecycle {
    create_before_destroy = true
  }
}
`, testWorkspaceID, name, key)
	}
	repo := env.repo("gateway")
	repo.llms = "[flashback_ai_llm.gpt.id]"
	newID := func() string {
		for _, l := range env.emu.LLMs(testWorkspaceID) {
			if l.Name == "gpt-v2" {
				return l.ID
			}
		}
		return ""
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(llm("gpt-v1", `  key = "k1"`) + repo.hcl())},
			{
				// Removing key replaces the configuration.
				PreConfig: env.writes.reset,
				Config:    env.config(llm("gpt-v2", "") + repo.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("flashback_ai_llm.gpt", plancheck.ResourceActionCreateBeforeDestroy),
						plancheck.ExpectResourceAction(testRepoAddr, plancheck.ResourceActionUpdate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkRepoServer(testRepoAddr),
					resource.TestCheckResourceAttrPair(testRepoAddr, "ai_llm_ids.0", "flashback_ai_llm.gpt", "id"),
					func(s *terraform.State) error {
						id := newID()
						if l := env.emu.LLMs(testWorkspaceID); len(l) != 3 || id == "" {
							return fmt.Errorf("the server holds %v, want the test's two and gpt-v2 alone", l)
						}
						return env.writes.expect(wantPut{"gateway", nil, []string{id}})(s)
					}),
			},
		},
	})
}

// The bucket layouts Flashback refuses are refused at plan time.
func TestAccRepo_validation(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	with := func(mode string, buckets ...string) string {
		c := env.repo("invalid", buckets...)
		c.mode = mode
		return c.hcl()
	}
	testPlanErrors(t, env.testEnv, []planErrorCase{
		{"mirrorWithoutMaster", with("MIRROR", "bkt-a"),
			errorRE(`Invalid repository buckets .* MIRROR repository needs exactly one bucket block with master = true; 0 of its 1 have it`)},
		{"mirrorNoBuckets", with("MIRROR"), errorRE(`MIRROR repository needs exactly one bucket block with master = true; 0 of its 0`)},
		{"mirrorTwoMasters", with("MIRROR", "bkt-a//true", "bkt-b//true"),
			errorRE(`MIRROR repository needs exactly one bucket block with master = true; 2 of its 2 have it`)},
		{"normalFolderTwice", with("NORMAL", "bkt-a/docs", "bkt-b/docs"),
			errorRE(`Buckets bkt-\w and bkt-\w both use folder "docs": each bucket of a NORMAL repository needs a folder of its own`)},
		{"normalNoFolderTwice", with("NORMAL", "bkt-a", "bkt-b"), errorRE(`both use folder ""`)},
		{"bucketTwice", with("NORMAL", "bkt-a/docs", "bkt-a/images"), errorRE(`Bucket bkt-a has two bucket blocks`)},
		{"mode", with("BACKUP"), errorRE(`mode value must be one of: \["NORMAL" "MIRROR"\], got: "BACKUP"`)},
		{"emptyFolder", strings.Replace(with("NORMAL", "bkt-a"), `"bkt-a"`, `"bkt-a"`+"\n    folder = \"\"", 1),
			errorRE(`folder string length must be at least 1`)},
		{"emptyStorageType", strings.Replace(with("NORMAL"), `"S3"`, `""`, 1), errorRE(`storage_type string length must be at least 1`)},
		{"blankName", strings.Replace(with("NORMAL"), `"invalid"`, `" "`, 1), errorRE(`must not be empty or only white space`)},
		{"emptyLLMID", strings.Replace(with("NORMAL"), `mode`, `ai_llm_ids = [""]`+"\n  mode", 1),
			errorRE(`ai_llm_ids.* string length must be at least 1`)},
	})
	// What is unknown until apply is left to Flashback: a master that another
	// resource decides does not fail the plan.
	unknown := env.repo("unknown-master", "bkt-a//true", "bkt-b")
	unknown.mode = "MIRROR"
	hcl := strings.Replace(unknown.hcl(), "bucket_id = \"bkt-b\"\n", "bucket_id = \"bkt-b\"\n    master = terraform_data.flag.output\n", 1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:             env.config("resource \"terraform_data\" \"flag\" {\n  input = false\n}\n" + hcl),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}

// A change Flashback refuses in place (a bucket leaving a NORMAL repository,
// a folder changed) fails with the error_code and the advice to replace the
// repository; the state keeps what Flashback holds.
func TestAccRepo_refusedInPlaceSaysReplace(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	cfg := env.repo("normal", "bkt-a/docs", "bkt-b/images")
	replaceAdvice := `in place: the folder holds data\. .* terraform apply -replace=flashback_repo\.<name>`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(cfg.hcl())},
			{
				Config: env.config(env.repo("normal", "bkt-a/docs").hcl()),
				ExpectError: errorRE(`Cannot update repo .*Could not update repo ` + uuidRE + ` in workspace ws-prod: PUT ` +
					`/repo/` + uuidRE + `: 400 Bad Request: NORMAL_UNIT_FOLDER_CANNOT_DELETE: bucket bkt-b .*` + replaceAdvice),
			},
			{
				Config:      env.config(env.repo("normal", "bkt-a/docs", "bkt-b/pictures").hcl()),
				ExpectError: errorRE(`NORMAL_UNIT_CANNOT_EDIT_FOLDER: the folder of bucket bkt-b .*` + replaceAdvice),
			},
			{
				Config:           env.config(cfg.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            env.checkRepoServer(testRepoAddr),
			},
		},
	})
}

// The secrets a repository listing carries (its storage key, the embedded
// buckets' keys and encrypted blobs, its AI API keys) never reach the state.
func TestAccRepo_noSecretInState(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	cfg := env.repo("secretive", "bkt-a/docs", "bkt-b/images")
	var id string
	leaks := func() ([]string, error) {
		secrets := append(env.emu.RepoStorageSecrets(id), env.emu.BucketSecrets("bkt-a")...)
		secrets = append(secrets, env.emu.BucketSecrets("bkt-b")...)
		for _, k := range env.emu.LiveKeys(id) {
			secrets = append(secrets, k.Key, k.Secret)
		}
		if len(secrets) < 14 {
			return nil, fmt.Errorf("only %d secrets to look for", len(secrets))
		}
		return secrets, nil
	}
	inJSONState := stateValuesCheck(func(byAddr map[string]map[string]any) error {
		secrets, err := leaks()
		for _, s := range secrets {
			if err == nil {
				err = noValueContains(testRepoAddr, byAddr[testRepoAddr], s)
			}
		}
		return err
	})
	inState := func(s *terraform.State) error {
		secrets, err := leaks()
		if err != nil {
			return err
		}
		for _, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				for _, secret := range secrets {
					if strings.Contains(v, secret) {
						return fmt.Errorf("%s holds a secret of the repository listing", k)
					}
				}
			}
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(cfg.hcl()), Check: resource.TestCheckResourceAttrWith(testRepoAddr, "id", func(v string) error { id = v; return nil })},
			{
				PreConfig: func() {
					if _, err := env.newClient(t).AIAPIKeys.Create(context.Background(), id,
						client.CreateAIAPIKeyRequest{Name: "app", AIType: "OPENAI"}); err != nil {
						t.Fatal(err)
					}
				},
				// The apply changes nothing; its refresh lists the repository with the key.
				Config:            env.config(cfg.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{inJSONState},
				Check:             inState,
			},
			{
				Config:            env.config(env.repo("secretive-renamed", "bkt-a/docs", "bkt-b/images").hcl()),
				ConfigStateChecks: []statecheck.StateCheck{inJSONState},
				Check:             inState,
			},
		},
	})
}

// A refresh lists each workspace once, for every repository in it and for the
// data sources that read it.
func TestAccRepo_refreshListsEachWorkspaceOnce(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	var cfg strings.Builder
	for i := range 4 {
		c := env.repo(fmt.Sprintf("perf-%d", i))
		c.label = fmt.Sprintf("r%d", i)
		if i == 3 {
			c.workspace = testWorkspace2ID
		}
		cfg.WriteString(c.hcl())
	}
	fmt.Fprintf(&cfg, `
data "flashback_repos" "prod" {
  workspace_id = %[1]q
}

data "flashback_repo" "r0" {
  id           = flashback_repo.r0.id
  workspace_id = %[1]q
}
`, testWorkspaceID)
	lists := func(*terraform.State) error {
		if n := env.emu.Requests(http.MethodGet, emulator.OpRepoList); n != 2 {
			return fmt.Errorf("%d lists of repositories, want 2: one per workspace", n)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(cfg.String())},
			{PreConfig: env.emu.ResetCounters, RefreshState: true, Check: lists},
		},
	})
}

// A repository deleted outside Terraform is removed from the state and
// created again; one that disappears between the refresh and the delete is
// destroyed all the same (a 404 on delete is success).
func TestAccRepo_deletedOutsideTerraform(t *testing.T) {
	env := newRepoTestEnv(t, nil)
	cfg := env.repo("doomed")
	var id string
	del := func() {
		if err := env.newClient(t).Repos.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(cfg.hcl()), Check: resource.TestCheckResourceAttrWith(testRepoAddr, "id", func(v string) error { id = v; return nil })},
			{RefreshState: true},
			{
				PreConfig: del,
				Config:    env.config(cfg.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testRepoAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(env.checkRepoServer(testRepoAddr),
					resource.TestCheckResourceAttrWith(testRepoAddr, "id", func(v string) error { id = v; return nil })),
			},
			{
				// Gone after the refresh, before the delete.
				Config:  env.config(cfg.hcl()),
				Destroy: true,
				PreConfig: func() {
					env.writes.goneFirst = true
					env.emu.ResetCounters()
				},
				Check: func(*terraform.State) error {
					if n := env.emu.Requests(http.MethodDelete, emulator.OpRepoDelete); n != 2 {
						return fmt.Errorf("%d deletes, want 2: someone else's, then the provider's", n)
					}
					return nil
				},
			},
		},
	})
}

// Writes to one repository take turns within a run: each PUT, and the list
// that reads it back, see no other write to it in between. Two updates of
// one repository are applied at once; the emulator's PUTs are slow enough
// that, without turns, they would overlap.
func TestRepoUpdate_writesToOneRepoTakeTurns(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var inFlight, overlaps int
	var order []string
	env := newEmulatorEnv(t, nil, func(emu *emulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			write := r.Method == http.MethodPut
			if write {
				inFlight++
				if inFlight > 1 {
					overlaps++
				}
				order = append(order, "put")
			} else if r.Method == http.MethodGet && r.URL.Path == "/repo" {
				order = append(order, "list")
			}
			mu.Unlock()
			if write {
				waitAWhile(r.Context())
			}
			emu.ServeHTTP(w, r)
			if write {
				mu.Lock()
				inFlight--
				mu.Unlock()
			}
		})
	})
	id, err := env.newClient(t).Repos.Create(context.Background(), client.CreateRepoRequest{WorkspaceID: testWorkspaceID,
		Name: "busy", StorageType: "S3", Mode: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	p := newProtoProvider(t, env, env.token)
	typ := p.resourceType(repoType)
	prior := p.typedObject(typ, map[string]any{"id": id, "workspace_id": testWorkspaceID, "name": "busy", "storage_type": "S3",
		"mode": "NORMAL", "bucket": []any{}, "ai_llm_ids": []any{}, "created_at": "2026-01-01T00:00:00.000Z", "disabled": false})
	var wg sync.WaitGroup
	for _, name := range []string{"busy-1", "busy-2"} {
		wg.Go(func() {
			planned := p.typedObject(typ, map[string]any{"id": id, "workspace_id": testWorkspaceID, "name": name, "storage_type": "S3",
				"mode": "NORMAL", "bucket": []any{}, "ai_llm_ids": []any{}, "created_at": "2026-01-01T00:00:00.000Z", "disabled": false})
			resp, err := p.server.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
				TypeName: repoType, PriorState: prior, PlannedState: planned, Config: planned})
			if err != nil || hasError(resp.Diagnostics) {
				t.Errorf("update to %s: %v %s", name, err, diagsText(resp.Diagnostics))
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if overlaps > 0 || !slices.Equal(order, []string{"put", "list", "put", "list"}) {
		t.Errorf("requests %v with %d overlapping PUTs; want each PUT read back before the next is sent", order, overlaps)
	}
}

// The layout checks skip what is unknown, and find what is known wrong.
func TestRepoLayoutProblems(t *testing.T) {
	t.Parallel()
	str := func(s string) types.String {
		switch s {
		case "?":
			return types.StringUnknown()
		case "":
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	b := func(id, folder string, master any) repoBucketModel {
		m := repoBucketModel{BucketID: str(id), Folder: str(folder), Master: types.BoolNull()}
		switch v := master.(type) {
		case bool:
			m.Master = types.BoolValue(v)
		case string:
			m.Master = types.BoolUnknown()
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		mode    string
		buckets []repoBucketModel
		want    int
	}{
		{"mirror one master", "MIRROR", []repoBucketModel{b("a", "", true), b("b", "", nil)}, 0},
		{"mirror no master", "MIRROR", []repoBucketModel{b("a", "", nil)}, 1},
		{"mirror unknown master", "MIRROR", []repoBucketModel{b("a", "", true), b("b", "", "?")}, 0},
		{"mirror two masters", "MIRROR", []repoBucketModel{b("a", "", true), b("b", "", true)}, 1},
		{"normal folders", "NORMAL", []repoBucketModel{b("a", "x", nil), b("b", "y", nil)}, 0},
		{"normal same folder", "NORMAL", []repoBucketModel{b("a", "x", nil), b("b", "x", nil)}, 1},
		{"normal unknown folder", "NORMAL", []repoBucketModel{b("a", "x", nil), b("b", "?", nil)}, 0},
		{"unknown mode", "?", []repoBucketModel{b("a", "x", nil), b("b", "x", nil)}, 0},
		{"bucket twice", "NORMAL", []repoBucketModel{b("a", "x", nil), b("a", "y", nil)}, 1},
		{"unknown bucket ids", "NORMAL", []repoBucketModel{b("?", "x", nil), b("?", "y", nil)}, 0},
	} {
		if got := repoLayoutProblems(str(tc.mode), tc.buckets); len(got) != tc.want {
			t.Errorf("%s: %d problems %q, want %d", tc.name, len(got), got, tc.want)
		}
	}
}

// Every error_code of a repository write becomes advice that says what to do;
// only the one for a repository that is gone is left to the general advice.
func TestRepoAdvice_everyErrorCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{
		client.ErrorCodeNameAlreadyUsed:              "choose another name, or import that repo",
		client.ErrorCodeMirrorMasterUnitMissing:      "exactly one bucket block with master = true",
		client.ErrorCodeMirrorMasterUnitCountInvalid: "exactly one bucket block with master = true",
		client.ErrorCodeMirrorUnitAlreadyInOtherRepo: "use another bucket_id, or remove the bucket from the other repo",
		client.ErrorCodeNormalUnitFolderAlreadyUsed:  "different folders",
		client.ErrorCodeNormalUnitFolderCannotDelete: "terraform apply -replace=flashback_repo.<name>",
		client.ErrorCodeNormalUnitCannotEditFolder:   "terraform apply -replace=flashback_repo.<name>",
		client.ErrorCodeQuotaExceeded:                "waiting does not help",
		client.ErrorCodeNotFound:                     "check them",
	} {
		err := &client.APIError{StatusCode: http.StatusBadRequest, Code: code, Method: http.MethodPut, Path: "/repo/r1"}
		d := errorDiag("update", repoRef("ws-1", "r1"), err)
		if !strings.Contains(d.Detail(), want) || !strings.Contains(d.Detail(), "repo r1 in workspace ws-1") || !strings.Contains(d.Detail(), code) {
			t.Errorf("%s: %q, want the repo, the code and %q", code, d.Detail(), want)
		}
	}
	gone := &client.APIError{StatusCode: http.StatusNotFound, Code: client.ErrorCodeNotFound, Method: http.MethodPut, Path: "/repo/r1"}
	if d := errorDiag("update", repoRef("ws-1", "r1"), gone).Detail(); !strings.Contains(d, "deleted outside Terraform") {
		t.Errorf("a repo that is gone: %q", d)
	}
	if repoNameTaken(&client.APIError{StatusCode: http.StatusBadRequest, Code: client.ErrorCodeQuotaExceeded}) ||
		!repoNameTaken(&client.APIError{StatusCode: http.StatusOK, Code: client.ErrorCodeNameAlreadyUsed}) ||
		!repoNameTaken(&client.APIError{StatusCode: http.StatusBadRequest}) {
		t.Error("repoNameTaken: NAME_ALREADY_USED in any answer, or a 400 without a code, is a name taken; nothing else")
	}
}

// waitAWhile holds a request long enough for another to arrive meanwhile.
func waitAWhile(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(200 * time.Millisecond):
	}
}

// tfValue is v, a Go value as goValue decodes it, as a value of type typ.
func tfValue(t *testing.T, typ tftypes.Type, v any) tftypes.Value {
	t.Helper()
	switch v := v.(type) {
	case []any:
		var elem tftypes.Type
		switch c := typ.(type) {
		case tftypes.Set:
			elem = c.ElementType
		case tftypes.List:
			elem = c.ElementType
		default:
			t.Fatalf("cannot write a slice as a %s", typ)
		}
		vals := make([]tftypes.Value, len(v))
		for i, e := range v {
			vals[i] = tfValue(t, elem, e)
		}
		return tftypes.NewValue(typ, vals)
	case map[string]any:
		obj, ok := typ.(tftypes.Object)
		if !ok {
			t.Fatalf("cannot write an object as a %s", typ)
		}
		vals := map[string]tftypes.Value{}
		for name, at := range obj.AttributeTypes {
			vals[name] = tfValue(t, at, v[name])
		}
		return tftypes.NewValue(typ, vals)
	}
	return tftypes.NewValue(typ, v)
}
