package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// createBeside creates a key through the emulator's API, as another client
// would, and returns its ID.
func createBeside(t *testing.T, emu http.Handler, token, repoID, name, aiType string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "aiType": aiType})
	req := httptest.NewRequest(http.MethodPost, "/repo/"+repoID+"/ai/apikey", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	var out struct{ ID string }
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &out) != nil || out.ID == "" {
		t.Errorf("creating a key beside the provider: %d %s", rec.Code, rec.Body)
	}
	return out.ID
}

// keysNamed returns the live keys of every repo with the given name.
func keysNamed(emu *emulator.Server, name string) []emulator.Key {
	var out []emulator.Key
	for _, k := range emu.LiveKeys("") {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out
}

// pendingKeys returns the live keys that still carry a temporary name.
func pendingKeys(emu *emulator.Server) []emulator.Key {
	var out []emulator.Key
	for _, k := range emu.LiveKeys("") {
		if strings.HasPrefix(k.Name, pendingNamePrefix) {
			out = append(out, k)
		}
	}
	return out
}

// The normal create is one request; a create whose outcome is unknown is
// repeated under a temporary name and renamed. The first attempt's key cannot
// be told from another client's, so it is left, and the warning names it.
func TestCreate_retryUnderTemporaryName(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway, AfterAct: true, Count: 1})
	r := newUnitResource(t, emu, token, testTuning, 3)

	created, diags := r.createKey(context.Background(), "repo-1", "pipeline-key", client.AITypeOpenAI)
	if created == nil || diags.HasError() {
		t.Fatalf("create failed: %s", diagText(diags))
	}
	keys := keysNamed(emu, "pipeline-key")
	if len(keys) != 2 {
		t.Fatalf("%d keys named pipeline-key, want the first attempt's and the retry's: %+v", len(keys), keys)
	}
	orphan := keys[0]
	if orphan.ID == created.ID {
		orphan = keys[1]
	}
	if p := pendingKeys(emu); len(p) != 0 {
		t.Errorf("keys still under a temporary name: %+v", p)
	}
	for _, k := range keys {
		if k.ID == created.ID && k.Secret != created.Secret {
			t.Errorf("the key returned is not the one renamed")
		}
	}
	text := diagText(diags)
	if !errorRE(`Warning: AI API key created after an unknown outcome.*502 Bad Gateway.*temporary name "tf-pending-[0-9a-f]{16}"` +
		`.*key ` + created.ID + ` is the one Terraform manages.*` + orphan.ID + `.*none was adopted or deleted`).MatchString(text) {
		t.Errorf("the warning does not say what happened and name the first attempt's key %s:\n%s", orphan.ID, text)
	}
	got := [4]int{emu.Requests(http.MethodPost, ""), emu.Requests(http.MethodPut, ""), emu.Requests(http.MethodDelete, ""), emu.Requests(http.MethodGet, "")}
	if want := [4]int{2, 1, 0, 1}; got != want {
		t.Errorf("POST, PUT, DELETE, GET = %v, want %v", got, want)
	}
}

// A retry whose outcome is unknown too left a key under the temporary name:
// that key is provably the create's, and is deleted; the first attempt's is
// not.
func TestCreate_retryOutcomeUnknownDeletesOnlyTheTemporaryKey(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Drop: true, AfterAct: true, Count: 2})
	r := newUnitResource(t, emu, token, testTuning, 3)

	created, diags := r.createKey(context.Background(), "repo-1", "twice lost", client.AITypeAWS)
	if created == nil || diags.HasError() {
		t.Fatalf("create failed: %s", diagText(diags))
	}
	if n := len(emu.LiveKeys("")); n != 2 {
		t.Errorf("%d live keys, want 2: the first attempt's and the one returned", n)
	}
	if p := pendingKeys(emu); len(p) != 0 {
		t.Errorf("keys still under a temporary name: %+v", p)
	}
	if n := emu.Requests(http.MethodDelete, ""); n != 1 {
		t.Errorf("%d deletes, want 1: the retry's lost key", n)
	}
	if text := diagText(diags); !errorRE(`left under the temporary name "tf-pending-[0-9a-f]{16}", which no one could use, was deleted: ` + uuidRE).MatchString(text) {
		t.Errorf("the warning does not say that the retry's key was deleted:\n%s", text)
	}
}

