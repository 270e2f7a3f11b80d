package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

const testLLMsDataAddr = "data.flashback_ai_llms.test"

var pathAILLMs = tfjsonpath.New("ai_llms")

// llmsDataConfig is a flashback_ai_llms data source, read only once the
// resources named in after exist.
func llmsDataConfig(workspaceID string, after ...string) string {
	dependsOn := ""
	if len(after) > 0 {
		dependsOn = "  depends_on = [" + strings.Join(after, ", ") + "]\n"
	}
	return fmt.Sprintf(`
data "flashback_ai_llms" "test" {
  workspace_id = %q
%s}
`, workspaceID, dependsOn)
}

// listedLLMIs checks one element of ai_llms whole: exactly these eight
// attributes, so a secret, a key or anything else added to it fails.
func listedLLMIs(workspaceID, name, aiType, endpoint string, repoIDs ...string) knownvalue.Check {
	repos := make([]knownvalue.Check, len(repoIDs))
	for i, id := range repoIDs {
		repos[i] = knownvalue.StringExact(id)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":           knownvalue.StringRegexp(uuidPattern),
		"name":         knownvalue.StringExact(name),
		"ai_type":      knownvalue.StringExact(aiType),
		"endpoint":     knownvalue.StringExact(endpoint),
		"org_id":       knownvalue.StringExact(emulator.DefaultOrgID),
		"workspace_id": knownvalue.StringExact(workspaceID),
		"created_at":   knownvalue.StringRegexp(createdAtPattern),
		"repo_ids":     knownvalue.ListExact(repos),
	})
}

// The data source lists every configuration of the workspace, those created
// in the same apply included, with the repos that use them, and never a
// secret or a key.
func TestAccAILLMsDataSource_listAll(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	emu := env.emu
	older := env.llm("older")
	older.label, older.key = "older", "access-key-older"
	newer := env.llm("newer")
	newer.label, newer.aiType, newer.endpoint, newer.secret = "newer", "ANTHROPIC", "https://api.anthropic.com/v1", "sk-newer"
	newer.extra = "  depends_on = [flashback_ai_llm.older]\n"
	resources := older.hcl() + newer.hcl()
	olderID := func() string {
		for _, l := range emu.LLMs(env.workspace) {
			if l.Name == "older" {
				return l.ID
			}
		}
		t.Fatal("configuration older is not on the server")
		return ""
	}
	sameIDs := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.CompareValuePairs(testLLMsDataAddr, pathAILLMs.AtSliceIndex(0).AtMapKey("id"),
				"flashback_ai_llm.newer", pathID, compare.ValuesSame()),
			statecheck.CompareValuePairs(testLLMsDataAddr, pathAILLMs.AtSliceIndex(1).AtMapKey("id"),
				"flashback_ai_llm.older", pathID, compare.ValuesSame()),
		}
	}
	noSecrets := func(s *terraform.State) error {
		ds := s.RootModule().Resources[testLLMsDataAddr]
		if ds == nil {
			return fmt.Errorf("%s is not in the state", testLLMsDataAddr)
		}
		for attr, v := range ds.Primary.Attributes {
			for _, secret := range []string{"sk-first-secret", "sk-newer", "access-key-older"} {
				if strings.Contains(v, secret) {
					return fmt.Errorf("%s.%s holds a secret or key", testLLMsDataAddr, attr)
				}
			}
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: env.config(resources + llmsDataConfig(env.workspace, "flashback_ai_llm.older", "flashback_ai_llm.newer")),
				ConfigStateChecks: append(sameIDs(), statecheck.ExpectKnownValue(testLLMsDataAddr, pathAILLMs, knownvalue.ListExact([]knownvalue.Check{
					listedLLMIs(env.workspace, "newer", "ANTHROPIC", "https://api.anthropic.com/v1"),
					listedLLMIs(env.workspace, "older", "OPENAI", "https://api.openai.com/v1"),
				}))),
				Check: noSecrets,
			},
			{
				PreConfig: func() {
					if err := emu.AttachLLM("repo-1", olderID()); err != nil {
						t.Fatal(err)
					}
					if err := emu.AttachLLM("repo-3", olderID()); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(resources + llmsDataConfig(env.workspace)),
				ConfigStateChecks: append(sameIDs(), statecheck.ExpectKnownValue(testLLMsDataAddr, pathAILLMs, knownvalue.ListExact([]knownvalue.Check{
					listedLLMIs(env.workspace, "newer", "ANTHROPIC", "https://api.anthropic.com/v1"),
					listedLLMIs(env.workspace, "older", "OPENAI", "https://api.openai.com/v1", "repo-1", "repo-3"),
				}))),
				Check: noSecrets,
			},
			{
				// Let the configuration go, so that it can be destroyed.
				PreConfig: func() {
					for _, repo := range []string{"repo-1", "repo-3"} {
						if err := emu.DetachLLM(repo, olderID()); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config: env.config(resources),
			},
		},
	})
}

func TestAccAILLMsDataSource_emptyWorkspace(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(llmsDataConfig(llmOtherWorkspace)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testLLMsDataAddr, pathAILLMs, knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

func TestAccAILLMsDataSource_forbiddenWorkspace(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(llmsDataConfig("someone-elses-workspace")),
			ExpectError: regexp.MustCompile(`(?s)No access to Flashback workspace someone-elses-workspace.*` +
				`Could not list the AI LLM configurations of workspace\s+someone-elses-workspace:.*403.*` +
				`Either\s+workspace\s+someone-elses-workspace\s+does\s+not\s+exist,\s+or\s+the\s+access\s+token\s+has\s+no\s+permission`),
		}},
	})
}

func TestAccAILLMsDataSource_unauthorized(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "flashback" {
  base_url     = %q
  access_token = "fbt_not-the-token"
}
%s`, env.baseURL, llmsDataConfig(env.workspace)),
			ExpectError: regexp.MustCompile(`(?s)Flashback rejected the access token.*401.*FLASHBACK_ACCESS_TOKEN`),
		}},
	})
}

func TestAccAILLMsDataSource_validation(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	testPlanErrors(t, env.testEnv, []planErrorCase{
		{"emptyWorkspace", llmsDataConfig(""), regexp.MustCompile(`(?s)Attribute workspace_id string length must be at least 1`)},
		{"noWorkspace", `
data "flashback_ai_llms" "test" {}
`, regexp.MustCompile(`(?s)The argument "workspace_id" is required`)},
	})
}

// A configuration changed earlier in the same apply is listed as it now is:
// the update invalidates the list that a create of the same workspace had
// just cached.
func TestAccAILLMsDataSource_seesUpdateInSameApply(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	renamed := env.llm("before")
	created := env.llm("created-first")
	created.label = "first"
	step2 := renamed
	step2.name, step2.extra = "after", "  depends_on = [flashback_ai_llm.first]\n"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{Config: env.config(renamed.hcl())},
			{
				Config: env.config(created.hcl() + step2.hcl() + llmsDataConfig(env.workspace, testLLMAddr)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testLLMsDataAddr, pathAILLMs, knownvalue.ListExact([]knownvalue.Check{
						listedLLMIs(env.workspace, "created-first", "OPENAI", "https://api.openai.com/v1"),
						listedLLMIs(env.workspace, "after", "OPENAI", "https://api.openai.com/v1"),
					})),
				},
			},
		},
	})
}
