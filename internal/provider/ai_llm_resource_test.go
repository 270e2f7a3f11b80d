package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
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

const (
	testLLMAddr = "flashback_ai_llm.test"
	// envTestWorkspaceID names the workspace the AI LLM tests use against a
	// real Flashback API.
	envTestWorkspaceID = "FLASHBACK_TEST_WORKSPACE_ID"
	// llmOtherWorkspace is a second workspace of the emulator's organization.
	llmOtherWorkspace = "workspace-2"
)

var (
	pathSecretWO        = tfjsonpath.New("secret_wo")
	pathSecretWOVersion = tfjsonpath.New("secret_wo_version")
	pathLLMSecret       = tfjsonpath.New("secret")
	pathLLMKey          = tfjsonpath.New("key")
	pathOrgID           = tfjsonpath.New("org_id")
)

// llmTestEnv is where one AI LLM acceptance test runs: an emulator with the
// default workspace (holding repo-1, repo-2, repo-3) and llmOtherWorkspace,
// whose PUT /ai/llm/{id} bodies are recorded; or a real Flashback API when
// FLASHBACK_ACCESS_TOKEN, FLASHBACK_TEST_REPO_ID and
// FLASHBACK_TEST_WORKSPACE_ID are set.
type llmTestEnv struct {
	*testEnv
	workspace string
	puts      *llmPuts
}

func newLLMTestEnv(t *testing.T) *llmTestEnv {
	t.Helper()
	env := newTestEnv(t)
	if env.emu == nil {
		ws := os.Getenv(envTestWorkspaceID)
		if ws == "" {
			t.Skip("against a real Flashback API the AI LLM tests need " + envTestWorkspaceID)
		}
		return &llmTestEnv{testEnv: env, workspace: ws}
	}
	return newLLMEmulatorEnv(t, nil)
}

// newLLMEmulatorEnv is newLLMTestEnv's emulator whatever the environment
// says; configure may change its options further.
func newLLMEmulatorEnv(t *testing.T, configure func(*emulator.Options)) *llmTestEnv {
	t.Helper()
	puts := &llmPuts{}
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: llmOtherWorkspace, Name: "Other Workspace"})
		if configure != nil {
			configure(o)
		}
	}, puts.wrap)
	return &llmTestEnv{testEnv: env, workspace: emulator.DefaultWorkspaceID, puts: puts}
}

// llmPuts records the fields of every PUT /ai/llm/{id} body the emulator is
// sent, to prove that an update sends exactly what changed.
type llmPuts struct {
	mu     sync.Mutex
	bodies [][]string
}

func (p *llmPuts) wrap(emu *emulator.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/ai/llm/") {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			var fields map[string]json.RawMessage
			_ = json.Unmarshal(body, &fields)
			names := make([]string, 0, len(fields))
			for name := range fields {
				names = append(names, name)
			}
			slices.Sort(names)
			p.mu.Lock()
			p.bodies = append(p.bodies, names)
			p.mu.Unlock()
		}
		emu.ServeHTTP(w, r)
	})
}

func (p *llmPuts) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bodies = nil
}

// expect fails unless the PUTs since the last reset were exactly one per
// entry of want, each with exactly those body fields; no want means no PUT.
func (p *llmPuts) expect(want ...[]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if p == nil {
			return nil
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.bodies) != len(want) {
			return fmt.Errorf("PUT /ai/llm/{id} bodies %v, want %v", p.bodies, want)
		}
		for i := range want {
			w := slices.Sorted(slices.Values(want[i]))
			if !slices.Equal(p.bodies[i], w) {
				return fmt.Errorf("PUT %d sent the fields %v, want exactly %v", i, p.bodies[i], w)
			}
		}
		return nil
	}
}

// llmCfg is one flashback_ai_llm resource block. Empty strings and a zero
// version are left out of it.
type llmCfg struct {
	label, workspace, name, aiType, endpoint string
	secret, secretWO, key                    string
	version                                  int64
	// extra is added inside the block as it is, such as depends_on.
	extra string
}

func (c llmCfg) hcl() string {
	label := c.label
	if label == "" {
		label = "test"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nresource \"flashback_ai_llm\" %q {\n", label)
	line := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "  %s = %q\n", name, value)
		}
	}
	line("workspace_id", c.workspace)
	line("name", c.name)
	line("ai_type", c.aiType)
	line("endpoint", c.endpoint)
	line("secret", c.secret)
	line("secret_wo", c.secretWO)
	if c.version != 0 {
		fmt.Fprintf(&b, "  secret_wo_version = %d\n", c.version)
	}
	line("key", c.key)
	b.WriteString(c.extra)
	b.WriteString("}\n")
	return b.String()
}

// llm is a configuration in the environment's workspace with a secret kept in
// the state; tests change what they are about.
func (e *llmTestEnv) llm(name string) llmCfg {
	return llmCfg{workspace: e.workspace, name: name, aiType: "OPENAI", endpoint: "https://api.openai.com/v1", secret: "sk-first-secret"}
}