// A key this provider configuration created, even one created while the
// create in recovery was under way, is never named as a possible orphan.
func TestCreate_keysThisProviderCreatedAreNoCandidates(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	var r *repoAIAPIKeyResource
	var first atomic.Bool
	var siblingID atomic.Value
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && first.CompareAndSwap(false, true) {
			// While this create is under way, the same provider creates a
			// key just like it (count = 2 with one name); then this
			// create's answer is lost.
			sibling, diags := r.createKey(context.Background(), "repo-1", "twin", client.AITypeGoogle)
			if sibling == nil {
				t.Errorf("the sibling create failed: %s", diagText(diags))
			} else {
				siblingID.Store(sibling.ID)
			}
			emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway, AfterAct: true, Count: 1})
		}
		emu.ServeHTTP(w, req)
	})
	r = newUnitResource(t, handler, token, testTuning, 3)

	created, diags := r.createKey(context.Background(), "repo-1", "twin", client.AITypeGoogle)
	if created == nil {
		t.Fatalf("create failed: %s", diagText(diags))
	}
	sibling, _ := siblingID.Load().(string)
	var orphan string
	for _, k := range keysNamed(emu, "twin") {
		if k.ID != sibling && k.ID != created.ID {
			orphan = k.ID
		}
	}
	text := diagText(diags)
	if orphan == "" || !strings.Contains(text, orphan) {
		t.Errorf("the warning does not name the first attempt's key %q:\n%s", orphan, text)
	}
	if sibling == "" || strings.Contains(text, sibling) {
		t.Errorf("the warning names key %q, which this provider created:\n%s", sibling, text)
	}
}

// A key the list shows as deleted is no orphan: it is never named, and a
// deleted key under the temporary name is not deleted again.
func TestCreate_deletedKeysAreIgnored(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{ListDeleted: true})
	var first atomic.Bool
	var deletedID atomic.Value
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && first.CompareAndSwap(false, true) {
			id := createBeside(t, emu, token, "repo-1", "gone", client.AITypeOther)
			if err := emu.DeleteKey("repo-1", id); err != nil {
				t.Error(err)
			}
			deletedID.Store(id)
			emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway, AfterAct: true, Count: 1})
		}
		emu.ServeHTTP(w, req)
	})
	r := newUnitResource(t, handler, token, testTuning, 3)

	created, diags := r.createKey(context.Background(), "repo-1", "gone", client.AITypeOther)
	if created == nil {
		t.Fatalf("create failed: %s", diagText(diags))
	}
	text := diagText(diags)
	if id, _ := deletedID.Load().(string); id == "" || strings.Contains(text, id) {
		t.Errorf("the warning names the deleted key %q:\n%s", id, text)
	}
	if live := keysNamed(emu, "gone"); len(live) != 2 || !strings.Contains(text, "Listed with the values this create sent") {
		t.Errorf("want the orphan and the new key live, the orphan named: %d live\n%s", len(live), text)
	}
	if n := emu.Requests(http.MethodDelete, ""); n != 0 {
		t.Errorf("%d deletes, want none", n)
	}
}

