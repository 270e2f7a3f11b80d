package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const testRotatingAddr = rotatingKeyType + ".test"

var (
	pathPreviousID     = tfjsonpath.New("previous_id")
	pathPreviousKey    = tfjsonpath.New("previous_key")
	pathPreviousSecret = tfjsonpath.New("previous_secret")
	pathPreviousName   = tfjsonpath.New("previous_name")
	pathRotatedAt      = tfjsonpath.New("rotated_at")
	pathRetiredIDs     = tfjsonpath.New("retired_ids")
)

// rotatingConfig is a rotating key; rotateWhen is an HCL expression, or ""
// to leave rotate_when out.
func rotatingConfig(repoID, name, aiType, overlap, rotateWhen string) string {
	rotate := ""
	if rotateWhen != "" {
		rotate = "\n  rotate_when = " + rotateWhen
	}
	return fmt.Sprintf(`
resource "flashback_repo_ai_apikey_rotating" "test" {
  repo_id = %[1]q
  name    = %[2]q
  ai_type = %[3]q
  overlap = %[4]q%[5]s
}
`, repoID, name, aiType, overlap, rotate)
}

// testClock is the clock that dates rotations and overlaps in a test: it
// moves only when the test moves it, so that an overlap passes without
// waiting for it.
type testClock struct {
	mu sync.Mutex
	at time.Time
}

func newTestClock() *testClock { return &testClock{at: time.Now().UTC()} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

// rotatingTuning is testTuning with clock as the rotations' clock.
func rotatingTuning(clock *testClock) tuning {
	tn := testTuning
	tn.now = clock.now
	return tn
}

// checkRotatingKeys proves, against the emulator, what an application that
// reads the state sees: the current key, the previous key and any retired
// key of the state are live on the server, each with the state's secret, key
// and name, and no other key of the repo is live but those named in others.
func checkRotatingKeys(emu *emulator.Server, others ...*string) resource.TestCheckFunc {
	addr := testRotatingAddr
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		a := rs.Primary.Attributes
		live := map[string]emulator.Key{}
		for _, k := range emu.LiveKeys(a["repo_id"]) {
			live[k.ID] = k
		}
		want := map[string]bool{}
		check := func(role, id, name, key, secret string) error {
			k, ok := live[id]
			switch {
			case !ok:
				return fmt.Errorf("%s: the %s key %s is in the state but not live: whatever reads it holds a dead key", addr, role, id)
			case secret != "" && k.Secret != secret:
				return fmt.Errorf("%s: the %s key %s's secret in the state is not the one the server issued", addr, role, id)
			case key != "" && k.Key != key:
				return fmt.Errorf("%s: the %s key %s is %q in the state, %q on the server", addr, role, id, key, k.Key)
			case name != "" && k.Name != name:
				return fmt.Errorf("%s: the %s key %s is named %q in the state, %q on the server", addr, role, id, name, k.Name)
			}
			want[id] = true
			return nil
		}
		if err := check("current", a["id"], a["name"], a["key"], a["secret"]); err != nil {
			return err
		}
		if id := a["previous_id"]; id != "" {
			if err := check("previous", id, a["previous_name"], a["previous_key"], a["previous_secret"]); err != nil {
				return err
			}
		}
		n, _ := strconv.Atoi(a["retired_ids.#"])
		for i := range n {
			if err := check("retired", a["retired_ids."+strconv.Itoa(i)], "", "", ""); err != nil {
				return err
			}
		}
		for _, id := range others {
			want[*id] = true
		}
		for id, k := range live {
			if !want[id] {
				return fmt.Errorf("key %s (%q) is live in repo %s, but neither in the state nor expected: an orphan", id, k.Name, a["repo_id"])
			}
		}
		return nil
	}
}

