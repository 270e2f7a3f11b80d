package provider

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// What a rotation leaves when one of its steps fails, and how the rerun
// converges. Every step checks the server: whatever the state holds is live,
// with the state's secret, and nothing else is.

// keyNamed returns the ID of the one live key named name, or "".
func keyNamed(emu *emulator.Server, name string) string {
	if keys := keysNamed(emu, name); len(keys) == 1 {
		return keys[0].ID
	}
	return ""
}

// The answer to the rotation's create is lost once: the engine repeats it
// under a temporary name and renames the key that answers. The key the lost
// attempt made carries the rotation's name, which no other writer gives, so
// the rotation deletes it: the server ends with the current and the previous
// key, nothing else.
func TestAccRepoAIAPIKeyRotating_lostCreateRecovers(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	h := &keyHistory{}
	cfg := func(v string) string {
		return env.config(rotatingConfig(env.repo(), "app", "OPENAI", "1h", `{ v = "`+v+`" }`))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(newTestClock())),
		CheckDestroy:             checkLiveKeys(emu, 0),
		Steps: []resource.TestStep{
			{Config: cfg("1"), Check: h.record()},
			{
				PreConfig: func() {
					emu.ResetCounters()
					emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway,
						AfterAct: true, Count: 1})
				},
				Config: cfg("2"),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRotatingKeys(emu), checkLiveKeys(emu, 2), h.record(), h.then(h.rotatedFrom),
					// Two creates (the lost one and its repeat), three renames
					// (the repeat's key to the rotation's name, then to the
					// configured one, the old key to "(retiring)"), and the
					// lost attempt's key deleted.
					checkRequestCounts(emu, 2, 3, 1)),
			},
		},
	})
}

// Every attempt of the rotation's create loses its answer: the rotation
// fails and changes nothing (the current key still works and the state still
// holds it, with its secret); the key the first attempt made under the
// rotation's name is left and named. The rerun deletes that key, because its
// name proves it is this rotation's, and rotates.
func TestAccRepoAIAPIKeyRotating_lostCreateFailsThenRerunConverges(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	h := &keyHistory{}
	var firstID, leftover string
	cfg := func(v string) string {
		return env.config(rotatingConfig(env.repo(), "app", "OPENAI", "1h", `{ v = "`+v+`" }`), withRetries(1))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(newTestClock())),
		CheckDestroy:             checkLiveKeys(emu, 0),
		Steps: []resource.TestStep{
			{
				Config: cfg("1"),
				Check: resource.ComposeAggregateTestCheckFunc(h.record(),
					resource.TestCheckResourceAttrWith(testRotatingAddr, "id", func(v string) error { firstID = v; return nil })),
			},
			{
				PreConfig: func() {
					emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Drop: true, AfterAct: true})
				},
				Config: cfg("2"),
				ExpectError: errorRE(`Cannot create AI API key.*"tf-rotating-` + uuidRE + `" in repo repo-1 failed 2 times with ` +
					`an unknown outcome.*AI API key not rotated.*Key ` + uuidRE + ` in repo repo-1 is still the current key, and ` +
					`works: the rotation changed nothing.*"tf-rotating-` + uuidRE + `".*the next rotation, or the destroy, ` +
					`deletes it`),
			},
			{
				// The state is as it was, and true: the current key works,
				// and the only other key is the one the lost attempt made.
				PreConfig: func() {
					emu.ClearFaults()
					leftover = keyNamed(emu, rotationName(firstID))
					if leftover == "" {
						t.Errorf("no key named %q: the first attempt's key is not there", rotationName(firstID))
					}
					if p := pendingKeys(emu); len(p) != 0 {
						t.Errorf("keys under a temporary name are left: %+v", p)
					}
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu, &leftover),
					h.record(), h.then(h.unchangedKeys)),
			},
			{
				PreConfig: emu.ResetCounters,
				Config:    cfg("2"),
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					h.record(), h.then(h.rotatedFrom), checkRequestCounts(emu, 1, 2, 1)),
			},
		},
	})
}