// A create that always gets a 500 gives up after max_retries + 1 attempts,
// having waited no longer than the max_retries description says: with the
// defaults, about 22 seconds, far within a minute. The waits are recorded,
// not waited.
func TestCreate_alwaysFailingGivesUpInBoundedTime(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusInternalServerError})
	waits := &recordedWaits{}
	tn := defaultTuning
	tn.sleep = waits.sleep
	r := newUnitResource(t, emu, token, tn, client.DefaultMaxRetries)

	created, diags := r.createKey(context.Background(), "repo-1", "never", client.AITypeOpenAI)
	if created != nil || !diags.HasError() {
		t.Fatalf("create = %+v, %s; want an error", created, diagText(diags))
	}
	if text := diagText(diags); !errorRE(`"never" in repo repo-1 failed 5 times with an unknown outcome.*500 Internal Server Error` +
		`.*run Terraform again later`).MatchString(text) {
		t.Errorf("the error does not say what failed and what to do:\n%s", text)
	}
	if n := emu.Requests(http.MethodPost, ""); n != client.DefaultMaxRetries+1 {
		t.Errorf("%d creates, want %d", n, client.DefaultMaxRetries+1)
	}
	const documented = 22 * time.Second
	if total := waits.total(); total > documented {
		t.Errorf("the create waited %v in all (%v), more than the documented %v", total, waits.waits, documented)
	}
	if !strings.Contains(providerAttrDescription("max_retries"), "at most about 22 seconds of waiting with the default, whatever the resource") {
		t.Error("the max_retries description does not state the create recovery's bound")
	}
}

// Recovering from a create with an unknown outcome waits between attempts;
// cancelling must end that wait, and say what may be left behind.
func TestCreate_recoveryEndsWithContext(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway})
	ctx, tn, waits := interruptedInWait(t)
	r := newUnitResource(t, emu, token, tn, 3)

	created, diags := r.createKey(ctx, "repo-1", "interrupted", client.AITypeGoogle)
	if n := waits.count(); n != 1 {
		t.Errorf("create waited %d times, want once: the wait it was cancelled in", n)
	}
	if created != nil {
		t.Errorf("create returned %+v", *created)
	}
	if text := diagText(diags); !diags.HasError() || !strings.Contains(text, "interrupted") || !strings.Contains(text, "lists no AI API key of that name made meanwhile") {
		t.Errorf("diagnostics do not say the check was interrupted and what may be left: %s", text)
	}
	if n := emu.Requests(http.MethodPost, emulator.OpCreate); n != 1 {
		t.Errorf("create sent %d requests, want 1", n)
	}
}

// Ctrl-C while the first create is in flight: the server created the key but
// the answer will never be read. Nothing proves the key is this create's
// rather than another client's, so it is left and named.
func TestCreate_interruptedInFlightNamesTheKey(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	arrived := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			emu.ServeHTTP(w, req)
			return
		}
		emu.ServeHTTP(httptest.NewRecorder(), req)
		close(arrived)
		<-req.Context().Done()
	})
	r := newUnitResource(t, handler, token, testTuning, 3)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	created, diags := r.createKey(ctx, "repo-1", "interrupted", client.AITypeAWS)
	if created != nil {
		t.Errorf("create returned %+v", *created)
	}
	live := emu.LiveKeys("repo-1")
	if len(live) != 1 {
		t.Fatalf("%d keys on the server, want the one the interrupted create made", len(live))
	}
	if text := diagText(diags); !diags.HasError() || !strings.Contains(text, "was interrupted") || !strings.Contains(text, live[0].ID) {
		t.Errorf("diagnostics do not say the create was interrupted and name key %s: %s", live[0].ID, text)
	}
	if n := emu.Requests(http.MethodDelete, emulator.OpDelete); n != 0 {
		t.Errorf("clean-up sent %d deletes, want none", n)
	}
}

// Ctrl-C while a retry is in flight: the key it made carries the temporary
// name, so it is the create's beyond doubt, and the clean-up deletes it.
func TestCreate_interruptedRetryLeavesNoKey(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway, Count: 1})
	arrived := make(chan struct{})
	var posts atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || posts.Add(1) == 1 {
			emu.ServeHTTP(w, req)
			return
		}
		emu.ServeHTTP(httptest.NewRecorder(), req)
		close(arrived)
		<-req.Context().Done()
	})
	r := newUnitResource(t, handler, token, testTuning, 3)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	created, diags := r.createKey(ctx, "repo-1", "interrupted", client.AITypeAWS)
	if created != nil {
		t.Errorf("create returned %+v", *created)
	}
	if text := diagText(diags); !diags.HasError() || !strings.Contains(text, "was interrupted") || !strings.Contains(text, "was deleted") {
		t.Errorf("diagnostics do not say the create was interrupted and its key deleted: %s", text)
	}
	if live := emu.LiveKeys("repo-1"); len(live) != 0 {
		t.Errorf("%d keys left on the server after an interrupted create, want 0: %+v", len(live), live)
	}
	if n := emu.Requests(http.MethodDelete, emulator.OpDelete); n != 1 {
		t.Errorf("clean-up sent %d deletes, want 1", n)
	}
}

