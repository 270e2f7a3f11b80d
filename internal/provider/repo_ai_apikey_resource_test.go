package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
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

func keyConfigWithKeepers(repoID, name, aiType, keeper string) string {
	return fmt.Sprintf(`
resource "flashback_repo_ai_apikey" "test" {
  repo_id = %[1]q
  name    = %[2]q
  ai_type = %[3]q
  keepers = {
    rotation = %[4]q
  }
}
`, repoID, name, aiType, keeper)
}

var (
	pathID        = tfjsonpath.New("id")
	pathKey       = tfjsonpath.New("key")
	pathSecret    = tfjsonpath.New("secret")
	pathCreatedAt = tfjsonpath.New("created_at")
	pathName      = tfjsonpath.New("name")

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

func TestAccRepoAIAPIKey_basic(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), "Production AI Key", "OPENAI")),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectSensitiveValue(testKeyAddr, pathSecret),
				},
				// The step's own post-apply plan must be empty too; this says so explicitly.
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testKeyAddr, tfjsonpath.New("repo_id"), knownvalue.StringExact(env.repo())),
				statecheck.ExpectKnownValue(testKeyAddr, pathName, knownvalue.StringExact("Production AI Key")),
				statecheck.ExpectKnownValue(testKeyAddr, tfjsonpath.New("ai_type"), knownvalue.StringExact("OPENAI")),
				statecheck.ExpectKnownValue(testKeyAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
				statecheck.ExpectKnownValue(testKeyAddr, pathKey, knownvalue.StringRegexp(regexp.MustCompile(`^FB_AI_.+`))),
				statecheck.ExpectKnownValue(testKeyAddr, pathSecret, knownvalue.StringRegexp(regexp.MustCompile(`^.{16,}$`))),
				statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern)),
				statecheck.ExpectKnownValue(testKeyAddr, tfjsonpath.New("keepers"), knownvalue.Null()),
			},
			Check: env.checkServerMatchesState(),
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
			{
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
					env.checkServerMatchesState(),
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
				Check: env.checkServerMatchesState(),
			},
		},
	})
}

func TestAccRepoAIAPIKey_keepersForceReplacement(t *testing.T) {
	env := newTestEnv(t)
	step1, step2 := differAcrossSteps(pathID, pathKey, pathSecret)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config:            env.config(keyConfigWithKeepers(env.repo(), "rotated", "AWS", "2026-01")),
				ConfigStateChecks: step1,
			},
			{
				Config: env.config(keyConfigWithKeepers(env.repo(), "rotated", "AWS", "2026-02")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testKeyAddr, plancheck.ResourceActionDestroyBeforeCreate),
					},
				},
				ConfigStateChecks: append(step2, statecheck.ExpectKnownValue(testKeyAddr, tfjsonpath.New("keepers"),
					knownvalue.MapExact(map[string]knownvalue.Check{"rotation": knownvalue.StringExact("2026-02")}))),
				Check: env.checkServerMatchesState(),
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
				Check:             env.checkServerMatchesState(),
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
			{
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
				Check:             env.checkServerMatchesState(),
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
				Check:             env.checkServerMatchesState(),
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
				ExpectError:   regexp.MustCompile(`(?s)Invalid import ID.*<repo_id>/<id>.*"no-slash-here"`),
			},
			{
				Config:        cfg,
				ResourceName:  testKeyAddr,
				ImportState:   true,
				ImportStateId: env.repo() + "/00000000-0000-4000-8000-000000000000",
				ExpectError: regexp.MustCompile(`(?s)AI API key not found.*` + regexp.QuoteMeta(env.repo()) +
					`.*00000000-0000-4000-8000-000000000000`),
			},
		},
	})
}

func TestAccRepoAIAPIKey_validation(t *testing.T) {
	env := newTestEnv(t)
	testPlanErrors(t, env, []planErrorCase{
		{"ai_type not allowed", keyConfig("test", env.repo(), "k", "OPENAI_GPT"),
			regexp.MustCompile(`(?s)ai_type.*one of:\s+\["OPENAI"\s+"GOOGLE"\s+"ANTHROPIC"\s+"AWS"\s+"OTHER"\],\s+got:\s+"OPENAI_GPT"`)},
		{"empty name", keyConfig("test", env.repo(), "", "OPENAI"),
			regexp.MustCompile(`(?s)name.*at least 1`)},
		{"empty repo_id", keyConfig("test", "", "k", "OPENAI"),
			regexp.MustCompile(`(?s)repo_id.*at least 1`)},
	})
}

func TestAccRepoAIAPIKey_unauthorized(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.configWithToken("fbt_not-the-token", keyConfig("test", env.repo(), "k", "OPENAI")),
			ExpectError: regexp.MustCompile(`(?s)Flashback rejected the access token.*401.*FLASHBACK_ACCESS_TOKEN`),
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
			ExpectError: regexp.MustCompile(`(?s)No access to Flashback repo someone-elses-repo.*403.*check repo_id`),
		}},
	})
}
