package provider

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const testKeysDataAddr = "data.flashback_repo_ai_apikeys.test"

var pathAPIKeys = tfjsonpath.New("api_keys")

// uniqueKeyName keeps a test's keys apart from every other test's when they
// share one repo of a real Flashback API.
func uniqueKeyName(t *testing.T, label string) string {
	return fmt.Sprintf("ds-%s-%s", label, randomHex(t, 4))
}

// keyConfigAfter is keyConfig for a key created only once the keys named in
// after exist, so that the order of creation is known.
func keyConfigAfter(label, repoID, name, aiType string, after ...string) string {
	return strings.TrimSuffix(keyConfig(label, repoID, name, aiType), "}\n") + dependsOnKeys(after...) + "}\n"
}

// dependsOnKeys is a depends_on line naming the given keys, or nothing.
func dependsOnKeys(keyLabels ...string) string {
	if len(keyLabels) == 0 {
		return ""
	}
	addrs := make([]string, len(keyLabels))
	for i, l := range keyLabels {
		addrs[i] = "flashback_repo_ai_apikey." + l
	}
	return "  depends_on = [" + strings.Join(addrs, ", ") + "]\n"
}

// keysDataConfig is a flashback_repo_ai_apikeys data source; filters holds its
// optional attributes as HCL lines. Depending on keys defers the read until
// they are created.
func keysDataConfig(label, repoID, filters string, after ...string) string {
	return fmt.Sprintf(`
data "flashback_repo_ai_apikeys" %[1]q {
  repo_id = %[2]q
%[3]s%[4]s}
`, label, repoID, filters, dependsOnKeys(after...))
}

// listedKeyIs checks one element of api_keys whole: exactly these five
// attributes, so a secret or any other attribute added to it fails the check.
func listedKeyIs(name, aiType string) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":         knownvalue.StringRegexp(uuidPattern),
		"name":       knownvalue.StringExact(name),
		"key":        knownvalue.StringRegexp(regexp.MustCompile(`^FB_AI_.+`)),
		"ai_type":    knownvalue.StringExact(aiType),
		"created_at": knownvalue.StringRegexp(createdAtPattern),
	})
}

// listedIDIs proves that element i of the data source's api_keys is the key
// the resource created.
func listedIDIs(dataAddr string, i int, keyLabel string) statecheck.StateCheck {
	return statecheck.CompareValuePairs(dataAddr, pathAPIKeys.AtSliceIndex(i).AtMapKey("id"),
		"flashback_repo_ai_apikey."+keyLabel, pathID, compare.ValuesSame())
}

// listedIncludes proves that the resource's key is somewhere in the
// flashback_repo_ai_apikeys data source's api_keys, whatever else a shared repo holds.
func listedIncludes(keyLabel string) statecheck.StateCheck {
	return statecheck.CompareValueCollection(testKeysDataAddr, []tfjsonpath.Path{pathAPIKeys, tfjsonpath.New("id")},
		"flashback_repo_ai_apikey."+keyLabel, pathID, compare.ValuesSame())
}

// stateValuesCheck runs f on the attribute values of everything in the state, by
// address, for checks that knownvalue cannot express.
type stateValuesCheck func(byAddr map[string]map[string]any) error

func (f stateValuesCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = fmt.Errorf("the state is empty")
		return
	}
	byAddr := map[string]map[string]any{}
	for _, r := range req.State.Values.RootModule.Resources {
		byAddr[r.Address] = r.AttributeValues
	}
	resp.Error = f(byAddr)
}

// listedKeys returns the api_keys elements of the data source at addr.
func listedKeys(byAddr map[string]map[string]any, addr string) ([]map[string]any, error) {
	values, ok := byAddr[addr]
	if !ok {
		return nil, fmt.Errorf("%s not in state", addr)
	}
	list, ok := values["api_keys"].([]any)
	if !ok {
		return nil, fmt.Errorf("%s: api_keys is %T, want a list", addr, values["api_keys"])
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		if out[i], ok = e.(map[string]any); !ok {
			return nil, fmt.Errorf("%s: api_keys[%d] is %T, want an object", addr, i, e)
		}
	}
	return out, nil
}