// The new key exists, then every other step of the rotation fails: the
// rename of the new key, the rename of the old one, the delete of the key
// that was previous before. The new key and its secret are in the state all
// the same, the state says what the server holds (names included), and the
// rerun's plan shows what is left and makes it.
func TestAccRepoAIAPIKeyRotating_interruptedHalfWay(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	h := &keyHistory{}
	cfg := func(v string) string {
		return env.config(rotatingConfig(env.repo(), "app", "OPENAI", "1h", `{ v = "`+v+`" }`))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(newTestClock())),
		CheckDestroy:             checkLiveKeys(emu, 0),
		Steps: []resource.TestStep{
			{Config: cfg("1"), Check: h.record()},
			{Config: cfg("2"), Check: resource.ComposeAggregateTestCheckFunc(h.record(), checkLiveKeys(emu, 2))},
			{
				PreConfig: func() {
					emu.InjectFault(emulator.Fault{Method: http.MethodPut, Op: emulator.OpUpdate, Status: http.StatusInternalServerError, Count: 2})
					emu.InjectFault(emulator.Fault{Method: http.MethodDelete, Op: emulator.OpDelete, Status: http.StatusInternalServerError, Count: 1})
				},
				Config: cfg("3"),
				ExpectError: errorRE(`AI API key rotation not finished.*the new key ` + uuidRE + ` is the current key, and its ` +
					`secret is in the state.*Left to do: rename key ` + uuidRE + `, the new current key, from "tf-rotating-` + uuidRE +
					`" to "app".*rename key ` + uuidRE + `, now the previous key, to "app \(retiring\)".*delete key ` + uuidRE +
					`, which this rotation took out of service and which still works.*Run terraform apply again`),
			},
			{
				// The refreshed state is what the server holds: three live
				// keys, each secret the server's.
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRotatingKeys(emu), checkLiveKeys(emu, 3),
					h.record(), h.then(h.rotatedFrom),
					resource.TestMatchResourceAttr(testRotatingAddr, "name", errorRE(`^tf-rotating-`+uuidRE+`$`)),
					resource.TestCheckResourceAttr(testRotatingAddr, "previous_name", "app"),
					resource.TestCheckResourceAttr(testRotatingAddr, "retired_ids.#", "1"),
					h.then(func() error {
						first, now := h.steps[0], h.steps[len(h.steps)-1]
						if now["retired_ids.0"] != first["id"] {
							return fmt.Errorf("retired_ids holds %s, want the first key %s", now["retired_ids.0"], first["id"])
						}
						return nil
					})),
			},
			{
				PreConfig: emu.ResetCounters,
				Config:    cfg("3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testRotatingAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testRotatingAddr, pathName, knownvalue.StringExact("app")),
						plancheck.ExpectKnownValue(testRotatingAddr, pathPreviousName, knownvalue.StringExact("app (retiring)")),
						plancheck.ExpectKnownValue(testRotatingAddr, pathRetiredIDs, knownvalue.Null()),
						plancheck.ExpectKnownValue(testRotatingAddr, pathSecret, knownvalue.NotNull()),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					h.record(), h.then(h.unchangedKeys), checkRequestCounts(emu, 0, 2, 1)),
			},
		},
	})
}

// A rotation whose process died after its create (Terraform never saved the
// state) left a key under the rotation's name, whose secret no one has. The
// next rotation deletes it; a key another writer made with the configured
// name is left alone. The destroy deletes such a key too.
func TestAccRepoAIAPIKeyRotating_interruptedRotationLeftoverIsDeleted(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	var currentID, othersKey string
	cfg := func(v string) string {
		return env.config(rotatingConfig(env.repo(), "app", "GOOGLE", "1h", `{ v = "`+v+`" }`))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(newTestClock())),
		CheckDestroy: func(*terraform.State) error {
			if live := emu.LiveKeys(""); len(live) != 1 || live[0].ID != othersKey {
				return fmt.Errorf("after destroy, want only the other writer's key %s live: %+v", othersKey, live)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cfg("1"),
				Check:  resource.TestCheckResourceAttrWith(testRotatingAddr, "id", func(v string) error { currentID = v; return nil }),
			},
			{
				PreConfig: func() {
					createBeside(t, emu, env.token, env.repo(), rotationName(currentID), "GOOGLE")
					othersKey = createBeside(t, emu, env.token, env.repo(), "app", "GOOGLE")
					emu.ResetCounters()
				},
				Config: cfg("2"),
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu, &othersKey),
					checkRequestCounts(emu, 1, 2, 1),
					resource.TestCheckResourceAttrWith(testRotatingAddr, "id", func(v string) error { currentID = v; return nil })),
			},
			{
				// Another interrupted rotation, of the key that is current now.
				PreConfig: func() { createBeside(t, emu, env.token, env.repo(), rotationName(currentID), "GOOGLE") },
				Config:    cfg("2"),
				Destroy:   true,
			},
		},
	})
}