// uniqueLLMName keeps a test's configurations apart from every other test's
// when they share a workspace of a real Flashback API.
func uniqueLLMName(t *testing.T, label string) string {
	return fmt.Sprintf("tf-%s-%s", label, randomHex(t, 4))
}

// liveLLM is the emulator's configuration id, secret and key included.
func (e *llmTestEnv) liveLLM(id string) (emulator.LLM, bool) {
	for _, l := range e.emu.LLMs("") {
		if l.ID == id {
			return l, true
		}
	}
	return emulator.LLM{}, false
}

// checkLLMServer proves that the server holds the configuration in state at
// testLLMAddr, with the state's workspace, name, type, endpoint and key, and the
// secret wantSecret (only the emulator shows secrets), and that it holds no
// other configuration than the state's: nothing was orphaned.
func (e *llmTestEnv) checkLLMServer(wantSecret string) resource.TestCheckFunc {
	const addr = testLLMAddr
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return fmt.Errorf("%s is not in the state", addr)
		}
		a := rs.Primary.Attributes
		if e.emu == nil {
			llms, err := e.newClientNoT().AILLMs.List(context.Background(), a["workspace_id"])
			if err != nil {
				return err
			}
			i := slices.IndexFunc(llms, func(l client.AILLM) bool { return l.ID == rs.Primary.ID })
			if i < 0 || llms[i].Name != a["name"] || llms[i].AIType != a["ai_type"] || llms[i].Endpoint != a["endpoint"] {
				return fmt.Errorf("%s: configuration %s is not listed as the state has it", addr, rs.Primary.ID)
			}
			return nil
		}
		l, ok := e.liveLLM(rs.Primary.ID)
		switch {
		case !ok:
			return fmt.Errorf("%s: configuration %s is in state but not on the server", addr, rs.Primary.ID)
		case l.WorkspaceID != a["workspace_id"] || l.Name != a["name"] || l.AIType != a["ai_type"] || l.Endpoint != a["endpoint"]:
			return fmt.Errorf("%s: state (%s, %q, %s, %s) differs from the server (%s, %q, %s, %s)", addr,
				a["workspace_id"], a["name"], a["ai_type"], a["endpoint"], l.WorkspaceID, l.Name, l.AIType, l.Endpoint)
		case l.Key != a["key"]:
			return fmt.Errorf("%s: the server's key differs from the state's", addr)
		case l.Secret != wantSecret:
			return fmt.Errorf("%s: the server holds another secret than the one expected", addr)
		}
		inState := 0
		for _, r := range s.RootModule().Resources {
			if r.Type == "flashback_ai_llm" {
				inState++
			}
		}
		if n := len(e.emu.LLMs("")); n != inState {
			return fmt.Errorf("the server holds %d configurations, the state %d: one is orphaned or missing", n, inState)
		}
		return nil
	}
}

// newClientNoT is a client for checks made beside Terraform.
func (e *llmTestEnv) newClientNoT() *client.Client {
	c, err := client.New(client.Config{BaseURL: e.baseURL, Token: e.token, MaxRetries: 8})
	if err != nil {
		panic(err)
	}
	return c
}

// checkLLMsDestroyed proves that no configuration of the state is left.
func (e *llmTestEnv) checkLLMsDestroyed(s *terraform.State) error {
	return checkDestroyedThrough(e.newClientNoT(), e.emu, s)
}

// checkNoValidate proves the provider never asked Flashback to validate a
// configuration: that spends the customer's provider quota.
func (e *llmTestEnv) checkNoValidate(*terraform.State) error {
	if e.emu == nil {
		return nil
	}
	if n := e.emu.Requests("", emulator.OpLLMValidate); n != 0 {
		return fmt.Errorf("the provider called validate %d times", n)
	}
	return nil
}

// llmStep is a step that applies cfg, whose plan must do action to the
// configuration, after which the PUTs must be exactly puts, the server must
// hold secret, and a new plan must be empty.
func (e *llmTestEnv) llmStep(cfg llmCfg, action plancheck.ResourceActionType, secret string, puts [][]string, checks ...statecheck.StateCheck) resource.TestStep {
	return resource.TestStep{
		PreConfig: func() {
			if e.puts != nil {
				e.puts.reset()
			}
		},
		Config: e.config(cfg.hcl()),
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(testLLMAddr, action)},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
		ConfigStateChecks: checks,
		Check:             resource.ComposeAggregateTestCheckFunc(e.puts.expect(puts...), e.checkLLMServer(secret), e.checkNoValidate),
	}
}