func TestAccRepoAIAPIKeysDataSource_listAll(t *testing.T) {
	env := newTestEnv(t)
	a, b := uniqueKeyName(t, "a"), uniqueKeyName(t, "b")
	checks := []statecheck.StateCheck{
		listedIncludes("a"),
		listedIncludes("b"),
	}
	if env.emu != nil {
		// This emulator's repo holds this test's keys and nothing else.
		checks = append(checks, statecheck.ExpectKnownValue(testKeysDataAddr, pathAPIKeys,
			knownvalue.ListExact([]knownvalue.Check{listedKeyIs(b, "GOOGLE"), listedKeyIs(a, "OPENAI")})))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("a", env.repo(), a, "OPENAI") +
				keyConfigAfter("b", env.repo(), b, "GOOGLE", "a") +
				keysDataConfig("test", env.repo(), "", "a", "b")),
			ConfigStateChecks: append(checks,
				statecheck.ExpectKnownValue(testKeysDataAddr, tfjsonpath.New("repo_id"), knownvalue.StringExact(env.repo())),
				statecheck.ExpectKnownValue(testKeysDataAddr, pathName, knownvalue.Null()),
				statecheck.ExpectKnownValue(testKeysDataAddr, tfjsonpath.New("ai_type"), knownvalue.Null()),
			),
		}},
	})
}

func TestAccRepoAIAPIKeysDataSource_filterByName(t *testing.T) {
	env := newTestEnv(t)
	name := uniqueKeyName(t, "named")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("first", env.repo(), name, "OPENAI") +
				keyConfigAfter("second", env.repo(), name, "GOOGLE", "first") +
				// Near misses: the filter matches the whole name, with its case.
				keyConfig("longer", env.repo(), name+"-2", "OPENAI") +
				keyConfig("upper", env.repo(), strings.ToUpper(name), "OPENAI") +
				keysDataConfig("test", env.repo(), fmt.Sprintf("  name = %q\n", name), "first", "second", "longer", "upper") +
				keysDataConfig("none", env.repo(), fmt.Sprintf("  name = %q\n", name+"-missing"), "first", "second", "longer", "upper")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testKeysDataAddr, pathAPIKeys,
					knownvalue.ListExact([]knownvalue.Check{listedKeyIs(name, "GOOGLE"), listedKeyIs(name, "OPENAI")})),
				listedIDIs(testKeysDataAddr, 0, "second"),
				listedIDIs(testKeysDataAddr, 1, "first"),
				statecheck.ExpectKnownValue(testKeysDataAddr, pathName, knownvalue.StringExact(name)),
				// No match is an empty list, not an error.
				statecheck.ExpectKnownValue("data.flashback_repo_ai_apikeys.none", pathAPIKeys, knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

func TestAccRepoAIAPIKeysDataSource_filterByAIType(t *testing.T) {
	env := newTestEnv(t)
	shared, other := uniqueKeyName(t, "shared"), uniqueKeyName(t, "other")
	allKeys := []string{"openai", "google", "google_too"}
	checks := []statecheck.StateCheck{
		listedIncludes("google"),
		listedIncludes("google_too"),
		stateValuesCheck(func(byAddr map[string]map[string]any) error {
			listed, err := listedKeys(byAddr, testKeysDataAddr)
			if err != nil {
				return err
			}
			openaiID := byAddr["flashback_repo_ai_apikey.openai"]["id"]
			for i, k := range listed {
				if k["ai_type"] != "GOOGLE" {
					return fmt.Errorf("api_keys[%d] has ai_type %v; the filter asked for GOOGLE only", i, k["ai_type"])
				}
				if k["id"] == openaiID {
					return fmt.Errorf("api_keys[%d] is the OPENAI key %v", i, openaiID)
				}
			}
			return nil
		}),
		statecheck.ExpectKnownValue("data.flashback_repo_ai_apikeys.both", pathAPIKeys,
			knownvalue.ListExact([]knownvalue.Check{listedKeyIs(shared, "GOOGLE")})),
		listedIDIs("data.flashback_repo_ai_apikeys.both", 0, "google"),
	}
	if env.emu != nil {
		checks = append(checks, statecheck.ExpectKnownValue(testKeysDataAddr, pathAPIKeys,
			knownvalue.ListExact([]knownvalue.Check{listedKeyIs(other, "GOOGLE"), listedKeyIs(shared, "GOOGLE")})))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("openai", env.repo(), shared, "OPENAI") +
				keyConfig("google", env.repo(), shared, "GOOGLE") +
				keyConfigAfter("google_too", env.repo(), other, "GOOGLE", "google") +
				keysDataConfig("test", env.repo(), "  ai_type = \"GOOGLE\"\n", allKeys...) +
				keysDataConfig("both", env.repo(), fmt.Sprintf("  name    = %q\n  ai_type = \"GOOGLE\"\n", shared), allKeys...)),
			ConfigStateChecks: checks,
		}},
	})
}

