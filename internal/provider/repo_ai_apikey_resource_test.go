package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
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

const testKeyAddr = "flashback_repo_ai_apikey.test"

func keyConfig(label, repoID, name, aiType string) string {
	return fmt.Sprintf(`
resource "flashback_repo_ai_apikey" %[1]q {
  repo_id = %[2]q
  name    = %[3]q
  ai_type = %[4]q
}
`, label, repoID, name, aiType)
}

var (
	pathID        = tfjsonpath.New("id")
	pathKey       = tfjsonpath.New("key")
	pathSecret    = tfjsonpath.New("secret")
	pathCreatedAt = tfjsonpath.New("created_at")
	pathName      = tfjsonpath.New("name")
	pathKeepers   = tfjsonpath.New("keepers")

	uuidPattern      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	createdAtPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

// sameAcrossSteps returns two sets of state checks, for two steps, that fail
// unless each attribute has the same value after both.
func sameAcrossSteps(paths ...tfjsonpath.Path) (first, second []statecheck.StateCheck) {
	return compareAcrossSteps(compare.ValuesSame(), paths...)
}

func differAcrossSteps(paths ...tfjsonpath.Path) (first, second []statecheck.StateCheck) {
	return compareAcrossSteps(compare.ValuesDiffer(), paths...)
}

func compareAcrossSteps(c compare.ValueComparer, paths ...tfjsonpath.Path) (first, second []statecheck.StateCheck) {
	type valueCollector interface {
		AddStateValue(resourceAddress string, attributePath tfjsonpath.Path) statecheck.StateCheck
	}
	comparers := make([]valueCollector, len(paths))
	for i := range paths {
		comparers[i] = statecheck.CompareValue(c)
	}
	checks := func() []statecheck.StateCheck {
		out := make([]statecheck.StateCheck, len(paths))
		for i, p := range paths {
			out[i] = comparers[i].AddStateValue(testKeyAddr, p)
		}
		return out
	}
	return checks(), checks()
}

// created_at is null right after the create (its answer has no creation
// time) and filled in by the next refresh, which plans no change.
func TestAccRepoAIAPIKey_basic(t *testing.T) {
	env := newTestEnv(t)
	cfg := env.config(keyConfig("test", env.repo(), "Production AI Key", "OPENAI"))
	step1, step2 := sameAcrossSteps(pathID, pathKey, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectSensitiveValue(testKeyAddr, pathSecret),
				},
				// The step's own post-apply plan must be empty too; this says so explicitly.
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: append(step1,
				statecheck.ExpectKnownValue(testKeyAddr, tfjsonpath.New("repo_id"), knownvalue.StringExact(env.repo())),
				statecheck.ExpectKnownValue(testKeyAddr, pathName, knownvalue.StringExact("Production AI Key")),
				statecheck.ExpectKnownValue(testKeyAddr, tfjsonpath.New("ai_type"), knownvalue.StringExact("OPENAI")),
				statecheck.ExpectKnownValue(testKeyAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
				statecheck.ExpectKnownValue(testKeyAddr, pathKey, knownvalue.StringRegexp(regexp.MustCompile(`^FB_AI_.+`))),
				statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.StringRegexp(regexp.MustCompile(`^.{16,}$`))),
				statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.Null()),
				// No keepers is {}, whether unset, null or {}: see keepers_test.go.
				statecheck.ExpectKnownValue(testKeyAddr, pathKeepers, knownvalue.MapExact(map[string]knownvalue.Check{})),
			),
			Check: env.checkServerMatchesState(t),
		}, {
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: append(step2,
				statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern))),
			Check: env.checkServerMatchesState(t),
		}},
	})
}

func TestAccRepoAIAPIKey_renameInPlace(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	step1, step2 := sameAcrossSteps(pathID, pathKey, pathSecret, pathCreatedAt)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(keyConfig("test", env.repo(), "before", "ANTHROPIC"))},
			{
				// The refresh fills in created_at, which the rename must keep.
				Config:            env.config(keyConfig("test", env.repo(), "before", "ANTHROPIC")),
				ConfigStateChecks: step1,
			},
			{
				PreConfig: emu.ResetCounters,
				Config:    env.config(keyConfig("test", env.repo(), "after", "ANTHROPIC")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionUpdate),
						// What the server decided is known in the plan, not "(known after apply)".
						plancheck.ExpectKnownValue(testKeyAddr, pathID, knownvalue.NotNull()),
						plancheck.ExpectKnownValue(testKeyAddr, pathKey, knownvalue.NotNull()),
						plancheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.NotNull()),
						plancheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.NotNull()),
					},
				},
				ConfigStateChecks: append(step2,
					statecheck.ExpectKnownValue(testKeyAddr, pathName, knownvalue.StringExact("after"))),
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkServerMatchesState(t),
					func(*terraform.State) error {
						if n := emu.Requests("PUT", "update"); n != 1 {
							return fmt.Errorf("rename sent %d PUT requests, want exactly 1", n)
						}
						if n := emu.Requests("POST", "create") + emu.Requests("DELETE", "delete"); n != 0 {
							return fmt.Errorf("rename sent %d create or delete requests, want none", n)
						}
						return nil
					},
				),
			},
		},
	})
}

