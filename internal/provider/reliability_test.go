package provider

import (
	"encoding/json"
	"fmt"
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

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// The reliability tests prove the promises the README makes: whatever the
// network and the server do, no key is left on the server that the state does
// not hold, no secret the server sent is lost, the state equals the server,
// and every failure is explained.

// recheckTuning re-checks a list that lags after 50ms, 100ms, 200ms, 400ms and
// 800ms: about 1.5s in all.
var recheckTuning = tuning{
	retryWaitMin:     time.Millisecond,
	retryWaitMax:     20 * time.Millisecond,
	readRecheckWait:  50 * time.Millisecond,
	readRecheckTries: 5,
}

// errorRE compiles pattern for ExpectError, letting each space in it match
// the line breaks Terraform puts into long messages.
func errorRE(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// configRetries is a provider block with the given max_retries, then body.
func (e *testEnv) configRetries(maxRetries int, body string) string {
	return fmt.Sprintf(`
provider "flashback" {
  base_url     = %[1]q
  access_token = %[2]q
  max_retries  = %[3]d
}
%[4]s
`, e.baseURL, e.token, maxRetries, body)
}

// checkRequests fails unless the emulator saw exactly want requests of method and op.
func checkRequests(emu *emulator.Server, method, op string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := emu.Requests(method, op); n != want {
			return fmt.Errorf("emulator saw %d %s %s requests, want %d", n, method, op, want)
		}
		return nil
	}
}

func checkLiveKeys(emu *emulator.Server, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := len(emu.LiveKeys("")); n != want {
			return fmt.Errorf("emulator holds %d live keys, want %d", n, want)
		}
		return nil
	}
}

// A create the server carried out but whose answer was lost or unusable must
// end with exactly the keys in state: the orphan deleted, a new key created.
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
		// The orphan only shows up in the list after the re-checks have waited.
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
				CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
				Steps: []resource.TestStep{{
					Config: env.config(keyConfig("test", env.repo(), "lost answer", "OPENAI")),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.NotNull()),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						env.checkServerMatchesState(),
						checkRequests(emu, http.MethodPost, emulator.OpCreate, 2),
						checkRequests(emu, http.MethodDelete, emulator.OpDelete, 1),
						checkLiveKeys(emu, 1),
					),
				}},
			})
		})
	}
}

// Giving up after the last attempt must not leave that attempt's key behind.
func TestAccReliability_createOutcomeUnknownLastAttempt(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Drop: true, AfterAct: true})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		Steps: []resource.TestStep{{
			Config: env.configRetries(1, keyConfig("test", env.repo(), "never answered", "OPENAI")),
			ExpectError: errorRE(`Cannot create AI API key.*"never answered" in repo repo-1 failed 2 times with an unknown outcome` +
				`.*POST /repo/repo-1/ai/apikey.*left behind was deleted`),
		}},
	})
	if n := emu.Requests(http.MethodPost, emulator.OpCreate); n != 2 {
		t.Errorf("emulator saw %d creates, want 2 (max_retries = 1)", n)
	}
	if n := emu.Requests(http.MethodDelete, emulator.OpDelete); n != 2 {
		t.Errorf("emulator saw %d deletes, want 2: one per orphan", n)
	}
	if keys := emu.LiveKeys(""); len(keys) != 0 {
		t.Errorf("emulator holds %d live keys after a failed create, want 0: %+v", len(keys), keys)
	}
}