// rotatingKeyCheck is what the tests' harness (collectionChecks) knows of
// rotating keys: the current key is listed with the state's name, type and
// key, like any key.
var rotatingKeyCheck = collectionCheck{
	scope: func(a map[string]string) string { return a["repo_id"] },
	list: func(ctx context.Context, c *client.Client, scope string) (map[string]map[string]string, error) {
		keys, err := c.AIAPIKeys.List(ctx, scope)
		out := map[string]map[string]string{}
		for _, k := range keys {
			if !k.Deleted() {
				out[k.ID] = map[string]string{"name": k.Name, "ai_type": k.AIType}
				if k.Key != nil {
					out[k.ID]["key"] = *k.Key
				}
			}
		}
		return out, err
	},
	live: func(emu *emulator.Server, scope string) map[string]map[string]string {
		out := map[string]map[string]string{}
		for _, k := range emu.LiveKeys(scope) {
			out[k.ID] = map[string]string{"name": k.Name, "ai_type": k.AIType, "key": k.Key}
		}
		return out
	},
}

// checkRotatingKeysLive is checkKeysLive's part for a rotating key: its
// current, previous and retired keys are live, each with the state's secret.
// It returns how many keys the resource holds.
func checkRotatingKeysLive(addr string, rs *terraform.ResourceState, live map[string]emulator.Key) (int, error) {
	a := rs.Primary.Attributes
	held := []struct{ id, secret string }{{a["id"], a["secret"]}}
	if a["previous_id"] != "" {
		held = append(held, struct{ id, secret string }{a["previous_id"], a["previous_secret"]})
	}
	n, _ := strconv.Atoi(a["retired_ids.#"])
	for i := range n {
		held = append(held, struct{ id, secret string }{a["retired_ids."+strconv.Itoa(i)], ""})
	}
	for _, k := range held {
		got, ok := live[k.id]
		switch {
		case !ok:
			return len(held), fmt.Errorf("%s: key %s is in the state but not live", addr, k.id)
		case k.secret != "" && got.Secret != k.secret:
			return len(held), fmt.Errorf("%s: the secret of key %s in the state differs from the one the server issued", addr, k.id)
		}
	}
	return len(held), nil
}

// keyHistory records the state's attributes after each step, so that a
// later step can say what became of the keys of an earlier one.
type keyHistory struct {
	steps []map[string]string
}

func (h *keyHistory) record() resource.TestCheckFunc {
	addr := testRotatingAddr
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		h.steps = append(h.steps, maps.Clone(rs.Primary.Attributes))
		return nil
	}
}

// rotatedFrom fails unless the latest recorded step rotated the key of the
// one before it: a new current key, and the old current key, with its secret,
// as the previous key.
func (h *keyHistory) rotatedFrom() error {
	if len(h.steps) < 2 {
		return fmt.Errorf("no step to compare with")
	}
	before, after := h.steps[len(h.steps)-2], h.steps[len(h.steps)-1]
	switch {
	case after["id"] == before["id"] || after["secret"] == before["secret"]:
		return fmt.Errorf("the current key %s did not change", after["id"])
	case after["previous_id"] != before["id"] || after["previous_key"] != before["key"]:
		return fmt.Errorf("the previous key is %s, want the former current key %s", after["previous_id"], before["id"])
	case after["previous_secret"] != before["secret"]:
		return fmt.Errorf("previous_secret is not the former current key's secret")
	}
	return nil
}

// unchangedKeys fails unless the current and previous keys of the latest
// recorded step are those of the one before it.
func (h *keyHistory) unchangedKeys() error {
	before, after := h.steps[len(h.steps)-2], h.steps[len(h.steps)-1]
	for _, attr := range []string{"id", "secret", "previous_id", "previous_secret"} {
		if before[attr] != after[attr] {
			return fmt.Errorf("%s changed", attr)
		}
	}
	return nil
}

func (h *keyHistory) then(check func() error) resource.TestCheckFunc {
	return func(*terraform.State) error { return check() }
}

// checkRequestCounts fails unless the emulator saw exactly these creates,
// renames and deletes of keys since its counters were reset.
func checkRequestCounts(emu *emulator.Server, posts, puts, deletes int) resource.TestCheckFunc {
	return resource.ComposeAggregateTestCheckFunc(
		checkRequests(emu, http.MethodPost, emulator.OpCreate, posts),
		checkRequests(emu, http.MethodPut, emulator.OpUpdate, puts),
		checkRequests(emu, http.MethodDelete, emulator.OpDelete, deletes),
	)
}