func TestAccRepoAIAPIKeysDataSource_newestFirst(t *testing.T) {
	env := newTestEnv(t)
	// One name for all three, so that the filter leaves only this test's keys
	// in a shared repo and the whole list can be checked.
	name := uniqueKeyName(t, "ordered")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("first", env.repo(), name, "OPENAI") +
				keyConfigAfter("second", env.repo(), name, "GOOGLE", "first") +
				keyConfigAfter("third", env.repo(), name, "ANTHROPIC", "second") +
				keysDataConfig("test", env.repo(), fmt.Sprintf("  name = %q\n", name), "first", "second", "third")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testKeysDataAddr, pathAPIKeys, knownvalue.ListExact([]knownvalue.Check{
					listedKeyIs(name, "ANTHROPIC"), listedKeyIs(name, "GOOGLE"), listedKeyIs(name, "OPENAI"),
				})),
				listedIDIs(testKeysDataAddr, 0, "third"),
				listedIDIs(testKeysDataAddr, 1, "second"),
				listedIDIs(testKeysDataAddr, 2, "first"),
			},
		}},
	})
}

func TestAccRepoAIAPIKeysDataSource_neverHoldsSecret(t *testing.T) {
	env := newTestEnv(t)
	name := uniqueKeyName(t, "secretive")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), name, "OPENAI") +
				keysDataConfig("test", env.repo(), fmt.Sprintf("  name = %q\n", name), "test")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testKeysDataAddr, pathAPIKeys,
					knownvalue.ListExact([]knownvalue.Check{listedKeyIs(name, "OPENAI")})),
				stateValuesCheck(func(byAddr map[string]map[string]any) error {
					secret, _ := byAddr[testKeyAddr]["secret"].(string)
					if secret == "" {
						return fmt.Errorf("%s has no secret to look for", testKeyAddr)
					}
					return noValueContains(testKeysDataAddr, byAddr[testKeysDataAddr], secret)
				}),
			},
		}},
	})
}

// noValueContains fails if any attribute of v, at any depth, is named secret or
// holds the secret's value.
func noValueContains(where string, v any, secret string) error {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if strings.Contains(k, "secret") {
				return fmt.Errorf("%s has an attribute %q", where, k)
			}
			if err := noValueContains(where+"."+k, e, secret); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := noValueContains(fmt.Sprintf("%s[%d]", where, i), e, secret); err != nil {
				return err
			}
		}
	case string:
		if strings.Contains(v, secret) {
			return fmt.Errorf("%s holds the key's secret", where)
		}
	}
	return nil
}

func TestAccRepoAIAPIKeysDataSource_seesKeyCreatedInSameApply(t *testing.T) {
	env := newTestEnv(t)
	name := uniqueKeyName(t, "fresh")
	cfg := env.config(keyConfig("test", env.repo(), name, "AWS") +
		keysDataConfig("test", env.repo(), fmt.Sprintf("  name = %q\n", name), "test"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					// Read during the apply, after the key exists, not at plan time.
					plancheck.ExpectResourceAction(testKeysDataAddr, plancheck.ResourceActionRead),
					plancheck.ExpectUnknownValue(testKeysDataAddr, pathAPIKeys),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testKeysDataAddr, pathAPIKeys,
					knownvalue.ListExact([]knownvalue.Check{listedKeyIs(name, "AWS")})),
				listedIDIs(testKeysDataAddr, 0, "test"),
				statecheck.CompareValuePairs(testKeysDataAddr, pathAPIKeys.AtSliceIndex(0).AtMapKey("key"),
					testKeyAddr, pathKey, compare.ValuesSame()),
				// The resource's created_at is filled in by the next refresh.
				statecheck.ExpectKnownValue(testKeyAddr, pathCreatedAt, knownvalue.Null()),
			},
		}, {
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.CompareValuePairs(testKeysDataAddr, pathAPIKeys.AtSliceIndex(0).AtMapKey("created_at"),
					testKeyAddr, pathCreatedAt, compare.ValuesSame()),
			},
		}},
	})
}