func TestAccAILLM_basic(t *testing.T) {
	env := newLLMTestEnv(t)
	name := uniqueLLMName(t, "basic")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{{
			Config: env.config(env.llm(name).hcl()),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectSensitiveValue(testLLMAddr, pathLLMSecret),
					plancheck.ExpectUnknownValue(testLLMAddr, pathID),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(testLLMAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
				statecheck.ExpectKnownValue(testLLMAddr, tfjsonpath.New("workspace_id"), knownvalue.StringExact(env.workspace)),
				statecheck.ExpectKnownValue(testLLMAddr, pathName, knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue(testLLMAddr, tfjsonpath.New("ai_type"), knownvalue.StringExact("OPENAI")),
				statecheck.ExpectKnownValue(testLLMAddr, tfjsonpath.New("endpoint"), knownvalue.StringExact("https://api.openai.com/v1")),
				statecheck.ExpectKnownValue(testLLMAddr, pathLLMSecret, knownvalue.StringExact("sk-first-secret")),
				statecheck.ExpectKnownValue(testLLMAddr, pathSecretWO, knownvalue.Null()),
				statecheck.ExpectKnownValue(testLLMAddr, pathSecretWOVersion, knownvalue.Null()),
				statecheck.ExpectKnownValue(testLLMAddr, pathLLMKey, knownvalue.Null()),
				// The create's answer has only the id: the next refresh fills
				// these in.
				statecheck.ExpectKnownValue(testLLMAddr, pathOrgID, knownvalue.Null()),
				statecheck.ExpectKnownValue(testLLMAddr, pathCreatedAt, knownvalue.Null()),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				env.checkLLMServer("sk-first-secret"),
				env.checkNoValidate,
				func(*terraform.State) error {
					if env.emu == nil {
						return nil
					}
					// One round trip: the create, and no list to read it back.
					if n := env.emu.Requests(http.MethodPost, emulator.OpLLMCreate); n != 1 {
						return fmt.Errorf("%d creates, want 1", n)
					}
					if n := env.emu.Requests(http.MethodGet, emulator.OpLLMList); n != 0 {
						return fmt.Errorf("%d lists during the create, want none", n)
					}
					if l := env.emu.LLMs(env.workspace); len(l) != 1 || l[0].OrgID != emulator.DefaultOrgID {
						return fmt.Errorf("the server's configurations %v are not the one of organization %s", l, emulator.DefaultOrgID)
					}
					return nil
				},
			),
		}, {
			// The refresh fills in what the create's answer lacks.
			RefreshState: true,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(testLLMAddr, "org_id", emulator.DefaultOrgID),
				resource.TestMatchResourceAttr(testLLMAddr, "created_at", createdAtPattern),
			),
		}},
	})
}

// Every attribute but workspace_id changes in place, each change sending
// exactly the fields that changed, in one PUT.
func TestAccAILLM_updateInPlace(t *testing.T) {
	env := newLLMTestEnv(t)
	env.emulator(t) // the PUT bodies and the secret are only visible there
	base := env.llm("in-place")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	sameCreated := statecheck.CompareValue(compare.ValuesSame())
	keep := func() []statecheck.StateCheck {
		return []statecheck.StateCheck{sameID.AddStateValue(testLLMAddr, pathID), sameCreated.AddStateValue(testLLMAddr, pathCreatedAt)}
	}
	renamed := base
	renamed.name = "in-place-renamed"
	retyped := renamed
	retyped.aiType = "ANTHROPIC"
	moved := retyped
	moved.endpoint = "https://api.anthropic.com/v1"
	rotated := moved
	rotated.secret = "sk-second-secret"
	keyed := rotated
	keyed.key = "access-key-1"
	rekeyed := keyed
	rekeyed.key = "access-key-2"
	both := rekeyed
	both.name, both.endpoint = "in-place-both", "https://llm.example.com/v1"
	update := plancheck.ResourceActionUpdate
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			// created_at is null until a refresh: every later step refreshes
			// first, and keeps it.
			env.llmStep(base, plancheck.ResourceActionCreate, "sk-first-secret", nil, sameID.AddStateValue(testLLMAddr, pathID)),
			env.llmStep(renamed, update, "sk-first-secret", [][]string{{"name"}}, keep()...),
			env.llmStep(retyped, update, "sk-first-secret", [][]string{{"aiType"}}, keep()...),
			env.llmStep(moved, update, "sk-first-secret", [][]string{{"endpoint"}}, keep()...),
			env.llmStep(rotated, update, "sk-second-secret", [][]string{{"secret"}}, keep()...),
			env.llmStep(keyed, update, "sk-second-secret", [][]string{{"key"}}, keep()...),
			env.llmStep(rekeyed, update, "sk-second-secret", [][]string{{"key"}}, keep()...),
			env.llmStep(both, update, "sk-second-secret", [][]string{{"name", "endpoint"}}, keep()...),
		},
	})
}