// noPrevious checks that the state holds no previous or retired key.
func noPrevious() []statecheck.StateCheck {
	addr := testRotatingAddr
	checks := make([]statecheck.StateCheck, 0, 6)
	for _, p := range []tfjsonpath.Path{pathPreviousID, pathPreviousKey, pathPreviousSecret, pathPreviousName, pathRotatedAt, pathRetiredIDs} {
		checks = append(checks, statecheck.ExpectKnownValue(addr, p, knownvalue.Null()))
	}
	return checks
}

// The whole life of a rotating key, with the server checked at every step:
// what an application reads from the state (secret, previous_secret) is
// always a live key. Create; rotate (both keys live, the previous one the
// former current key, renamed "(retiring)"); overlap running (the plan is
// empty); overlap passed (the plan deletes the previous key, and after the
// apply only the current key is live); rename (one PUT); destroy (no key
// live). The overlap is an hour of a clock the test moves.
func TestAccRepoAIAPIKeyRotating_lifecycle(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	clock := newTestClock()
	h := &keyHistory{}
	cfg := func(name, rotateWhen string) string {
		return env.config(rotatingConfig(env.repo(), name, "OPENAI", "1h", rotateWhen))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(clock)),
		CheckDestroy:             resource.ComposeTestCheckFunc(env.checkDestroyed(t), checkLiveKeys(emu, 0)),
		Steps: []resource.TestStep{
			{
				Config: cfg("app", `{ v = "1" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectSensitiveValue(testRotatingAddr, pathSecret),
						plancheck.ExpectSensitiveValue(testRotatingAddr, pathPreviousSecret),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousID, knownvalue.Null()),
					},
				},
				ConfigStateChecks: append(noPrevious(),
					statecheck.ExpectKnownValue(testRotatingAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.StringRegexp(regexp.MustCompile(`^.{16,}$`)))),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(t), checkRotatingKeys(emu), h.record()),
			},
			{
				// The refresh fills in created_at; nothing else changes.
				Config:           cfg("app", `{ v = "1" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRotatingAddr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), h.record()),
			},
			{
				// Rotate: an update in place that creates one key and renames
				// two (the new key from its temporary name, the old one to
				// "(retiring)"), and deletes none.
				PreConfig: emu.ResetCounters,
				Config:    cfg("app", `{ v = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(testRotatingAddr, pathID),
						plancheck.ExpectUnknownValue(testRotatingAddr, pathSecret),
						// What becomes the previous key is known in the plan.
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousID, knownvalue.StringRegexp(uuidPattern)),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousName, knownvalue.StringExact("app (retiring)")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRotatingAddr, pathName, knownvalue.StringExact("app")),
					statecheck.ExpectKnownValue(testRotatingAddr, pathPreviousName, knownvalue.StringExact("app (retiring)")),
					statecheck.ExpectKnownValue(testRotatingAddr, pathRotatedAt, knownvalue.StringRegexp(createdAtPattern)),
					statecheck.ExpectKnownValue(testRotatingAddr, pathRetiredIDs, knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(t), checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					h.record(), h.then(h.rotatedFrom), checkRequestCounts(emu, 1, 2, 0)),
			},
			{
				// 59 minutes later the overlap runs: no change, both keys live.
				PreConfig: func() { clock.advance(59 * time.Minute); emu.ResetCounters() },
				Config:    cfg("app", `{ v = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					h.record(), h.then(h.unchangedKeys), checkRequestCounts(emu, 0, 0, 0)),
			},
			{
				// Two minutes later the overlap has passed: the plan deletes
				// the previous key, and nothing else.
				PreConfig: func() { clock.advance(2 * time.Minute); emu.ResetCounters() },
				Config:    cfg("app", `{ v = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousID, knownvalue.Null()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousSecret, knownvalue.Null()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
						plancheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.NotNull()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: noPrevious(),
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 1),
					h.record(), checkRequestCounts(emu, 0, 0, 1),
					h.then(func() error {
						before, after := h.steps[len(h.steps)-2], h.steps[len(h.steps)-1]
						if before["id"] != after["id"] || before["secret"] != after["secret"] {
							return fmt.Errorf("retiring the previous key changed the current one")
						}
						return nil
					})),
			},
			{
				// A rename is one PUT of the current key.
				PreConfig: emu.ResetCounters,
				Config:    cfg("app v2", `{ v = "2" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testRotatingAddr, pathID, knownvalue.NotNull()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.NotNull()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathCreatedAt, knownvalue.NotNull()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousID, knownvalue.Null()),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRotatingAddr, pathName, knownvalue.StringExact("app v2")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(env.checkServerMatchesState(t), checkRotatingKeys(emu),
					h.record(), h.then(h.unchangedKeys), checkRequestCounts(emu, 0, 1, 0)),
			},
		},
	})
}

