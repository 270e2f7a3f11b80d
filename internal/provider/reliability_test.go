package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
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

// A list that does not show new keys at once must neither make the provider
// forget a key it just created nor create a second one. The refresh right
// after the apply looks again until the list shows the key, and fills in
// created_at.
func TestAccReliability_readRightAfterCreate(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.ListLag = time.Second }, nil)
	emu := env.emu
	cfg := env.config(keyConfig("test", env.repo(), "fresh", "ANTHROPIC"))
	step1, step2 := sameAcrossSteps(pathID, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: append(step1,
					statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.Null())),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(t),
					checkRequests(emu, http.MethodPost, emulator.OpCreate, 1),
				),
			},
			{
				// A second refresh and plan as soon as the first apply is done.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(step2,
					statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern))),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(t),
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
					env.checkServerMatchesState(t),
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
					env.checkServerMatchesState(t),
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
					env.checkServerMatchesState(t),
					checkRequests(emu, http.MethodPost, emulator.OpCreate, 1),
				),
			},
		},
	})
}

// A key renamed before any list shows it is renamed all the same; its
// created_at stays null until a list shows the key.
func TestAccReliability_renameBeforeListed(t *testing.T) {
	const lag = time.Minute
	var offset atomic.Int64
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.ListLag = lag
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	}, nil)
	emu := env.emu
	step1, step2 := sameAcrossSteps(pathID, pathSecret)
	step2b, step3 := sameAcrossSteps(pathID, pathSecret)
	renamed := env.config(keyConfig("test", env.repo(), "after", "GOOGLE"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(recheckTuning),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				Config:            env.config(keyConfig("test", env.repo(), "before", "GOOGLE")),
				ConfigStateChecks: step1,
			},
			{
				Config: renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: append(append(step2, step2b...),
					statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.Null()),
					statecheck.ExpectKnownValue(testKeyAddr, pathName, knownvalue.StringExact("after"))),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(t),
					checkRequests(emu, http.MethodPut, emulator.OpUpdate, 1),
				),
			},
			{
				PreConfig: func() { offset.Store(int64(lag)) },
				Config:    renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(step3,
					statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern))),
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
	return env.config(b.String(), withRetries(10))
}

// A fifth of all requests fail at random: throttled, gateway errors, dropped
// connections. Every step must still converge with the server equal to state.
func TestAccReliability_chaos(t *testing.T) {
	testChaos(t, emulator.Chaos{Rate: 0.2, Seed: 20261129})
}

// A fifth of all requests are carried out but their answers lost: creates
// are repeated under a temporary name, deletes and renames are repeated after
// they worked. The server holds the state's keys, and besides them only keys
// that a create's first attempt may have left under a configured name: never
// one under a temporary name.
func TestAccReliability_chaosAnswersLost(t *testing.T) {
	testChaos(t, emulator.Chaos{Rate: 0.2, Seed: 20261130, AfterAct: true})
}

// chaosName is the name of every key chaosConfig declares.
var chaosName = regexp.MustCompile(`^chaos \d\d( renamed)?$`)

// checkOnlyFirstAttemptsLeft fails unless every live key that the state does
// not hold has one of the configured names: what a create's first attempt
// with an unknown outcome may leave, and nothing else.
func checkOnlyFirstAttemptsLeft(emu *emulator.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		inState := map[string]bool{}
		for _, rs := range s.RootModule().Resources {
			inState[rs.Primary.ID] = true
		}
		for _, k := range emu.LiveKeys("") {
			if !inState[k.ID] && !chaosName.MatchString(k.Name) {
				return fmt.Errorf("key %s named %q is live and not in the state", k.ID, k.Name)
			}
		}
		return nil
	}
}

// testChaos creates 50 keys, renames 10, replaces 5 and destroys them all
// under chaos.
func testChaos(t *testing.T, chaos emulator.Chaos) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	emu.SetChaos(&chaos)
	// Only an answer lost after the server acted can leave a key behind.
	serverMatchesState := env.checkServerMatchesState(t)
	leftBehind := checkLiveKeys(emu, 0)
	if chaos.AfterAct {
		serverMatchesState = resource.ComposeAggregateTestCheckFunc(checkStateKeysLive(emu), checkOnlyFirstAttemptsLeft(emu))
		leftBehind = checkOnlyFirstAttemptsLeft(emu)
	}
	check := resource.ComposeAggregateTestCheckFunc(
		serverMatchesState,
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
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), leftBehind),
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
	if chaos.AfterAct {
		t.Logf("%d keys left by first attempts with an unknown outcome", len(emu.LiveKeys("")))
	}
	// 50 creates and 5 more for the replacements, 10 renames, 5 deletes for
	// the replacements and 50 for the destroy, at the least: the provider's
	// own requests, whatever the test's checks send.
	for method, least := range map[string]int{http.MethodPost: 55, http.MethodPut: 10, http.MethodDelete: 55} {
		if n := emu.Requests(method, ""); n < least {
			t.Errorf("emulator saw only %d %s requests, want at least %d; the chaos test did not exercise it", n, method, least)
		}
	}
	t.Logf("survived chaos over %d requests", emu.Requests("", ""))
}

// A server that answers nothing but errors makes the apply fail, in bounded
// time, with the status named; what was applied before stays in the state.
func TestAccReliability_serverStaysDown(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	const addrA, addrB = "flashback_repo_ai_apikey.a", "flashback_repo_ai_apikey.b"
	onlyA := env.config(keyConfig("a", env.repo(), "a", "OPENAI"), withRetries(2))
	both := env.config(keyConfig("a", env.repo(), "a", "OPENAI")+keyConfig("b", env.repo(), "b", "OPENAI"), withRetries(2))
	var idA string
	// Taken when the first step starts: ParallelTest first waits its turn
	// among the parallel tests, for as long as they take.
	var started time.Time
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { started = time.Now() },
				Config:    onlyA,
				Check:     resource.TestCheckResourceAttrWith(addrA, "id", func(v string) error { idA = v; return nil }),
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
					env.checkServerMatchesState(t),
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
			cfg := env.config(keyConfig("test", env.repo(), "listed", "AWS"), withRetries(2))
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
				faulted.Check = env.checkServerMatchesState(t)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
				Steps: []resource.TestStep{
					{Config: cfg},
					// A refresh fills in created_at, which must then survive.
					{Config: cfg, ConfigStateChecks: step1},
					faulted,
					{
						PreConfig: emu.ClearFaults,
						Config:    cfg,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: step3,
						Check:             env.checkServerMatchesState(t),
					},
				},
			})
		})
	}
}