// The delete that retires the previous key fails: the previous key stays in
// the state and works, and the rerun deletes it.
func TestAccRepoAIAPIKeyRotating_retireFailsThenRerunConverges(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	emu := env.emu
	clock := newTestClock()
	cfg := env.config(rotatingConfig(env.repo(), "app", "OPENAI", "10m", `{ v = "2" }`))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(rotatingTuning(clock)),
		CheckDestroy:             checkLiveKeys(emu, 0),
		Steps: []resource.TestStep{
			{Config: env.config(rotatingConfig(env.repo(), "app", "OPENAI", "10m", `{ v = "1" }`))},
			{Config: cfg, Check: checkLiveKeys(emu, 2)},
			{
				PreConfig: func() {
					clock.advance(11 * time.Minute)
					emu.InjectFault(emulator.Fault{Method: http.MethodDelete, Op: emulator.OpDelete, Status: http.StatusInternalServerError, Count: 1})
				},
				Config:      cfg,
				ExpectError: errorRE(`Cannot delete AI API key.*Previous AI API key not retired.*still works and stays in the state`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 2),
					resource.TestCheckResourceAttrSet(testRotatingAddr, "previous_secret")),
			},
			{
				Config:            cfg,
				ConfigStateChecks: noPrevious(),
				Check:             resource.ComposeAggregateTestCheckFunc(checkRotatingKeys(emu), checkLiveKeys(emu, 1)),
			},
		},
	})
}

// The overlap is decided at refresh: Read notes its clock, and every plan
// after it goes by that note. A plan made again at apply time, when the clock
// has passed the end of the overlap since, must plan what the first plan
// did, or Terraform fails the apply ("inconsistent final plan").
func TestRotating_planGoesByTheRefreshClock(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	clock := newTestClock()
	p := newProtoProviderWith(t, env, rotatingTuning(clock))
	typ := p.resourceType(rotatingKeyType)
	ctx := context.Background()
	c := env.newClient(t)
	cur := createKeyBeside(t, c, "app")
	prev := createKeyBeside(t, c, "app (retiring)")
	rotatedAt := clock.now().Format(createdAtLayout)
	prior := p.typedObject(typ, map[string]any{
		"id": cur.ID, "repo_id": "repo-1", "name": "app", "ai_type": "OPENAI", "key": cur.Key, "secret": cur.Secret,
		"rotate_when": map[string]string{}, "overlap": "1h", "previous_id": prev.ID, "previous_key": prev.Key,
		"previous_secret": prev.Secret, "previous_name": "app (retiring)", "rotated_at": rotatedAt,
	})

	clock.advance(59 * time.Minute)
	read, err := p.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: rotatingKeyType, CurrentState: prior})
	if err != nil || hasError(read.Diagnostics) {
		t.Fatalf("read: %v %s", err, diagsText(read.Diagnostics))
	}
	renamed := p.decode(read.NewState, typ)
	renamed["name"] = "app v2"
	plan := func() map[string]any {
		t.Helper()
		resp, err := p.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: rotatingKeyType,
			PriorState: read.NewState, PriorPrivate: read.Private,
			ProposedNewState: p.typedObject(typ, renamed), Config: p.typedObject(typ, configOnly(renamed))})
		if err != nil || hasError(resp.Diagnostics) {
			t.Fatalf("plan: %v %s", err, diagsText(resp.Diagnostics))
		}
		return p.decode(resp.PlannedState, typ)
	}
	first := plan()
	clock.advance(2 * time.Minute) // the overlap has passed by the clock, not by the refresh's note
	again := plan()
	if first["previous_id"] != prev.ID || again["previous_id"] != prev.ID {
		t.Errorf("planned previous_id %v, then %v; want %s both times: a plan must go by the refresh's clock", first["previous_id"],
			again["previous_id"], prev.ID)
	}

	// The next refresh notes the new time, and the plan retires the key.
	read, err = p.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: rotatingKeyType, CurrentState: read.NewState,
		Private: read.Private})
	if err != nil || hasError(read.Diagnostics) {
		t.Fatalf("read: %v %s", err, diagsText(read.Diagnostics))
	}
	resp, err := p.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: rotatingKeyType,
		PriorState: read.NewState, PriorPrivate: read.Private, ProposedNewState: read.NewState,
		Config: p.typedObject(typ, configOnly(p.decode(read.NewState, typ)))})
	if err != nil || hasError(resp.Diagnostics) {
		t.Fatalf("plan: %v %s", err, diagsText(resp.Diagnostics))
	}
	if got := p.decode(resp.PlannedState, typ)["previous_id"]; got != nil {
		t.Errorf("after a refresh past the overlap, planned previous_id %v, want null", got)
	}
	want := errorRE(`WARNING: Previous AI API key retires in this apply: The previous key ` + prev.ID + ` of this ` +
		`flashback_repo_ai_apikey_rotating \(repo repo-1\), rotated out at ` + rotatedAt + `, retired at .* when its overlap of 1h had ` +
		`passed: this apply deletes it. Whatever still uses its secret \(previous_secret\) stops working`)
	if text := diagsText(resp.Diagnostics); !want.MatchString(text) {
		t.Errorf("the plan does not say in plain words that it deletes the previous key:\n%s", text)
	}
}