// checkStateKeysLive fails unless every key in the state is live on the
// server with its name, type, key and secret.
func checkStateKeysLive(emu *emulator.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		live := map[string]emulator.Key{}
		for _, k := range emu.LiveKeys("") {
			live[k.ID] = k
		}
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "flashback_repo_ai_apikey" {
				continue
			}
			a := rs.Primary.Attributes
			k, ok := live[rs.Primary.ID]
			switch {
			case !ok:
				return fmt.Errorf("%s: key %s is in state but not live on the server", addr, rs.Primary.ID)
			case k.Name != a["name"] || k.AIType != a["ai_type"] || k.Key != a["key"] || k.Secret != a["secret"]:
				return fmt.Errorf("%s: the state differs from key %s on the server", addr, k.ID)
			}
		}
		return nil
	}
}

// checkLeftKeys fails unless the server holds exactly n live keys that are
// not in the state, all named name: what a create with an unknown outcome
// may leave, and nothing else.
func checkLeftKeys(emu *emulator.Server, name string, n int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		inState := map[string]bool{}
		for _, rs := range s.RootModule().Resources {
			inState[rs.Primary.ID] = true
		}
		var left []emulator.Key
		for _, k := range emu.LiveKeys("") {
			if !inState[k.ID] {
				left = append(left, k)
			}
		}
		if len(left) != n {
			return fmt.Errorf("%d live keys that the state does not hold, want %d: %+v", len(left), n, left)
		}
		for _, k := range left {
			if k.Name != name {
				return fmt.Errorf("key %s named %q is left on the server; only the first attempt's %q may be", k.ID, k.Name, name)
			}
		}
		return nil
	}
}

// Two runs of Terraform with two configurations apply the same key to one
// repo. The first run's create is answered 502 by a gateway (Flashback did not
// act) after the second run's key exists. The first run's recovery must leave
// the second run's key alone: both runs end with a live key, and their next
// plans are empty. (Before the recovery stopped deleting keys found by name,
// this test failed: the first run deleted the second run's key.)
func TestAccRepoAIAPIKey_createRecoveryLeavesAnotherRunsKey(t *testing.T) {
	var posts atomic.Int32
	secondServed := make(chan struct{})
	env := newEmulatorEnv(t, nil, func(emu *emulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				emu.ServeHTTP(w, r)
				return
			}
			switch posts.Add(1) {
			case 1:
				select {
				case <-secondServed:
				case <-r.Context().Done():
					return
				case <-time.After(2 * time.Minute):
					t.Error("the second run's create never arrived")
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, `{"success":false,"message":"upstream did not answer"}`)
			case 2:
				emu.ServeHTTP(w, r)
				close(secondServed)
			default:
				emu.ServeHTTP(w, r)
			}
		})
	})
	emu := env.emu
	cfg := env.config(keyConfig("test", env.repo(), "pipeline-key", "OPENAI"))
	for _, run := range []string{"run-a", "run-b"} {
		t.Run(run, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
				CheckDestroy:             env.checkDestroyed(t),
				Steps: []resource.TestStep{
					{Config: cfg, Check: checkStateKeysLive(emu)},
					{
						// Once both creates are done (the first run's took a
						// third POST), each run's key must still be there.
						PreConfig: func() {
							deadline := time.Now().Add(2 * time.Minute)
							for posts.Load() < 3 && time.Now().Before(deadline) {
								time.Sleep(10 * time.Millisecond)
							}
						},
						Config: cfg,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(testKeyAddr, pathName, knownvalue.StringExact("pipeline-key")),
						},
						Check: checkStateKeysLive(emu),
					},
				},
			})
		})
	}
}

