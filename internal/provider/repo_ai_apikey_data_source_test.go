package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const testKeyDataAddr = "data.flashback_repo_ai_apikey.test"

// keyDataConfig is a flashback_repo_ai_apikey data source; lookup holds its id
// and/or name lines.
func keyDataConfig(repoID, lookup string, after ...string) string {
	return fmt.Sprintf(`
data "flashback_repo_ai_apikey" "test" {
  repo_id = %[1]q
%[2]s%[3]s}
`, repoID, lookup, dependsOnKeys(after...))
}

// matchesTestKey proves that the data source found the key the resource
// created, with everything the resource knows of it, and that its state holds
// only the attributes of the schema: no secret. The resource knows created_at
// only after a refresh: refreshed says whether one has happened.
func matchesTestKey(refreshed bool) []statecheck.StateCheck {
	checks := []statecheck.StateCheck{
		stateValuesCheck(func(byAddr map[string]map[string]any) error {
			values, ok := byAddr[testKeyDataAddr]
			if !ok {
				return fmt.Errorf("%s not in state", testKeyDataAddr)
			}
			want := map[string]bool{"repo_id": true, "id": true, "name": true, "key": true, "ai_type": true, "created_at": true}
			for attr := range values {
				if !want[attr] {
					return fmt.Errorf("%s has an unexpected attribute %q", testKeyDataAddr, attr)
				}
			}
			secret, _ := byAddr[testKeyAddr]["secret"].(string)
			if secret == "" {
				return fmt.Errorf("%s has no secret to look for", testKeyAddr)
			}
			return noValueContains(testKeyDataAddr, values, secret)
		}),
		statecheck.ExpectKnownValue(testKeyDataAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
		statecheck.ExpectKnownValue(testKeyDataAddr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern)),
	}
	attrs := []string{"repo_id", "id", "name", "key", "ai_type"}
	if refreshed {
		attrs = append(attrs, "created_at")
	} else {
		checks = append(checks, statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.Null()))
	}
	for _, attr := range attrs {
		checks = append(checks, statecheck.CompareValuePairs(testKeyDataAddr, tfjsonpath.New(attr),
			testKeyAddr, tfjsonpath.New(attr), compare.ValuesSame()))
	}
	return checks
}

// The id comes from a key created in the same apply, so this is also the
// data source reading a key that did not exist when the plan was made.
func TestAccRepoAIAPIKeyDataSource_byID(t *testing.T) {
	env := newTestEnv(t)
	cfg := env.config(keyConfig("test", env.repo(), uniqueKeyName(t, "by-id"), "ANTHROPIC") +
		keyDataConfig(env.repo(), "  id = flashback_repo_ai_apikey.test.id\n"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testKeyDataAddr, plancheck.ResourceActionRead),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: append(matchesTestKey(false),
				statecheck.ExpectKnownValue(testKeyDataAddr, tfjsonpath.New("ai_type"), knownvalue.StringExact("ANTHROPIC"))),
		}, {
			Config:            cfg,
			ConfigStateChecks: matchesTestKey(true),
		}},
	})
}

func TestAccRepoAIAPIKeyDataSource_byName(t *testing.T) {
	env := newTestEnv(t)
	name := uniqueKeyName(t, "by-name")
	cfg := env.config(keyConfig("test", env.repo(), name, "GOOGLE") +
		keyConfig("other", env.repo(), name+"-other", "GOOGLE") +
		keyDataConfig(env.repo(), fmt.Sprintf("  name = %q\n", name), "test", "other"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: append(matchesTestKey(false),
				statecheck.ExpectKnownValue(testKeyDataAddr, pathName, knownvalue.StringExact(name))),
		}, {
			Config:            cfg,
			ConfigStateChecks: matchesTestKey(true),
		}},
	})
}

func TestAccRepoAIAPIKeyDataSource_notFoundByName(t *testing.T) {
	env := newTestEnv(t)
	name := uniqueKeyName(t, "nowhere")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			// A key whose name differs only in case is not a match.
			Config: env.config(keyConfig("test", env.repo(), strings.ToUpper(name), "OPENAI") +
				keyDataConfig(env.repo(), fmt.Sprintf("  name = %q\n", name), "test")),
			ExpectError: errorRE(`AI API key not found.*` +
				regexp.QuoteMeta(fmt.Sprintf("No AI API key with name %q in repo %s.", name, env.repo())) +
				`.*typo.*flashback_repo_ai_apikeys`),
		}},
	})
}