func TestAccAILLM_keyRemovedForcesReplacement(t *testing.T) {
	env := newLLMTestEnv(t)
	env.emulator(t)
	keyed := env.llm("keyed")
	keyed.key = "access-key-1"
	unkeyed := keyed
	unkeyed.key = ""
	differ := statecheck.CompareValue(compare.ValuesDiffer())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			env.llmStep(keyed, plancheck.ResourceActionCreate, "sk-first-secret", nil,
				differ.AddStateValue(testLLMAddr, pathID),
				statecheck.ExpectKnownValue(testLLMAddr, pathLLMKey, knownvalue.StringExact("access-key-1"))),
			env.llmStep(unkeyed, plancheck.ResourceActionReplace, "sk-first-secret", nil,
				differ.AddStateValue(testLLMAddr, pathID),
				statecheck.ExpectKnownValue(testLLMAddr, pathLLMKey, knownvalue.Null())),
		},
	})
}

func TestAccAILLM_workspaceForcesReplacement(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	first := env.llm("moving")
	second := first
	second.workspace = llmOtherWorkspace
	differ := statecheck.CompareValue(compare.ValuesDiffer())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			env.llmStep(first, plancheck.ResourceActionCreate, "sk-first-secret", nil, differ.AddStateValue(testLLMAddr, pathID)),
			env.llmStep(second, plancheck.ResourceActionReplace, "sk-first-secret", nil,
				differ.AddStateValue(testLLMAddr, pathID),
				statecheck.ExpectKnownValue(testLLMAddr, tfjsonpath.New("workspace_id"), knownvalue.StringExact(llmOtherWorkspace))),
		},
	})
}

func TestAccAILLM_import(t *testing.T) {
	env := newLLMTestEnv(t)
	cfg := env.llm(uniqueLLMName(t, "import"))
	cfg.key = "access-key-1"
	hcl := env.config(cfg.hcl())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{Config: hcl},
			// A refresh fills in org_id and created_at, which the import reads.
			{RefreshState: true},
			{
				Config:            hcl,
				ResourceName:      testLLMAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// Flashback never returns them: an import cannot bring them.
				ImportStateVerifyIgnore: []string{"secret", "key"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances, want 1", len(states))
					}
					for _, attr := range []string{"secret", "key", "secret_wo", "secret_wo_version"} {
						if v := states[0].Attributes[attr]; v != "" {
							return fmt.Errorf("imported %s is %q, want null", attr, v)
						}
					}
					return nil
				},
			},
			{
				// The first plan after an import sends what import cannot bring.
				Config:             hcl,
				ResourceName:       testLLMAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testLLMAddr, pathName, knownvalue.StringExact(cfg.name)),
						plancheck.ExpectSensitiveValue(testLLMAddr, pathLLMSecret),
					},
				},
			},
		},
	})
}

func TestAccAILLM_importErrors(t *testing.T) {
	env := newLLMTestEnv(t)
	hcl := env.config(env.llm(uniqueLLMName(t, "import-errors")).hcl())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:        hcl,
				ResourceName:  testLLMAddr,
				ImportState:   true,
				ImportStateId: "workspace-1/550e8400-e29b-41d4-a716-446655440000",
				ExpectError:   regexp.MustCompile(`(?s)Invalid import ID.*configuration's own ID.*"workspace-1/550e8400`),
			},
			{
				Config:        hcl,
				ResourceName:  testLLMAddr,
				ImportState:   true,
				ImportStateId: "00000000-0000-4000-8000-000000000000",
				ExpectError:   regexp.MustCompile(`(?s)AI LLM configuration not found.*00000000-0000-4000-8000-000000000000`),
			},
		},
	})
}

func TestAccAILLM_deletedOutsideTerraform(t *testing.T) {
	env := newLLMTestEnv(t)
	emu := env.emulator(t)
	cfg := env.llm("doomed")
	var firstID string
	differ := statecheck.CompareValue(compare.ValuesDiffer())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:            env.config(cfg.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{differ.AddStateValue(testLLMAddr, pathID)},
				Check:             resource.TestCheckResourceAttrWith(testLLMAddr, "id", func(v string) error { firstID = v; return nil }),
			},
			{
				// A refresh lists the configuration. Until a list has shown
				// it, one that a list does not show may just not be listed
				// yet, and is kept for a while.
				RefreshState: true,
			},
			{
				PreConfig: func() {
					if err := emu.DeleteLLM(firstID); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(cfg.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{differ.AddStateValue(testLLMAddr, pathID)},
				Check:             env.checkLLMServer("sk-first-secret"),
			},
		},
	})
}

// A change made outside Terraform shows as an in-place update that sends back
// exactly what changed.
func TestAccAILLM_changedOutsideTerraform(t *testing.T) {
	env := newLLMTestEnv(t)
	emu := env.emulator(t)
	cfg := env.llm("steady")
	var id string
	same := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:            env.config(cfg.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{same.AddStateValue(testLLMAddr, pathID)},
				Check:             resource.TestCheckResourceAttrWith(testLLMAddr, "id", func(v string) error { id = v; return nil }),
			},
			{
				PreConfig: func() {
					env.puts.reset()
					err := emu.UpdateLLM(id, func(l *emulator.LLM) {
						l.Name, l.AIType, l.Endpoint = "renamed in the console", "GOOGLE", "https://elsewhere.example.com"
					})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(cfg.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testLLMAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testLLMAddr, pathName, knownvalue.StringExact("steady")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{same.AddStateValue(testLLMAddr, pathID)},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.puts.expect([]string{"name", "aiType", "endpoint"}),
					env.checkLLMServer("sk-first-secret")),
			},
		},
	})
}