func TestAccRepoAIAPIKey_aiTypeForcesReplacement(t *testing.T) {
	env := newTestEnv(t)
	step1, step2 := differAcrossSteps(pathID, pathKey, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            env.config(keyConfig("test", env.repo(), "typed", "OPENAI")),
				ConfigStateChecks: step1,
			},
			{
				Config: env.config(keyConfig("test", env.repo(), "typed", "GOOGLE")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectUnknownValue(testKeyAddr, pathSecret),
					},
				},
				ConfigStateChecks: append(step2,
					statecheck.ExpectKnownValue(testKeyAddr, tfjsonpath.New("ai_type"), knownvalue.StringExact("GOOGLE"))),
				Check: env.checkServerMatchesState(t),
			},
		},
	})
}

func TestAccRepoAIAPIKey_repoForcesReplacement(t *testing.T) {
	env := newTestEnv(t)
	env.emulator(t) // a second repo is only known to exist in the emulator
	step1, step2 := differAcrossSteps(pathID, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            env.config(keyConfig("test", env.repos[0], "moved", "OTHER")),
				ConfigStateChecks: step1,
			},
			{
				Config: env.config(keyConfig("test", env.repos[1], "moved", "OTHER")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: step2,
				Check:             env.checkServerMatchesState(t),
			},
		},
	})
}

func TestAccRepoAIAPIKey_deletedOutsideTerraform(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	var firstID string
	step1, step2 := differAcrossSteps(pathID, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(keyConfig("test", env.repo(), "doomed", "OPENAI"))},
			{
				// A refresh lists the key. Until a list has shown it, a key
				// that a list does not show may just not be listed yet, and
				// is kept for a while (TestAccReliability_readAfterCreateListLagsLong).
				Config:            env.config(keyConfig("test", env.repo(), "doomed", "OPENAI")),
				ConfigStateChecks: step1,
				Check:             resource.TestCheckResourceAttrWith(testKeyAddr, "id", func(v string) error { firstID = v; return nil }),
			},
			{
				PreConfig: func() {
					if err := emu.DeleteKey(env.repo(), firstID); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(keyConfig("test", env.repo(), "doomed", "OPENAI")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionCreate),
					},
				},
				ConfigStateChecks: step2,
				Check:             env.checkServerMatchesState(t),
			},
		},
	})
}

func TestAccRepoAIAPIKey_renamedOutsideTerraform(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t)
	var id string
	step1, step2 := sameAcrossSteps(pathID, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            env.config(keyConfig("test", env.repo(), "configured", "GOOGLE")),
				ConfigStateChecks: step1,
				Check:             resource.TestCheckResourceAttrWith(testKeyAddr, "id", func(v string) error { id = v; return nil }),
			},
			{
				PreConfig: func() {
					if err := emu.RenameKey(env.repo(), id, "renamed in the UI"); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(keyConfig("test", env.repo(), "configured", "GOOGLE")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionUpdate),
					},
				},
				ConfigStateChecks: append(step2, statecheck.ExpectKnownValue(testKeyAddr, pathName, knownvalue.StringExact("configured"))),
				Check:             env.checkServerMatchesState(t),
			},
		},
	})
}

func TestAccRepoAIAPIKey_import(t *testing.T) {
	env := newTestEnv(t)
	cfg := env.config(keyConfig("test", env.repo(), "imported", "ANTHROPIC"))
	importID := func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[testKeyAddr]
		if !ok {
			return "", fmt.Errorf("%s not in state", testKeyAddr)
		}
		return rs.Primary.Attributes["repo_id"] + "/" + rs.Primary.ID, nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: cfg},
			// A refresh fills in created_at, which the import reads too.
			{Config: cfg},
			{
				// terraform import
				Config:                               cfg,
				ResourceName:                         testKeyAddr,
				ImportState:                          true,
				ImportStateIdFunc:                    importID,
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				// The secret is returned only at create; an import cannot recover it.
				ImportStateVerifyIgnore: []string{"secret"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances, want 1", len(states))
					}
					if v, ok := states[0].Attributes["secret"]; ok && v != "" {
						return fmt.Errorf("imported secret is %q, want null", v)
					}
					return nil
				},
			},
			{
				// An import block: the plan that imports must be a no-op otherwise.
				Config:            cfg,
				ResourceName:      testKeyAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: importID,
			},
		},
	})
}