func TestAccRepoAIAPIKeyDataSource_notFoundByID(t *testing.T) {
	env := newTestEnv(t)
	const id = "00000000-0000-4000-8000-000000000000"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keyDataConfig(env.repo(), fmt.Sprintf("  id = %q\n", id))),
			ExpectError: errorRE(`AI API key not found.*` +
				regexp.QuoteMeta(fmt.Sprintf("No AI API key with id %s in repo %s.", id, env.repo())) +
				`.*` + regexp.QuoteMeta("check id and repo_id") + `.*flashback_repo_ai_apikeys`),
		}},
	})
}

// The keys are made beside Terraform so that their ids are known before the
// step that must name them in its error.
func TestAccRepoAIAPIKeyDataSource_duplicateNames(t *testing.T) {
	env := newTestEnv(t)
	name := uniqueKeyName(t, "twice")
	c := env.newClient(t)
	var ids []string
	for _, aiType := range []string{"OPENAI", "GOOGLE"} {
		created, err := c.AIAPIKeys.Create(context.Background(), env.repo(), client.CreateAIAPIKeyRequest{Name: name, AIType: aiType})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, created.ID)
		t.Cleanup(func() {
			if err := c.AIAPIKeys.Delete(context.Background(), env.repo(), created.ID); err != nil && !client.IsNotFound(err) {
				t.Errorf("deleting test key %s: %s", created.ID, err)
			}
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(keyDataConfig(env.repo(), fmt.Sprintf("  name = %q\n", name))),
				ExpectError: errorRE(`Several AI API keys with this name.*` +
					regexp.QuoteMeta(fmt.Sprintf("2 AI API keys are named %q in repo %s, newest first: ", name, env.repo())) +
					regexp.QuoteMeta(ids[1]) + `\s+\(GOOGLE,.*;\s+` + regexp.QuoteMeta(ids[0]) + `\s+\(OPENAI,.*` +
					regexp.QuoteMeta("Set id instead of name")),
			},
			{
				// Either key can still be read by its id.
				Config: env.config(keyDataConfig(env.repo(), fmt.Sprintf("  id = %q\n", ids[0]))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testKeyDataAddr, pathName, knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(testKeyDataAddr, tfjsonpath.New("ai_type"), knownvalue.StringExact("OPENAI")),
				},
			},
		},
	})
}

func TestAccRepoAIAPIKeyDataSource_exactlyOneOfIDAndName(t *testing.T) {
	env := newTestEnv(t)
	cases := []struct {
		name, lookup string
		want         *regexp.Regexp
	}{
		{"neither", "",
			errorRE(`Invalid Attribute Combination.*` +
				regexp.QuoteMeta("No attribute specified when one (and only one) of [id,name] is required"))},
		{"both", "  id   = \"00000000-0000-4000-8000-000000000000\"\n  name = \"k\"\n",
			errorRE(`Invalid Attribute Combination.*` +
				regexp.QuoteMeta("2 attributes specified when one (and only one) of [id,name] is required"))},
		{"empty name", "  name = \"\"\n", errorRE(`name.*at least 1`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{{
					Config:      env.config(keyDataConfig(env.repo(), tc.lookup)),
					PlanOnly:    true,
					ExpectError: tc.want,
				}},
			})
		})
	}
}

// A key the list shows as deleted is not found, by id or by name.
func TestAccRepoAIAPIKeyDataSource_leavesOutDeletedKeys(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.ListDeleted = true }, nil)
	c := env.newClient(t)
	created, err := c.AIAPIKeys.Create(context.Background(), env.repo(), client.CreateAIAPIKeyRequest{Name: "gone", AIType: "OPENAI"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.emu.DeleteKey(env.repo(), created.ID); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:      env.config(keyDataConfig(env.repo(), fmt.Sprintf("  id = %q\n", created.ID))),
				ExpectError: errorRE(`AI API key not found.*` + regexp.QuoteMeta(fmt.Sprintf("No AI API key with id %s in repo %s.", created.ID, env.repo()))),
			},
			{
				Config:      env.config(keyDataConfig(env.repo(), "  name = \"gone\"\n")),
				ExpectError: errorRE(`AI API key not found.*` + regexp.QuoteMeta(`No AI API key with name "gone" in repo repo-1.`)),
			},
		},
	})
}

func TestAccRepoAIAPIKeyDataSource_forbiddenRepo(t *testing.T) {
	env := newTestEnv(t)
	env.emulator(t) // which repos a real token cannot reach is unknown
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keyDataConfig("someone-elses-repo", "  name = \"k\"\n")),
			ExpectError: errorRE(regexp.QuoteMeta("No access to Flashback repo someone-elses-repo") +
				`.*403.*` + regexp.QuoteMeta("check repo_id")),
		}},
	})
}