// A configuration created while the list does not show new ones yet keeps
// its id in the state: it is neither lost nor created a second time.
func TestAccAILLM_createdButNotListedYet(t *testing.T) {
	env := newLLMEmulatorEnv(t, func(o *emulator.Options) { o.ListLag = time.Hour })
	cfg := env.llm("lagging")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.config(cfg.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testLLMAddr, pathID, knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue(testLLMAddr, pathCreatedAt, knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					env.checkLLMServer("sk-first-secret"),
					func(*terraform.State) error {
						if n := env.emu.Requests(http.MethodPost, emulator.OpLLMCreate); n != 1 {
							return fmt.Errorf("%d creates, want 1", n)
						}
						return nil
					}),
			},
		},
	})
}

func TestAccAILLM_validation(t *testing.T) {
	env := newLLMTestEnv(t)
	ok := env.llm("valid")
	with := func(change func(*llmCfg)) string {
		c := ok
		change(&c)
		return c.hcl()
	}
	testPlanErrors(t, env.testEnv, []planErrorCase{
		{"noSecret", with(func(c *llmCfg) { c.secret = "" }),
			regexp.MustCompile(`(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured:\s+\[secret_wo,secret\]`)},
		{"blankName", with(func(c *llmCfg) { c.name = "   " }),
			regexp.MustCompile(`(?s)Attribute name must not be empty or only white space`)},
		{"badAIType", with(func(c *llmCfg) { c.aiType = "openai" }),
			regexp.MustCompile(`(?s)ai_type.*value must be one of.*"OPENAI".*got: "openai"`)},
		{"relativeEndpoint", with(func(c *llmCfg) { c.endpoint = "api.openai.com/v1" }),
			regexp.MustCompile(`(?s)Invalid URL.*endpoint.*absolute URL.*"api.openai.com/v1"`)},
		{"emptyName", `
resource "flashback_ai_llm" "test" {
  workspace_id = "w"
  name         = ""
  ai_type      = "OPENAI"
  endpoint     = "https://api.openai.com/v1"
  secret       = "s"
}`, regexp.MustCompile(`(?s)Attribute name string length must be at least 1`)},
		{"emptyWorkspace", `
resource "flashback_ai_llm" "test" {
  workspace_id = ""
  name         = "n"
  ai_type      = "OPENAI"
  endpoint     = "https://api.openai.com/v1"
  secret       = "s"
}`, regexp.MustCompile(`(?s)Attribute workspace_id string length must be at least 1`)},
		{"versionWithSecret", with(func(c *llmCfg) { c.version = 1 }),
			regexp.MustCompile(`(?s)Attribute "secret_wo" must be specified when "secret_wo_version" is specified.*` +
				`Attribute "secret" cannot be specified when "secret_wo_version" is specified`)},
	})
}

func TestAccAILLM_unauthorized(t *testing.T) {
	env := newLLMTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "flashback" {
  base_url     = %q
  access_token = "fbt_not-the-token"
}
%s`, env.baseURL, env.llm("unauthorized").hcl()),
			ExpectError: regexp.MustCompile(`(?s)Flashback rejected the access token.*401.*FLASHBACK_ACCESS_TOKEN`),
		}},
	})
}

func TestAccAILLM_forbiddenWorkspace(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	cfg := env.llm("nowhere")
	cfg.workspace = "someone-elses-workspace"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(cfg.hcl()),
			ExpectError: regexp.MustCompile(`(?s)No access to Flashback workspace someone-elses-workspace.*403.*check\s+workspace_id`),
		}},
	})
}

// A create Flashback refuses because the name is taken names the
// configuration that holds it, with its import command, and never says that
// waiting would help.
func TestAccAILLM_createRefused(t *testing.T) {
	env := newLLMTestEnv(t)
	// The status of a duplicate name is an open question of the contract; the
	// emulator answers 400.
	env.emulator(t)
	name := uniqueLLMName(t, "taken")
	if _, err := env.newClient(t).AILLMs.Create(context.Background(), client.CreateAILLMRequest{
		WorkspaceID: env.workspace, Name: name, AIType: "GOOGLE", Endpoint: "https://example.com", Secret: "sk-other",
	}); err != nil {
		t.Fatal(err)
	}
	cfg := env.llm(name)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(cfg.hcl()),
			ExpectError: errorRE(`Cannot create AI LLM configuration .*400 Bad Request.*already exists.* already holds an ` +
				`AI LLM configuration named "` + name + `": ` + uuidRE + ` \(ai_type GOOGLE.* terraform import ` +
				`flashback_ai_llm.<name> ` + uuidRE + `.* If it is someone else's, give this one another name`),
		}},
	})
}