// A create the server carried out but whose answer was lost or unusable ends
// with the key in the state, made by a retry under a temporary name and
// renamed, and the first attempt's key left on the server (its secret lost,
// but it might as well be another client's).
func TestAccReliability_createOutcomeUnknown(t *testing.T) {
	cases := []struct {
		name  string
		fault emulator.Fault
		lag   time.Duration
	}{
		{name: "connection dropped", fault: emulator.Fault{Drop: true}},
		{name: "502", fault: emulator.Fault{Status: http.StatusBadGateway}},
		{name: "504", fault: emulator.Fault{Status: http.StatusGatewayTimeout}},
		{name: "500", fault: emulator.Fault{Status: http.StatusInternalServerError}},
		{name: "503 without Retry-After", fault: emulator.Fault{Status: http.StatusServiceUnavailable}},
		// The first attempt's key only shows up in the list later.
		{name: "connection dropped, list lags", fault: emulator.Fault{Drop: true}, lag: 300 * time.Millisecond},
		// A 2xx answer means the server acted even when the body names no key.
		{name: "201 not JSON", fault: emulator.Fault{Status: http.StatusCreated, Body: "not json"}},
		{name: "201 without id", fault: emulator.Fault{Status: http.StatusCreated, Body: `{"success":true,"message":"created"}`}},
		{name: "201 id of the wrong type", fault: emulator.Fault{Status: http.StatusCreated, Body: `{"success":true,"id":7,"key":"k","secret":"s"}`}},
		{name: "201 HTML", fault: emulator.Fault{Status: http.StatusCreated, Body: "<html>ok</html>", ContentType: "text/html"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEmulatorEnv(t, func(o *emulator.Options) { o.ListLag = tc.lag }, nil)
			emu := env.emu
			fault := tc.fault
			fault.Method, fault.Op, fault.AfterAct, fault.Count = http.MethodPost, emulator.OpCreate, true, 1
			emu.InjectFault(fault)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
				CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 1)),
				Steps: []resource.TestStep{{
					Config: env.config(keyConfig("test", env.repo(), "lost answer", "OPENAI")),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.NotNull()),
						statecheck.ExpectKnownValue(testKeyAddr, pathName, knownvalue.StringExact("lost answer")),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						checkStateKeysLive(emu),
						checkLeftKeys(emu, "lost answer", 1),
						checkRequests(emu, http.MethodPost, emulator.OpCreate, 2),
						checkRequests(emu, http.MethodPut, emulator.OpUpdate, 1),
						checkRequests(emu, http.MethodDelete, emulator.OpDelete, 0),
						checkLiveKeys(emu, 2),
					),
				}},
			})
		})
	}
}

// Giving up after the last attempt leaves no key under the temporary name:
// those are the create's beyond doubt. The first attempt's key is left.
func TestAccReliability_createOutcomeUnknownLastAttempt(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Drop: true, AfterAct: true})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), "never answered", "OPENAI"), withRetries(1)),
			ExpectError: errorRE(`Cannot create AI API key.*"never answered" in repo repo-1 failed 2 times with an unknown outcome` +
				`.*POST /repo/repo-1/ai/apikey.*Listed with the values this create sent, made while it was under way and not ` +
				`by this Terraform run: ` + uuidRE + ` \(ai_type OPENAI.*none was adopted or deleted.*terraform import ` +
				`flashback_repo_ai_apikey.<name> repo-1/` + uuidRE + `.*left under the temporary name "tf-pending-[0-9a-f]{16}", ` +
				`which no one could use, was deleted: ` + uuidRE),
		}},
	})
	if n := emu.Requests(http.MethodPost, emulator.OpCreate); n != 2 {
		t.Errorf("emulator saw %d creates, want 2 (max_retries = 1)", n)
	}
	if n := emu.Requests(http.MethodDelete, emulator.OpDelete); n != 1 {
		t.Errorf("emulator saw %d deletes, want 1: the retry's key", n)
	}
	if keys := emu.LiveKeys(""); len(keys) != 1 || keys[0].Name != "never answered" {
		t.Errorf("emulator holds %+v, want only the first attempt's key", keys)
	}
}