// When two keys could be the one a lost create left behind, deleting either
// might destroy a key someone else uses: none is deleted, both are named.
func TestAccReliability_createOutcomeUnknownSeveralCandidates(t *testing.T) {
	var armed atomic.Bool
	armed.Store(true)
	var siblingID atomic.Value
	env := newEmulatorEnv(t, nil, func(emu *emulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && armed.CompareAndSwap(true, false) {
				// Someone else creates a key just like ours through the API
				// while our create is under way, and our answer is then lost.
				sibling := httptest.NewRequest(http.MethodPost, r.URL.Path, strings.NewReader(`{"name":"twin","aiType":"AWS"}`))
				sibling.Header.Set("Authorization", r.Header.Get("Authorization"))
				rec := httptest.NewRecorder()
				emu.ServeHTTP(rec, sibling)
				var out struct{ ID string }
				if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
					t.Errorf("creating the sibling key: %d %s", rec.Code, rec.Body)
				}
				siblingID.Store(out.ID)
				emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway, AfterAct: true, Count: 1})
			}
			emu.ServeHTTP(w, r)
		})
	})
	emu := env.emu
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), "twin", "AWS")),
			ExpectError: errorRE(`Cannot create AI API key.*"twin" in repo repo-1.*502 Bad Gateway.*Several keys.*\(` +
				uuidRE + `, ` + uuidRE + `\).*none was deleted`),
		}},
	})
	if n := emu.Requests(http.MethodDelete, ""); n != 0 {
		t.Errorf("emulator saw %d deletes, want none", n)
	}
	keys := emu.LiveKeys("")
	if len(keys) != 2 {
		t.Fatalf("emulator holds %d live keys, want both candidates: %+v", len(keys), keys)
	}
	if id, _ := siblingID.Load().(string); keys[0].ID != id && keys[1].ID != id {
		t.Errorf("the sibling key %s is gone; live keys: %+v", id, keys)
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

// A list that does not show new keys at once must neither make the provider
// forget a key it just created nor create a second one.
func TestAccReliability_readRightAfterCreate(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.ListLag = time.Second }, nil)
	emu := env.emu
	cfg := env.config(keyConfig("test", env.repo(), "fresh", "ANTHROPIC"))
	step1, step2 := sameAcrossSteps(pathID, pathSecret, pathCreatedAt)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: append(step1,
					statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern))),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(),
					checkRequests(emu, http.MethodPost, emulator.OpCreate, 1),
				),
			},
			{
				// A second refresh and plan as soon as the first apply is done.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: step2,
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(),
					checkRequests(emu, http.MethodPost, emulator.OpCreate, 1),
				),
			},
		},
	})
}

// When the list lags longer than the provider re-checks, the key is kept with
// its secret and without created_at, and the refreshes that follow neither
// drop it nor create another; once listed, created_at is filled in.
func TestAccReliability_readAfterCreateListLagsLong(t *testing.T) {
	const lag = time.Minute
	var offset atomic.Int64
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.ListLag = lag
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	}, nil)
	emu := env.emu
	cfg := env.config(keyConfig("test", env.repo(), "slow to show", "OTHER"))
	step1, step2 := sameAcrossSteps(pathID, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: append(step1,
					statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.NotNull()),
					statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.Null())),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(),
					checkRequests(emu, http.MethodPost, emulator.OpCreate, 1),
				),
			},
			{
				// Still not listed: the refresh must keep the key.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(),
					checkRequests(emu, http.MethodPost, emulator.OpCreate, 1),
				),
			},
			{
				// The server's clock moves past the lag, so the key is listed.
				PreConfig: func() { offset.Store(int64(lag)) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(step2,
					statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern))),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(),
					checkRequests(emu, http.MethodPost, emulator.OpCreate, 1),
				),
			},
		},
	})
}

// chaosConfig is 50 keys across the three repos. The first renamed keys have
// new names; of the next replaced keys, half change ai_type and half keepers.
// count, not for_each: the testing framework's state checks cannot read
// instances keyed by strings.
func chaosConfig(env *testEnv, renamed, replaced int) string {
	var b strings.Builder
	b.WriteString("locals {\n  keys = [\n")
	for i := range 50 {
		name, aiType, gen := fmt.Sprintf("chaos %02d", i), "OPENAI", "1"
		if i < renamed {
			name += " renamed"
		}
		if i >= renamed && i < renamed+replaced {
			if i%2 == 0 {
				aiType = "ANTHROPIC"
			} else {
				gen = "2"
			}
		}
		fmt.Fprintf(&b, "    { repo = %q, name = %q, ai_type = %q, gen = %q },\n",
			env.repos[i%len(env.repos)], name, aiType, gen)
	}
	b.WriteString(`  ]
}

resource "flashback_repo_ai_apikey" "chaos" {
  count   = length(local.keys)
  repo_id = local.keys[count.index].repo
  name    = local.keys[count.index].name
  ai_type = local.keys[count.index].ai_type
  keepers = { gen = local.keys[count.index].gen }
}
`)
	return env.configRetries(10, b.String())
}