// A 500 after Flashback made the configuration: the repeat is refused, and
// the error names what the lost create made, says how to import it, and
// deletes nothing. The same apply run again, as a pipeline does, is refused
// too, and names the configuration by ID with its import command; importing
// it completes the configuration with one configuration on the server.
func TestAccAILLM_createOutcomeUnknownRerunNamesItThenImports(t *testing.T) {
	env := newLLMTestEnv(t)
	emu := env.emulator(t)
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpLLMCreate, Status: http.StatusInternalServerError, AfterAct: true, Count: 1})
	cfg := env.config(env.llm("lost-answer").hcl())
	var made string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ExpectError: errorRE(`Cannot create AI LLM configuration .*unknown outcome .*500.* named "lost-answer": ` +
					uuidRE + ` \(ai_type OPENAI.* probably this create's lost answer.* neither adopted nor deleted.* ` +
					`terraform import flashback_ai_llm.<name> ` + uuidRE),
			},
			{
				// Nothing was deleted, and the rerun sends one create, which
				// Flashback refuses: the name is taken by what the first made.
				PreConfig: func() {
					if n := emu.Requests(http.MethodDelete, emulator.OpLLMDelete); n != 0 {
						t.Errorf("%d deletes, want none", n)
					}
					l := emu.LLMs(env.workspace)
					if len(l) != 1 || l[0].Name != "lost-answer" {
						t.Fatalf("the server holds %v, want the one configuration the create made", l)
					}
					made = l[0].ID
					emu.ResetCounters()
				},
				Config: cfg,
				ExpectError: errorRE(`Cannot create AI LLM configuration .* was refused: .*400.* already holds an AI LLM ` +
					`configuration named "lost-answer": ` + uuidRE + `.* An earlier apply whose answer was lost may have ` +
					`made it.* terraform import flashback_ai_llm.<name> ` + uuidRE),
			},
			{
				PreConfig: func() {
					if l := emu.LLMs(env.workspace); len(l) != 1 || l[0].ID != made {
						t.Fatalf("the server holds %v after the rerun, want only %s", l, made)
					}
					if n := emu.Requests(http.MethodPost, emulator.OpLLMCreate); n != 1 {
						t.Errorf("the rerun sent %d creates, want 1", n)
					}
				},
				Config:             cfg,
				ResourceName:       testLLMAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return made, nil },
			},
			{
				// The import has no secret: this apply sends it.
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testLLMAddr, "id", &made),
					env.checkLLMServer("sk-first-secret"),
				),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// A 500 before Flashback acted: nothing of that name is listed, so the create
// is sent again, and makes exactly one configuration.
func TestAccAILLM_createRetriedWhenNothingWasMade(t *testing.T) {
	env := newLLMTestEnv(t)
	emu := env.emulator(t)
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpLLMCreate, Status: http.StatusInternalServerError, Count: 1})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{{
			Config: env.config(env.llm("second-try").hcl()),
			Check: resource.ComposeAggregateTestCheckFunc(
				env.checkLLMServer("sk-first-secret"),
				func(*terraform.State) error {
					if n := emu.Requests(http.MethodPost, emulator.OpLLMCreate); n != 2 {
						return fmt.Errorf("%d creates, want 2", n)
					}
					return nil
				}),
		}},
	})
}

// Throttling is waited out on every call, the create included.
func TestAccAILLM_throttled(t *testing.T) {
	env := newLLMTestEnv(t)
	emu := env.emulator(t)
	for _, op := range []string{emulator.OpLLMCreate, emulator.OpLLMList, emulator.OpLLMUpdate, emulator.OpLLMDelete} {
		emu.InjectFault(emulator.Fault{Op: op, Status: http.StatusTooManyRequests, RetryAfter: "0", Count: 2})
	}
	cfg := env.llm("throttled")
	renamed := cfg
	renamed.name = "throttled-renamed"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(s *terraform.State) error {
			if n := emu.Requests(http.MethodDelete, emulator.OpLLMDelete); n != 3 {
				return fmt.Errorf("%d deletes, want 3 (two throttled)", n)
			}
			return env.checkLLMsDestroyed(s)
		},
		Steps: []resource.TestStep{
			{Config: env.config(cfg.hcl()), Check: env.checkLLMServer("sk-first-secret")},
			{
				Config: env.config(renamed.hcl()),
				Check: resource.ComposeAggregateTestCheckFunc(env.checkLLMServer("sk-first-secret"),
					func(*terraform.State) error {
						if got := [2]int{emu.Requests(http.MethodPost, emulator.OpLLMCreate), emu.Requests(http.MethodPut, emulator.OpLLMUpdate)}; got != [2]int{3, 3} {
							return fmt.Errorf("creates, updates = %v, want [3 3] (two of each throttled)", got)
						}
						return nil
					}),
			},
		},
	})
}