// A second rotation within the first one's overlap deletes the key that was
// previous before: three keys are never live. A rotation with a rename
// gives the new key the new name and the old one the new name "(retiring)".
func TestAccRepoAIAPIKeyRotating_rotateAgainWithinOverlap(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	clock := newTestClock()
	h := &keyHistory{}
	cfg := func(name, v string) string {
		return env.config(rotatingConfig(env.repo(), name, "ANTHROPIC", "168h", `{ v = "`+v+`" }`))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(clock)),
		CheckDestroy:             checkLiveKeys(emu, 0),
		Steps: []resource.TestStep{
			{Config: cfg("svc", "1"), Check: h.record()},
			{Config: cfg("svc", "2"), Check: resource.ComposeAggregateTestCheckFunc(
				checkRotatingKeys(emu), h.record(), h.then(h.rotatedFrom))},
			{
				PreConfig: func() { clock.advance(time.Hour); emu.ResetCounters() },
				Config:    cfg("svc renamed", "3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousName, knownvalue.StringExact("svc renamed (retiring)")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testRotatingAddr, pathName, knownvalue.StringExact("svc renamed")),
					statecheck.ExpectKnownValue(testRotatingAddr, pathPreviousName, knownvalue.StringExact("svc renamed (retiring)")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					h.record(), h.then(h.rotatedFrom), checkRequestCounts(emu, 1, 2, 1),
					h.then(func() error {
						if first := h.steps[0]["id"]; keyIsLive(emu, first) {
							return fmt.Errorf("the first key %s, previous before the second rotation, is still live", first)
						}
						return nil
					})),
			},
		},
	})
}

func keyIsLive(emu *emulator.Server, id string) bool {
	for _, k := range emu.LiveKeys("") {
		if k.ID == id {
			return true
		}
	}
	return false
}

// rotate_when unset, null and {} are one value: switching among them rotates
// nothing, as keepers replace nothing.
func TestAccRepoAIAPIKeyRotating_rotateWhenEmptyIsNone(t *testing.T) {
	env := newTestEnv(t)
	cfg := func(rotateWhen string) string {
		return env.config(rotatingConfig(env.repo(), "quiet", "GOOGLE", "24h", rotateWhen))
	}
	empty := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: cfg(""), ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testRotatingAddr, tfjsonpath.New("rotate_when"), knownvalue.MapExact(map[string]knownvalue.Check{})),
			}},
			{Config: cfg("null"), ConfigPlanChecks: empty},
			{Config: cfg("{}"), ConfigPlanChecks: empty},
			{Config: cfg(""), ConfigPlanChecks: empty},
		},
	})
}