// A key the list shows as deleted is left out of api_keys.
func TestAccRepoAIAPIKeysDataSource_leavesOutDeletedKeys(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) { o.ListDeleted = true }, nil)
	emu := env.emu
	var goneID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				Config: env.config(keyConfig("gone", env.repo(), "gone", "OPENAI")),
				Check:  resource.TestCheckResourceAttrWith("flashback_repo_ai_apikey.gone", "id", func(v string) error { goneID = v; return nil }),
			},
			{
				PreConfig: func() {
					if err := emu.DeleteKey(env.repo(), goneID); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(keyConfig("kept", env.repo(), "kept", "GOOGLE") + keysDataConfig("test", env.repo(), "", "kept")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testKeysDataAddr, pathAPIKeys, knownvalue.ListExact([]knownvalue.Check{listedKeyIs("kept", "GOOGLE")})),
				},
			},
		},
	})
}

// Flashback may list a key without its public identifier; that is null, and
// a creation time in another offset is written in UTC like the resource's.
func TestAccRepoAIAPIKeysDataSource_nullKey(t *testing.T) {
	env := newTestEnv(t)
	emu := env.emulator(t) // only the emulator can be made to list a key this way
	emu.InjectFault(emulator.Fault{Op: emulator.OpList, Status: http.StatusOK, Body: `{"success": true, "apiKeys": [
		{"id": "550e8400-e29b-41d4-a716-446655440000", "name": "Production AI Key", "repoId": "repo-1", "key": null,
		 "aiType": "OPENAI", "createdAt": "2024-01-15T12:30:00.000+02:00", "deletedAt": null}]}`})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keysDataConfig("test", env.repo(), "")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testKeysDataAddr, pathAPIKeys, knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":         knownvalue.StringExact("550e8400-e29b-41d4-a716-446655440000"),
						"name":       knownvalue.StringExact("Production AI Key"),
						"key":        knownvalue.Null(),
						"ai_type":    knownvalue.StringExact("OPENAI"),
						"created_at": knownvalue.StringExact("2024-01-15T10:30:00.000Z"),
					}),
				})),
			},
		}},
	})
}

func TestAccRepoAIAPIKeysDataSource_validation(t *testing.T) {
	env := newTestEnv(t)
	testPlanErrors(t, env, []planErrorCase{
		{"ai_type not allowed", keysDataConfig("test", env.repo(), "  ai_type = \"OPENAI_GPT\"\n"),
			errorRE(`ai_type.*one of:\s+\["OPENAI"\s+"GOOGLE"\s+"ANTHROPIC"\s+"AWS"\s+"OTHER"\],\s+got:\s+"OPENAI_GPT"`)},
		{"ai_type in lower case", keysDataConfig("test", env.repo(), "  ai_type = \"openai\"\n"),
			errorRE(`ai_type.*one of:.*got:\s+"openai"`)},
		{"empty name", keysDataConfig("test", env.repo(), "  name = \"\"\n"),
			errorRE(`name.*at least 1`)},
		{"empty repo_id", keysDataConfig("test", "", ""),
			errorRE(`repo_id.*at least 1`)},
	})
}

func TestAccRepoAIAPIKeysDataSource_unauthorized(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keysDataConfig("test", env.repo(), ""), withToken("fbt_not-the-token")),
			ExpectError: errorRE(`Flashback rejected the access token.*` +
				regexp.QuoteMeta("Could not list the AI API keys of repo "+env.repo()) + `.*401.*FLASHBACK_ACCESS_TOKEN`),
		}},
	})
}

func TestAccRepoAIAPIKeysDataSource_forbiddenRepo(t *testing.T) {
	env := newTestEnv(t)
	env.emulator(t) // which repos a real token cannot reach is unknown
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keysDataConfig("test", "someone-elses-repo", "")),
			ExpectError: errorRE(regexp.QuoteMeta("No access to Flashback repo someone-elses-repo") +
				`.*403.*` + regexp.QuoteMeta("check repo_id")),
		}},
	})
}