// A fifth of all requests fail at random: throttled, gateway errors, dropped
// connections. Every step must still converge with the server equal to state.
func TestAccReliability_chaos(t *testing.T) {
	testChaos(t, emulator.Chaos{Rate: 0.2, Seed: 20261129})
}

// A fifth of all requests are carried out but their answers lost: creates
// leave orphans to find, deletes and renames are repeated after they worked.
func TestAccReliability_chaosAnswersLost(t *testing.T) {
	testChaos(t, emulator.Chaos{Rate: 0.2, Seed: 20261130, AfterAct: true})
}

// testChaos creates 50 keys, renames 10, replaces 5 and destroys them all
// under chaos.
func testChaos(t *testing.T, chaos emulator.Chaos) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	emu.SetChaos(&chaos)
	check := resource.ComposeAggregateTestCheckFunc(
		env.checkServerMatchesState(),
		checkLiveKeys(emu, 50),
		func(s *terraform.State) error {
			n := 0
			for _, rs := range s.RootModule().Resources {
				if rs.Type == "flashback_repo_ai_apikey" {
					n++
				}
			}
			if n != 50 {
				return fmt.Errorf("state holds %d keys, want 50", n)
			}
			return nil
		},
	)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{Config: chaosConfig(env, 0, 0), Check: check},
			{
				Config: chaosConfig(env, 10, 0),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("flashback_repo_ai_apikey.chaos[0]", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("flashback_repo_ai_apikey.chaos[10]", plancheck.ResourceActionNoop),
					},
				},
				Check: check,
			},
			{
				Config: chaosConfig(env, 10, 5),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("flashback_repo_ai_apikey.chaos[10]", plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction("flashback_repo_ai_apikey.chaos[11]", plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction("flashback_repo_ai_apikey.chaos[15]", plancheck.ResourceActionNoop),
					},
				},
				Check: check,
			},
		},
	})
	n := emu.Requests("", "")
	if n < 200 {
		t.Errorf("emulator saw only %d requests; the chaos test did not exercise it", n)
	}
	t.Logf("survived chaos over %d requests", n)
}

// A server that answers nothing but errors makes the apply fail, in bounded
// time, with the status named; what was applied before stays in the state.
func TestAccReliability_serverStaysDown(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	const addrA, addrB = "flashback_repo_ai_apikey.a", "flashback_repo_ai_apikey.b"
	onlyA := env.configRetries(2, keyConfig("a", env.repo(), "a", "OPENAI"))
	both := env.configRetries(2, keyConfig("a", env.repo(), "a", "OPENAI")+keyConfig("b", env.repo(), "b", "OPENAI"))
	var idA string
	started := time.Now()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				Config: onlyA,
				Check:  resource.TestCheckResourceAttrWith(addrA, "id", func(v string) error { idA = v; return nil }),
			},
			{
				// Every request, of every kind, is answered 503.
				PreConfig:   func() { emu.InjectFault(emulator.Fault{Status: http.StatusServiceUnavailable}) },
				Config:      both,
				ExpectError: errorRE(`Cannot read AI API key.*` + uuidRE + ` in repo repo-1.*GET /repo/repo-1/ai/apikey: 503 Service Unavailable`),
			},
			{
				// Reads work again, but every create is answered 502.
				PreConfig: func() {
					emu.ClearFaults()
					emu.ResetCounters()
					emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway})
				},
				Config: both,
				ExpectError: errorRE(`Cannot create AI API key.*"b" in repo repo-1 failed 3 times with an unknown outcome` +
					`.*POST /repo/repo-1/ai/apikey: 502 Bad Gateway`),
			},
			{
				PreConfig: func() {
					if n := emu.Requests(http.MethodPost, emulator.OpCreate); n != 3 {
						t.Errorf("the failed apply sent %d creates, want 3 (max_retries = 2)", n)
					}
					if n := emu.Requests(http.MethodDelete, ""); n != 0 {
						t.Errorf("the failed apply sent %d deletes, want none", n)
					}
					emu.ClearFaults()
				},
				// a is still in the state: only b is to be created.
				Config: both,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addrA, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(addrB, plancheck.ResourceActionCreate),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrWith(addrA, "id", func(v string) error {
						if v != idA {
							return fmt.Errorf("a's id changed from %s to %s", idA, v)
						}
						return nil
					}),
					env.checkServerMatchesState(),
					checkLiveKeys(emu, 2),
				),
			},
		},
	})
	// Generous on purpose: a shared, loaded machine is slow, but a provider
	// that retried without bound would not finish at all.
	if d := time.Since(started); d > 2*time.Minute {
		t.Errorf("the test took %s; failing requests are not bounded by max_retries", d)
	}
}