// configOnly is a resource object as its configuration gives it: the
// arguments, every computed attribute null.
func configOnly(obj map[string]any) map[string]any {
	out := map[string]any{}
	for _, a := range []string{"repo_id", "name", "ai_type", "rotate_when", "overlap"} {
		out[a] = obj[a]
	}
	return out
}

// What the plan of a rotating key says, besides its values.
func TestRotating_planWarnings(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	state := rotatingKeyModel{
		ID: types.StringValue("cur"), RepoID: types.StringValue("repo-1"), Name: types.StringValue("app"),
		RotateWhen: noKeepers(), Overlap: types.StringValue("1h"), Secret: types.StringValue("s"),
		PreviousID: types.StringValue("prev"), PreviousName: types.StringValue("app"),
		RotatedAt:  types.StringValue(at.Format(createdAtLayout)),
		RetiredIDs: listOfIDs([]string{"old"}),
	}
	rotate := state
	rotate.RotateWhen = types.MapValueMust(types.StringType, map[string]attr.Value{"v": types.StringValue("2")})
	for _, tc := range []struct {
		name    string
		plan    rotatingKeyModel
		checked time.Time
		want    []string
	}{
		{"overlap running", state, at.Add(30 * time.Minute), []string{
			"Retired AI API keys are deleted in this apply: An earlier rotation of this key took key old out of service " +
				"but could not delete it: it still works. This apply deletes it"}},
		{"rotation within the overlap", rotate, at.Add(30 * time.Minute), []string{
			"Rotation deletes a previous key still in its overlap: This rotation makes key cur the previous key, and " +
				"deletes the previous key prev, which would have kept working until 2026-01-01T01:00:00.000Z"}},
		{"rotation after the overlap", rotate, at.Add(2 * time.Hour), []string{
			"Previous AI API key retires in this apply: This rotation makes key cur the previous key and deletes the " +
				"previous key prev, which retired at 2026-01-01T01:00:00.000Z"}},
		{"no refresh yet", state, time.Time{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			planned, diags := planUpdate(state, tc.plan, tc.checked)
			text := diagText(diags)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, text)
				}
			}
			if !planned.RetiredIDs.IsNull() {
				t.Errorf("retired_ids planned %v, want null: the apply deletes them", planned.RetiredIDs)
			}
			if tc.name == "overlap running" && planned.PreviousName.ValueString() != "app (retiring)" {
				t.Errorf("previous_name planned %v: a previous key not named (retiring) is renamed", planned.PreviousName)
			}
		})
	}
}