// An unknown key is an import error that names the import ID, not drift:
// Read knows from ImportState that it is importing.
func TestAccRepoAIAPIKey_importErrors(t *testing.T) {
	env := newTestEnv(t)
	cfg := env.config(keyConfig("test", env.repo(), "imported", "OPENAI"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:        cfg,
				ResourceName:  testKeyAddr,
				ImportState:   true,
				ImportStateId: "no-slash-here",
				ExpectError:   errorRE(`Invalid import ID.*<repo_id>/<id>.*"no-slash-here"`),
			},
			{
				Config:        cfg,
				ResourceName:  testKeyAddr,
				ImportState:   true,
				ImportStateId: env.repo() + "/00000000-0000-4000-8000-000000000000",
				ExpectError: errorRE(`AI API key not found.*00000000-0000-4000-8000-000000000000 in repo ` +
					regexp.QuoteMeta(env.repo()) + `.*deleted ones cannot be imported.*Check the import ID "` +
					regexp.QuoteMeta(env.repo()) + `/00000000-0000-4000-8000-000000000000"`),
			},
		},
	})
}

// keyProtocolServer is the provider as Terraform talks to it, configured for
// env, and the key resource's type: for what acceptance tests cannot see,
// such as warnings.
func keyProtocolServer(t *testing.T, env *testEnv) (tfprotov6.ProviderServer, tftypes.Type) {
	t.Helper()
	p := newProtoProvider(t, env, env.token)
	return p.server, p.resourceType("flashback_repo_ai_apikey")
}

// ImportState hands repo_id and id to Read, which fills in the rest and
// warns that the secret cannot be recovered.
func TestImportState_readFillsTheKeyAndWarnsOfTheSecret(t *testing.T) {
	t.Parallel()
	env := newEmulatorEnv(t, nil, nil)
	created, err := env.newClient(t).AIAPIKeys.Create(context.Background(), "repo-1",
		client.CreateAIAPIKeyRequest{Name: "imported", AIType: client.AITypeOpenAI})
	if err != nil {
		t.Fatal(err)
	}
	srv, keyType := keyProtocolServer(t, env)
	ctx := context.Background()
	imp, err := srv.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "flashback_repo_ai_apikey", ID: "repo-1/" + created.ID})
	if err != nil || len(imp.Diagnostics) > 0 || len(imp.ImportedResources) != 1 {
		t.Fatalf("import: %v %+v", err, imp)
	}
	read, err := srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: "flashback_repo_ai_apikey",
		CurrentState: imp.ImportedResources[0].State, Private: imp.ImportedResources[0].Private})
	if err != nil {
		t.Fatal(err)
	}
	warned := false
	for _, d := range read.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("read after import: %s: %s", d.Summary, d.Detail)
		}
		if d.Summary == "Secret not imported" && strings.Contains(d.Detail, "cannot be recovered") && strings.Contains(d.Detail, created.ID) {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that the secret cannot be recovered: %+v", read.Diagnostics)
	}
	if strings.Contains(string(read.Private), privateImportingKey) {
		t.Errorf("the private state still marks the key as importing: %s", read.Private)
	}
	v, err := read.NewState.Unmarshal(keyType)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	str := func(name string) string {
		var s string
		if err := attrs[name].As(&s); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		return s
	}
	if !attrs["secret"].IsNull() {
		t.Errorf("imported secret = %v, want null", attrs["secret"])
	}
	if str("id") != created.ID || str("repo_id") != "repo-1" || str("name") != "imported" || str("ai_type") != client.AITypeOpenAI ||
		str("key") != created.Key || !createdAtPattern.MatchString(str("created_at")) {
		t.Errorf("imported state %v does not describe key %s", attrs, created.ID)
	}
}