// Unusable list answers fail the refresh with an error that names the
// operation, the key, its repo and the status; none of them panics, and none
// changes the state. Unknown fields are no error at all.
func TestAccReliability_badListResponses(t *testing.T) {
	const readErr = `Cannot read AI API key.*` + uuidRE + ` in repo repo-1.*GET /repo/repo-1/ai/apikey: `
	cases := []struct {
		name        string
		fault       func(key emulator.Key) emulator.Fault
		expectError *regexp.Regexp
	}{
		{
			name: "truncated JSON",
			fault: func(emulator.Key) emulator.Fault {
				return emulator.Fault{Status: 200, Body: `{"success":true,"apiKeys":[{"id":`}
			},
			expectError: errorRE(readErr + `unusable 200 response: body is not valid JSON`),
		},
		{
			name: "HTML 502 page after retries",
			fault: func(emulator.Key) emulator.Fault {
				return emulator.Fault{Status: 502, Body: "<html><body><h1>502 Bad Gateway</h1></body></html>", ContentType: "text/html"}
			},
			expectError: errorRE(readErr + `502 Bad Gateway: unexpected non-JSON response body \(text/html`),
		},
		{
			name: "wrong types",
			fault: func(emulator.Key) emulator.Fault {
				return emulator.Fault{Status: 200, Body: `{"success":true,"apiKeys":{"id":1}}`}
			},
			expectError: errorRE(readErr + `unusable 200 response: field "apiKeys" has JSON type object`),
		},
		{
			name:        "success false with 200",
			fault:       func(emulator.Key) emulator.Fault { return emulator.Fault{Status: 200, Body: `{"success": false}`} },
			expectError: errorRE(readErr + `200 OK: the server answered "success": false`),
		},
		{
			name: "entry missing fields",
			fault: func(k emulator.Key) emulator.Fault {
				return emulator.Fault{Status: 200, Body: fmt.Sprintf(`{"success":true,"apiKeys":[{"id":%q,"repoId":%q}]}`, k.ID, k.RepoID)}
			},
			expectError: errorRE(readErr + `unusable 200 response: key 0 of the list has no "name"`),
		},
		{
			name: "unknown fields",
			fault: func(k emulator.Key) emulator.Fault {
				body, _ := json.Marshal(map[string]any{
					"success": true, "nextCursor": nil, "meta": map[string]any{"total": 1},
					"apiKeys": []map[string]any{{
						"id": k.ID, "name": k.Name, "repoId": k.RepoID, "key": k.Key, "aiType": k.AIType,
						"createdAt": k.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), "deletedAt": nil,
						"lastUsedAt": "2026-01-01T00:00:00.000Z", "scopes": []string{"chat"},
					}},
				})
				return emulator.Fault{Status: 200, Body: string(body)}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEmulatorEnv(t, nil, nil)
			emu := env.emu
			cfg := env.configRetries(2, keyConfig("test", env.repo(), "listed", "AWS"))
			step1, step3 := sameAcrossSteps(pathID, pathSecret, pathCreatedAt)
			faulted := resource.TestStep{
				PreConfig: func() {
					keys := emu.LiveKeys("")
					if len(keys) != 1 {
						t.Fatalf("emulator holds %d keys, want 1", len(keys))
					}
					f := tc.fault(keys[0])
					f.Method, f.Op = http.MethodGet, emulator.OpList
					emu.InjectFault(f)
				},
				Config:      cfg,
				ExpectError: tc.expectError,
			}
			if tc.expectError == nil {
				faulted.ConfigPlanChecks.PreApply = []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}
				faulted.Check = env.checkServerMatchesState()
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
				Steps: []resource.TestStep{
					{Config: cfg, ConfigStateChecks: step1},
					faulted,
					{
						PreConfig: emu.ClearFaults,
						Config:    cfg,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: step3,
						Check:             env.checkServerMatchesState(),
					},
				},
			})
		})
	}
}