// Deleting a configuration that a repository uses is refused, and the error
// names the repository and says to detach it first.
func TestAccAILLM_deleteWhileAttached(t *testing.T) {
	env := newLLMTestEnv(t)
	emu := env.emulator(t)
	cfg := env.llm("attached")
	id := func() string {
		l := emu.LLMs(env.workspace)
		if len(l) != 1 {
			t.Fatalf("the server holds %d configurations, want 1", len(l))
		}
		return l[0].ID
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{Config: env.config(cfg.hcl())},
			{
				PreConfig: func() {
					if err := emu.AttachLLM("repo-2", id()); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(""),
				ExpectError: regexp.MustCompile(`(?s)AI LLM configuration still in use.*403.*Repositories\s+still\s+use\s+it:\s+` +
					`repo-2\s+\("repo-2"\).*Detach\s+it\s+from\s+them\s+first`),
			},
			{
				PreConfig: func() {
					if err := emu.DetachLLM("repo-2", id()); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.config(""),
			},
		},
	})
}

// Refreshing N configurations of one workspace costs one list of it.
func TestAccAILLM_refreshListsEachWorkspaceOnce(t *testing.T) {
	env := newLLMEmulatorEnv(t, nil)
	emu := env.emu
	const n = 30
	cfg := env.config(fmt.Sprintf(`
locals {
  workspaces = [%q, %q]
}

resource "flashback_ai_llm" "many" {
  count        = %d
  workspace_id = local.workspaces[count.index %% 2]
  name         = "perf-${count.index}"
  ai_type      = "OPENAI"
  endpoint     = "https://api.openai.com/v1"
  secret       = "sk-perf"
}
`, env.workspace, llmOtherWorkspace, n))
	lists := func(want int) func() error {
		return func() error {
			if got := emu.Requests(http.MethodGet, emulator.OpLLMList); got != want {
				return fmt.Errorf("%d lists of AI LLM configurations, want %d: one per workspace", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkLLMsDestroyed,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig:    emu.ResetCounters,
				RefreshState: true,
				Check:        func(*terraform.State) error { return lists(2)() },
			},
			{PreConfig: emu.ResetCounters, Config: cfg, PlanOnly: true},
			{
				// The plan-only step refreshed once, with one list per workspace.
				PreConfig: func() {
					if err := lists(2)(); err != nil {
						t.Error("the plan-only step: " + err.Error())
					}
				},
				Config: cfg,
			},
		},
	})
}

// llmChanges is the update: exactly what differs between state and plan,
// with secret_wo taken from the configuration when its version changes.
func TestLLMChanges(t *testing.T) {
	t.Parallel()
	s := types.StringValue
	withSecret := aiLLMModel{
		Name: s("n"), AIType: s("OPENAI"), Endpoint: s("https://a"), Secret: s("old"), Key: types.StringNull(),
		SecretWO: types.StringNull(), SecretWOVersion: types.Int64Null(),
	}
	writeOnly := withSecret
	writeOnly.Secret, writeOnly.SecretWOVersion = types.StringNull(), types.Int64Value(3)
	str := func(v string) *string { return &v }
	cases := []struct {
		name      string
		state     aiLLMModel
		plan, cfg func(*aiLLMModel)
		want      client.UpdateAILLMRequest
	}{
		{name: "nothing", state: withSecret},
		{name: "name", state: withSecret, plan: func(m *aiLLMModel) { m.Name = s("m") }, want: client.UpdateAILLMRequest{Name: str("m")}},
		{name: "type and endpoint", state: withSecret, plan: func(m *aiLLMModel) { m.AIType, m.Endpoint = s("AWS"), s("https://b") },
			want: client.UpdateAILLMRequest{AIType: str("AWS"), Endpoint: str("https://b")}},
		{name: "key set", state: withSecret, plan: func(m *aiLLMModel) { m.Key = s("k") }, want: client.UpdateAILLMRequest{Key: str("k")}},
		{name: "secret", state: withSecret, plan: func(m *aiLLMModel) { m.Secret = s("new") }, want: client.UpdateAILLMRequest{Secret: str("new")}},
		{
			name:  "secret to secret_wo",
			state: withSecret,
			plan:  func(m *aiLLMModel) { m.Secret, m.SecretWOVersion = types.StringNull(), types.Int64Value(1) },
			cfg:   func(m *aiLLMModel) { m.SecretWO = s("wo") },
			want:  client.UpdateAILLMRequest{Secret: str("wo")},
		},
		{name: "secret_wo without a new version", state: writeOnly, cfg: func(m *aiLLMModel) { m.SecretWO = s("wo") }},
		{
			name:  "secret_wo with a new version",
			state: writeOnly,
			plan:  func(m *aiLLMModel) { m.SecretWOVersion = types.Int64Value(4) },
			cfg:   func(m *aiLLMModel) { m.SecretWO = s("wo") },
			want:  client.UpdateAILLMRequest{Secret: str("wo")},
		},
		{
			name:  "secret_wo to secret",
			state: writeOnly,
			plan:  func(m *aiLLMModel) { m.Secret, m.SecretWOVersion = s("plain"), types.Int64Null() },
			want:  client.UpdateAILLMRequest{Secret: str("plain")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan, cfg := tc.state, aiLLMModel{SecretWO: types.StringNull()}
			if tc.plan != nil {
				tc.plan(&plan)
			}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			got := llmChanges(plan, tc.state, cfg)
			gotSent, wantSent := fmt.Sprint(llmSentByUpdate(got)), fmt.Sprint(llmSentByUpdate(tc.want))
			if gotSent != wantSent || llmDeref(got.Secret) != llmDeref(tc.want.Secret) || llmDeref(got.Key) != llmDeref(tc.want.Key) {
				t.Errorf("llmChanges sends %s (secret %s), want %s (secret %s)", gotSent, llmDeref(got.Secret), wantSent, llmDeref(tc.want.Secret))
			}
		})
	}
}