// repo_id and ai_type replace the resource: a new key, and both old ones
// deleted.
func TestAccRepoAIAPIKeyRotating_aiTypeReplacesBothKeys(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	clock := newTestClock()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(clock)),
		CheckDestroy:             checkLiveKeys(emu, 0),
		Steps: []resource.TestStep{
			{Config: env.config(rotatingConfig(env.repo(), "typed", "OPENAI", "1h", `{ v = "1" }`))},
			{Config: env.config(rotatingConfig(env.repo(), "typed", "OPENAI", "1h", `{ v = "2" }`)), Check: checkLiveKeys(emu, 2)},
			{
				Config: env.config(rotatingConfig(env.repo(), "typed", "AWS", "1h", `{ v = "2" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: noPrevious(),
				Check:             resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 1)),
			},
		},
	})
}

// A previous key deleted outside Terraform leaves the state: previous_* are
// null after the refresh, and the current key is untouched.
func TestAccRepoAIAPIKeyRotating_previousDeletedOutsideTerraform(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	var previous string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkLiveKeys(emu, 0),
		Steps: []resource.TestStep{
			{Config: env.config(rotatingConfig(env.repo(), "k", "OPENAI", "1h", `{ v = "1" }`))},
			{
				Config: env.config(rotatingConfig(env.repo(), "k", "OPENAI", "1h", `{ v = "2" }`)),
				Check:  resource.TestCheckResourceAttrWith(testRotatingAddr, "previous_id", func(v string) error { previous = v; return nil }),
			},
			{
				PreConfig: func() {
					if err := emu.DeleteKey(env.repo(), previous); err != nil {
						t.Fatal(err)
					}
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu),
					resource.TestCheckNoResourceAttr(testRotatingAddr, "previous_id"),
					resource.TestCheckNoResourceAttr(testRotatingAddr, "previous_secret"),
					resource.TestCheckNoResourceAttr(testRotatingAddr, "rotated_at")),
			},
			{
				Config:           env.config(rotatingConfig(env.repo(), "k", "OPENAI", "1h", `{ v = "2" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// Import takes the current key: no previous key, and no secret (a warning
// says so). The first plan after it records overlap, and calls no API.
func TestAccRepoAIAPIKeyRotating_import(t *testing.T) {
	env := newTestEnv(t)
	cfg := env.config(rotatingConfig(env.repo(), "imported", "ANTHROPIC", "48h", ""))
	importID := func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[testRotatingAddr]
		if !ok {
			return "", fmt.Errorf("%s not in state", testRotatingAddr)
		}
		return rs.Primary.Attributes["repo_id"] + "/" + rs.Primary.ID, nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: cfg},
			{Config: cfg},
			{
				Config:                               cfg,
				ResourceName:                         testRotatingAddr,
				ImportState:                          true,
				ImportStateIdFunc:                    importID,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				// The secret is returned only at create; overlap is the
				// configuration's, which an import does not read.
				ImportStateVerifyIgnore: []string{"secret", "overlap"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances, want 1", len(states))
					}
					for _, attr := range []string{"secret", "previous_id", "previous_secret", "overlap"} {
						if v := states[0].Attributes[attr]; v != "" {
							return fmt.Errorf("imported %s is %q, want null", attr, v)
						}
					}
					return nil
				},
			},
		},
	})
}

func TestAccRepoAIAPIKeyRotating_validation(t *testing.T) {
	env := newTestEnv(t)
	testPlanErrors(t, env, []planErrorCase{
		{"overlap not a duration", rotatingConfig(env.repo(), "k", "OPENAI", "7d", ""),
			errorRE(`Invalid duration.*overlap must be a positive duration in Go's syntax, such as "168h".*got "7d"`)},
		{"overlap zero", rotatingConfig(env.repo(), "k", "OPENAI", "0s", ""),
			errorRE(`overlap must be a positive duration.*got "0s"`)},
		{"overlap negative", rotatingConfig(env.repo(), "k", "OPENAI", "-1h", ""),
			errorRE(`overlap must be a positive duration.*got "-1h"`)},
		{"overlap missing", fmt.Sprintf(`
resource "flashback_repo_ai_apikey_rotating" "test" {
  repo_id = %q
  name    = "k"
  ai_type = "OPENAI"
}
`, env.repo()), errorRE(`"overlap" is required`)},
		{"blank name", rotatingConfig(env.repo(), " ", "OPENAI", "1h", ""), errorRE(`name must not be empty or only white space`)},
		{"ai_type not allowed", rotatingConfig(env.repo(), "k", "GPT", "1h", ""), errorRE(`ai_type.*one of`)},
	})
}