// When someone else creates a key just like ours while our create is under
// way, and our answer is then lost, neither that key nor our orphan is
// deleted; the retry creates the key Terraform manages.
func TestAccReliability_createOutcomeUnknownSeveralCandidates(t *testing.T) {
	var armed atomic.Bool
	armed.Store(true)
	var siblingID atomic.Value
	var token string
	env := newEmulatorEnv(t, nil, func(emu *emulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && armed.CompareAndSwap(true, false) {
				siblingID.Store(createBeside(t, emu, token, "repo-1", "twin", "AWS"))
				emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway, AfterAct: true, Count: 1})
			}
			emu.ServeHTTP(w, r)
		})
	})
	token = env.token
	emu := env.emu
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), "twin", "AWS")),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkStateKeysLive(emu),
				checkLeftKeys(emu, "twin", 2),
			),
		}},
	})
	if n := emu.Requests(http.MethodDelete, ""); n != 1 {
		t.Errorf("emulator saw %d deletes, want only the destroy's", n)
	}
	id, _ := siblingID.Load().(string)
	if keys := keysNamed(emu, "twin"); len(keys) != 2 || (keys[0].ID != id && keys[1].ID != id) {
		t.Errorf("the sibling key %s is gone, or more are left; live keys: %+v", id, keys)
	}
}

// A 2xx create answer that names the key but lacks its secret is useless: the
// key is deleted again and the apply says why.
func TestAccReliability_createUnusableAnswerWithID(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusCreated,
		Body: `{"success":true,"id":"{{id}}"}`, AfterAct: true, Count: 1})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), "half answered", "GOOGLE")),
			ExpectError: errorRE(`Cannot create AI API key.*created AI API key ` + uuidRE +
				` in repo repo-1.*unusable 201 response.*lacks "key", "secret".*deleted again`),
		}},
	})
	if n := emu.Requests(http.MethodDelete, emulator.OpDelete); n != 1 {
		t.Errorf("emulator saw %d deletes, want 1", n)
	}
	if keys := emu.LiveKeys(""); len(keys) != 0 {
		t.Errorf("emulator holds %d live keys, want 0: %+v", len(keys), keys)
	}
}

// When the retry's key cannot be renamed, nothing is lost: the key and its
// secret are in the state, the next plan shows the rename, and the apply
// after it makes the rename.
func TestAccRepoAIAPIKey_createRenameAfterRetryFails(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway, Count: 1})
	emu.InjectFault(emulator.Fault{Method: http.MethodPut, Op: emulator.OpUpdate, Status: http.StatusInternalServerError, Count: 1})
	cfg := env.config(keyConfig("test", env.repo(), "renamed later", "OPENAI"))
	step1, step2 := sameAcrossSteps(pathID, pathKey, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				ExpectNonEmptyPlan: true,
				ConfigStateChecks:  step1,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkLiveKeys(emu, 1),
					func(s *terraform.State) error {
						rs := s.RootModule().Resources[testKeyAddr]
						k := emu.LiveKeys("")[0]
						if rs == nil || k.ID != rs.Primary.ID || k.Secret != rs.Primary.Attributes["secret"] {
							return fmt.Errorf("the state does not hold the key on the server with its secret")
						}
						if !regexp.MustCompile(`^` + pendingNamePrefix + `[0-9a-f]{16}$`).MatchString(k.Name) {
							return fmt.Errorf("the key on the server is named %q, want its temporary name", k.Name)
						}
						return nil
					},
				),
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: append(step2, statecheck.ExpectKnownValue(testKeyAddr, pathName, knownvalue.StringExact("renamed later"))),
				Check:             env.checkServerMatchesState(t),
			},
		},
	})
}