func TestAccRepoAIAPIKey_validation(t *testing.T) {
	env := newTestEnv(t)
	testPlanErrors(t, env, []planErrorCase{
		{"ai_type not allowed", keyConfig("test", env.repo(), "k", "OPENAI_GPT"),
			errorRE(`ai_type.*one of: \["OPENAI" "GOOGLE" "ANTHROPIC" "AWS" "OTHER"\], got: "OPENAI_GPT"`)},
		{"empty name", keyConfig("test", env.repo(), "", "OPENAI"), errorRE(`name.*at least 1`)},
		{"blank name", keyConfig("test", env.repo(), "   ", "OPENAI"), errorRE(`Attribute name must not be empty or only white space, got:`)},
		{"tab name", keyConfig("test", env.repo(), "\t", "OPENAI"), errorRE(`name must not be empty or only white space`)},
		{"empty repo_id", keyConfig("test", "", "k", "OPENAI"), errorRE(`repo_id.*at least 1`)},
	})
}

// A 400 names what was sent and the server's reason, and is not something
// to wait out.
func TestAccRepoAIAPIKey_createRefused(t *testing.T) {
	env := newTestEnv(t)
	env.emulator(t) // the emulator's own limit on names
	long := strings.Repeat("n", emulator.MaxNameLength+1)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), long, "OPENAI")),
			ExpectError: errorRE(`Cannot create AI API key.*400 Bad Request: name must be at most 255 characters.*` +
				`Flashback refused the values sent \(name "` + long + `", ai_type "OPENAI"\): change them as its message says`),
		}},
	})
}

// A base_url with a wrong path prefix gets 404 for everything: the error says
// that the repo does not exist, or base_url is wrong.
func TestAccRepoAIAPIKey_baseURLWrongPathPrefix(t *testing.T) {
	env := newTestEnv(t)
	env.emulator(t) // where the real API lives is its own business
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), "k", "OPENAI"), withProviderAttr("base_url", strconv.Quote(env.baseURL+"/api"))),
			ExpectError: errorRE(`Cannot create AI API key.*404 Not Found.*Either repo repo-1 does not exist \(check repo_id\), ` +
				`or base_url does not point at the Flashback API`),
		}},
	})
}

func TestAccRepoAIAPIKey_unauthorized(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(keyConfig("test", env.repo(), "k", "OPENAI"), withToken("fbt_not-the-token")),
			ExpectError: errorRE(`Flashback rejected the access token.*401.*FLASHBACK_ACCESS_TOKEN`),
		}},
	})
}

func TestAccRepoAIAPIKey_forbiddenRepo(t *testing.T) {
	env := newTestEnv(t)
	env.emulator(t) // which repos a real token cannot reach is unknown
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(keyConfig("test", "someone-elses-repo", "k", "OPENAI")),
			ExpectError: errorRE(`No access to Flashback repo someone-elses-repo.*403.*check repo_id`),
		}},
	})
}

// A list that shows deleted keys marks them with deletedAt: such a key was
// deleted, and the next plan creates it again, even right after its create,
// when a key that is merely not listed would be kept.
func TestAccRepoAIAPIKey_listedAsDeleted(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.ListDeleted = true }, nil)
	emu := env.emu
	var firstID string
	cfg := env.config(keyConfig("test", env.repo(), "soft", "OPENAI"))
	step1, step2 := differAcrossSteps(pathID, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: step1,
				Check:             resource.TestCheckResourceAttrWith(testKeyAddr, "id", func(v string) error { firstID = v; return nil }),
			},
			{
				PreConfig: func() {
					if err := emu.DeleteKey(env.repo(), firstID); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: step2,
				Check:             env.checkServerMatchesState(t),
			},
		},
	})
}

// Every write the provider makes forgets the cached list of its repo: a read
// later in the same apply sees the write, even within list_cache_ttl. Here a
// data source lists the repo, then a key is renamed and another created,
// then a second data source lists the repo again.
func TestAccRepoAIAPIKey_writesInvalidateCachedLists(t *testing.T) {
	env := newTestEnv(t)
	names := func(addr string, want ...string) statecheck.StateCheck {
		return stateValuesCheck(func(byAddr map[string]map[string]any) error {
			keys, err := listedKeys(byAddr, addr)
			if err != nil {
				return err
			}
			got := map[string]bool{}
			for _, k := range keys {
				name, _ := k["name"].(string)
				got[name] = true
			}
			for _, w := range want {
				if !got[w] {
					return fmt.Errorf("%s does not list %q; it lists %v", addr, w, got)
				}
			}
			return nil
		})
	}
	a, b, c := uniqueKeyName(t, "a"), uniqueKeyName(t, "b"), uniqueKeyName(t, "c")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(keyConfig("a", env.repo(), a, "OPENAI"))},
			{
				Config: env.config(keyConfig("b", env.repo(), b, "OPENAI") +
					keysDataConfig("before", env.repo(), "", "b") +
					withDependsOn(keyConfig("a", env.repo(), a+"-renamed", "OPENAI"), "data.flashback_repo_ai_apikeys.before") +
					withDependsOn(keyConfig("c", env.repo(), c, "OPENAI"), "data.flashback_repo_ai_apikeys.before") +
					keysDataConfig("after", env.repo(), "", "a", "c")),
				ConfigStateChecks: []statecheck.StateCheck{
					names("data.flashback_repo_ai_apikeys.before", a, b),
					names("data.flashback_repo_ai_apikeys.after", a+"-renamed", b, c),
				},
			},
		},
	})
}