// retiringName adds " (retiring)" once, and keeps the name within the length
// the emulator allows.
func TestRotating_retiringName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", maxRenamedKeyName)
	for _, tc := range []struct{ name, want string }{
		{"app", "app (retiring)"},
		{"app (retiring)", "app (retiring)"},
		{long, string([]rune(long)[:maxRenamedKeyName-len(retiringSuffix)]) + retiringSuffix},
	} {
		got := retiringName(tc.name)
		if got != tc.want || len([]rune(got)) > maxRenamedKeyName {
			t.Errorf("retiringName(%.20q…) = %.20q… (%d characters), want %.20q…", tc.name, got, len([]rune(got)), tc.want)
		}
	}
	// The emulator accepts it: createBeside fails the test otherwise.
	emu, token := newUnitEmulator(t, emulator.Options{})
	createBeside(t, emu, token, "repo-1", retiringName(long), client.AITypeOpenAI)
}

// rotatingKeyBeside is TestCollections_writesInvalidateTheScopesList's
// rotating key: made beside the provider, as a refresh would have read it.
func rotatingKeyBeside(t *testing.T, c *client.Client) map[string]any {
	k := createKeyBeside(t, c, "before")
	return map[string]any{"id": k.ID, "repo_id": "repo-1", "name": "before", "ai_type": "OPENAI", "key": k.Key,
		"rotate_when": map[string]string{}, "overlap": "1h", "created_at": "2026-01-01T00:00:00.000Z"}
}

// rotatingKeyState is TestHarness_checksEveryCollection's rotating key: one
// made through c, as the state would hold it.
func rotatingKeyState(t *testing.T, c *client.Client) *terraform.ResourceState {
	k := createKeyBeside(t, c, "r")
	return &terraform.ResourceState{Type: rotatingKeyType, Primary: &terraform.InstanceState{ID: k.ID,
		Attributes: map[string]string{"id": k.ID, "repo_id": "repo-1", "name": "r", "ai_type": "OPENAI", "key": k.Key, "secret": k.Secret}}}
}

// rotationCreate is TestCreateEngine_everyCollectionGivesUpWithinTheBound's
// create of the key that replaces another in a rotation.
func rotationCreate(data *providerData) diag.Diagnostics {
	_, diags := (&repoAIAPIKeyRotatingResource{data: data}).createForRotation(context.Background(), "repo-1",
		"550e8400-e29b-41d4-a716-446655440000", client.AITypeOpenAI)
	return diags
}

// When the current key is deleted outside Terraform, the refresh removes the
// resource and the apply creates it anew: the previous key, which no longer
// belongs to it, is left (and named in the refresh's warning), never deleted
// unasked.
func TestAccRepoAIAPIKeyRotating_currentDeletedOutsideTerraform(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	var current, previous string
	cfg := func(v string) string {
		return env.config(rotatingConfig(env.repo(), "k", "OPENAI", "1h", `{ v = "`+v+`" }`))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkRotatingLeft(emu, &previous),
		Steps: []resource.TestStep{
			{Config: cfg("1")},
			{
				Config: cfg("2"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrWith(testRotatingAddr, "id", func(v string) error { current = v; return nil }),
					resource.TestCheckResourceAttrWith(testRotatingAddr, "previous_id", func(v string) error { previous = v; return nil })),
			},
			// An apply saves the refresh that lists the new key: until a list
			// has shown it, a key the list does not show is taken as too new
			// to be listed, not as deleted.
			{Config: cfg("2")},
			{
				PreConfig: func() {
					if err := emu.DeleteKey(env.repo(), current); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: noPrevious(),
				Check:             checkRotatingKeys(emu, &previous),
			},
		},
	})
}

// checkRotatingLeft fails unless the only live key is *id.
func checkRotatingLeft(emu *emulator.Server, id *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if live := emu.LiveKeys(""); len(live) != 1 || live[0].ID != *id {
			return fmt.Errorf("want only key %s live, the previous key the resource left: %+v", *id, live)
		}
		return nil
	}
}