// newProtoProviderWith is newProtoProvider with the given tuning.
func newProtoProviderWith(t *testing.T, env *testEnv, tn tuning) *protoProvider {
	t.Helper()
	p := newUnconfiguredProtoProvider(t)
	s, err := providerserver.NewProtocol6WithError(newWithTuning("test", tn)())()
	if err != nil {
		t.Fatal(err)
	}
	server, ok := s.(protocolServer)
	if !ok {
		t.Fatalf("the provider's protocol server (%T) has no list resource calls", s)
	}
	p.server = server
	resp, err := server.ConfigureProvider(context.Background(), &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config: p.stringObject(p.schema.Provider.ValueType(), map[string]string{
			"base_url": env.baseURL, "access_token": env.token, "list_cache_ttl": "1h",
		}),
	})
	if err != nil || hasError(resp.Diagnostics) {
		t.Fatalf("ConfigureProvider: %v %s", err, diagsText(resp.Diagnostics))
	}
	return p
}

// createKeyBeside creates an OpenAI key named name in repo-1 through c.
func createKeyBeside(t *testing.T, c *client.Client, name string) *client.CreatedAIAPIKey {
	t.Helper()
	k, err := c.AIAPIKeys.Create(context.Background(), "repo-1", client.CreateAIAPIKeyRequest{Name: name, AIType: client.AITypeOpenAI})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// privateMap is a private state for unit tests: read and written.
type privateMap map[string][]byte

func (p privateMap) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

func (p privateMap) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	if len(value) == 0 {
		delete(p, key)
		return nil
	}
	p[key] = value
	return nil
}

// A rotation names what it deleted and why it could: the key an interrupted
// rotation left before it, and the key its own lost attempt made, both under
// the rotation's name. A key another writer gave the configured name is
// neither named nor deleted.
func TestRotating_rotationNamesWhatItDeletes(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	keys := newUnitResource(t, emu, token, testTuning, 3)
	r := &repoAIAPIKeyRotatingResource{data: keys.data}
	ctx := context.Background()
	cur, _ := keys.createKey(ctx, "repo-1", "app", client.AITypeOpenAI)
	left := createBeside(t, emu, token, "repo-1", rotationName(cur.ID), client.AITypeOpenAI)
	others := createBeside(t, emu, token, "repo-1", "app", client.AITypeOpenAI)
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway, AfterAct: true, Count: 1})
	state := rotatingKeyModel{
		ID: types.StringValue(cur.ID), RepoID: types.StringValue("repo-1"), Name: types.StringValue("app"),
		AIType: types.StringValue(client.AITypeOpenAI), RotateWhen: noKeepers(), Overlap: types.StringValue("1h"),
		Key: types.StringValue(cur.Key), Secret: types.StringValue(cur.Secret), CreatedAt: types.StringNull(),
		RetiredIDs: types.ListNull(types.StringType),
	}
	state.dropPrevious()
	plan := state
	plan.RotateWhen = types.MapValueMust(types.StringType, map[string]attr.Value{"v": types.StringValue("2")})

	next, rotated, diags := r.rotate(ctx, privateMap{}, privateMap{}, state, plan)
	if !rotated || diags.HasError() {
		t.Fatalf("rotate: %v %s", rotated, diagText(diags))
	}
	var lost string
	for _, k := range emu.LiveKeys("repo-1") {
		if k.ID != next.ID.ValueString() && k.ID != cur.ID && k.ID != others {
			lost = k.ID
		}
	}
	if lost != "" {
		t.Errorf("key %s, which the lost attempt made, is still live", lost)
	}
	text := diagText(diags)
	for _, want := range []string{
		"AI API key left by a rotation deleted: Key " + left + " in repo repo-1, named \"" + rotationName(cur.ID) + "\"",
		"AI API key created after an unknown outcome",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, others) {
		t.Errorf("diagnostics name the other writer's key %s:\n%s", others, text)
	}
	if n := strings.Count(text, "AI API key left by a rotation deleted"); n != 2 {
		t.Errorf("%d keys named as deleted leftovers, want 2 (the interrupted rotation's and the lost attempt's):\n%s", n, text)
	}
	if !keyIsLive(emu, others) || !keyIsLive(emu, cur.ID) || !keyIsLive(emu, next.ID.ValueString()) {
		t.Errorf("a key that is not the rotation's was deleted: live %+v", emu.LiveKeys("repo-1"))
	}
}