// withDependsOn adds a depends_on line naming addrs to a resource block.
func withDependsOn(block string, addrs ...string) string {
	return strings.TrimSuffix(block, "}\n") + "  depends_on = [" + strings.Join(addrs, ", ") + "]\n}\n"
}

// A key the list does not show yet is looked for again after growing waits;
// cancelling one of them ends the search: one list, one wait.
func TestFind_recheckEndsWithContext(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{ListLag: time.Hour})
	ctx, tn, waits := interruptedInWait(t)
	r := newUnitResource(t, emu, token, tn, 0)
	created, err := r.data.client.AIAPIKeys.Create(context.Background(), "repo-1",
		client.CreateAIAPIKeyRequest{Name: "hidden", AIType: client.AITypeOpenAI})
	if err != nil {
		t.Fatal(err)
	}

	listed, err := r.data.keys.find(ctx, "repo-1", created.ID, true)
	if !errors.Is(err, context.Canceled) || listed != nil {
		t.Errorf("find = %v, %v; want nil, context.Canceled", listed, err)
	}
	if n := emu.Requests(http.MethodGet, emulator.OpList); n != 1 {
		t.Errorf("find listed %d times before it was cancelled, want 1", n)
	}
	if n := waits.count(); n != 1 {
		t.Errorf("find waited %d times, want once: the wait it was cancelled in", n)
	}
}

// Cancelling find, once the server has answered the first list with a 503,
// ends its wait for the list, whose request is in the client's backoff (or
// still reading the answer). The backoff is an hour, longer than any test may
// run: that find returns at all, after one request, proves that the cancel
// ended the wait.
func TestFind_retryBackoffEndsWithContext(t *testing.T) {
	t.Parallel()
	emu, token := newUnitEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodGet, Op: emulator.OpList, Status: http.StatusServiceUnavailable})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r := newUnitResource(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		emu.ServeHTTP(w, req)
		cancel()
	}), token, hourLong, 5)

	_, err := r.data.keys.find(ctx, "repo-1", "00000000-0000-4000-8000-000000000000", false)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("find error = %v, want context.Canceled", err)
	}
	if n := emu.Requests(http.MethodGet, emulator.OpList); n != 1 {
		t.Errorf("find listed %d times, want once: the backoff after it was cancelled", n)
	}
}

type privateStub map[string][]byte

func (p privateStub) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

// Only a key the list never showed, created moments ago by this provider, is
// kept when the list does not show it; any other is taken as deleted.
func TestTooNewToBeListed(t *testing.T) {
	t.Parallel()
	r := newUnitResource(t, cannedAPI{}, "fbt_t", testTuning, 0)
	at := func(d time.Duration) privateStub {
		b, err := json.Marshal(time.Now().Add(-d).UTC())
		if err != nil {
			t.Fatal(err)
		}
		return privateStub{privateCreatedKey: b}
	}
	never := repoAIAPIKeyModel{CreatedAt: types.StringNull()}
	listed := repoAIAPIKeyModel{CreatedAt: types.StringValue(time.Now().UTC().Format(createdAtLayout))}
	cases := []struct {
		name    string
		state   repoAIAPIKeyModel
		private privateGetter
		want    bool
	}{
		{"never listed, created a moment ago", never, at(time.Second), true},
		{"never listed, created long ago", never, at(recentObjectWindow + time.Minute), false},
		{"never listed, creation time unknown", never, privateStub{}, false},
		{"never listed, creation time unreadable", never, privateStub{privateCreatedKey: []byte(`"soon"`)}, false},
		{"listed before", listed, at(time.Second), false},
	}
	for _, tc := range cases {
		if got := r.data.engine.tooNewToBeListed(context.Background(), tc.state.CreatedAt, tc.private); got != tc.want {
			t.Errorf("%s: tooNewToBeListed = %v, want %v", tc.name, got, tc.want)
		}
	}
}