func llmDeref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// A configuration that disappears between the refresh and the delete is
// destroyed all the same: a 404 on delete is success.
func TestAccAILLM_destroyAlreadyGone(t *testing.T) {
	var emu *emulator.Server
	env := newEmulatorEnv(t, nil, func(e *emulator.Server) http.Handler {
		emu = e
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				// Someone else deletes it a moment before this request arrives.
				if err := emu.DeleteLLM(strings.TrimPrefix(r.URL.Path, "/ai/llm/")); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
			emu.ServeHTTP(w, r)
		})
	})
	llmEnv := &llmTestEnv{testEnv: env, workspace: emulator.DefaultWorkspaceID}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(s *terraform.State) error {
			if n := emu.Requests(http.MethodDelete, emulator.OpLLMDelete); n != 1 {
				return fmt.Errorf("%d deletes, want 1", n)
			}
			return llmEnv.checkLLMsDestroyed(s)
		},
		Steps: []resource.TestStep{{Config: env.config(llmEnv.llm("vanishing").hcl())}},
	})
}

// Import finds the configuration's workspace by listing every workspace, and
// warns that the secret and the key cannot come with it.
func TestAILLMImportState_findsTheWorkspaceAndWarnsOfTheSecret(t *testing.T) {
	t.Parallel()
	emu, token := newLLMRecoveryEmulator(t, emulator.Options{Workspaces: []emulator.Workspace{{ID: llmOtherWorkspace}}})
	r := newLLMRecoveryResource(t, emu, token, 0)
	ctx := context.Background()
	req := recoveryRequest("imported")
	req.WorkspaceID, req.Key = llmOtherWorkspace, "access-key"
	id, err := r.data.client.AILLMs.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}

	var schemaResp fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &schemaResp)
	resp := &fwresource.ImportStateResponse{State: tfsdk.State{
		Schema: schemaResp.Schema,
		Raw:    tftypes.NewValue(schemaResp.Schema.Type().TerraformType(ctx), nil),
	}}
	r.ImportState(ctx, fwresource.ImportStateRequest{ID: id}, resp)
	if resp.Diagnostics.HasError() || len(resp.Diagnostics) != 1 {
		t.Fatalf("want one warning, got:\n%s", llmDiagText(resp.Diagnostics))
	}
	requireContains(t, resp.Diagnostics[0].Summary(), "Secret and key not imported")
	requireContains(t, resp.Diagnostics[0].Detail(), id, "in-place update that sends the secret")
	var got aiLLMModel
	if d := resp.State.Get(ctx, &got); d.HasError() {
		t.Fatal(llmDiagText(d))
	}
	want := map[string]string{"id": id, "workspace_id": llmOtherWorkspace, "name": "imported", "ai_type": "OPENAI",
		"endpoint": req.Endpoint, "org_id": emulator.DefaultOrgID}
	gotValues := map[string]string{"id": got.ID.ValueString(), "workspace_id": got.WorkspaceID.ValueString(), "name": got.Name.ValueString(),
		"ai_type": got.AIType.ValueString(), "endpoint": got.Endpoint.ValueString(), "org_id": got.OrgID.ValueString()}
	for attr, w := range want {
		if gotValues[attr] != w {
			t.Errorf("imported %s = %q, want %q", attr, gotValues[attr], w)
		}
	}
	if !got.Secret.IsNull() || !got.Key.IsNull() || !got.SecretWOVersion.IsNull() {
		t.Error("import put a secret, key or secret_wo_version into the state")
	}
	if !createdAtPattern.MatchString(got.CreatedAt.ValueString()) {
		t.Errorf("imported created_at %q", got.CreatedAt.ValueString())
	}
}
