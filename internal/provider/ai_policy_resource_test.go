package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

const testPolicyAddr = "flashback_ai_policy.test"

// policyArgs are the attributes of a flashback_ai_policy; the empty ones are
// left out of the configuration.
type policyArgs struct {
	orgID, workspaceID, repoID  string
	name, content, risk, action string
	extra                       string
}

// basePolicy is a policy whose every required attribute is set, at the
// organization's scope with the organization left to the provider.
func basePolicy() policyArgs {
	return policyArgs{name: "PII protection", content: "Do not allow sharing of personal data.", risk: "HIGH", action: "block"}
}

func policyConfig(label string, a policyArgs) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nresource \"flashback_ai_policy\" %q {\n", label)
	for _, attr := range []struct{ name, value string }{
		{"org_id", a.orgID}, {"workspace_id", a.workspaceID}, {"repo_id", a.repoID},
		{"name", a.name}, {"content", a.content}, {"risk_type", a.risk}, {"action_type", a.action},
	} {
		if attr.value != "" {
			fmt.Fprintf(&b, "  %s = %q\n", attr.name, attr.value)
		}
	}
	b.WriteString(a.extra)
	b.WriteString("}\n")
	return b.String()
}

// createRequest is the create that the provider sends for a, in the test
// organization.
func createRequest(a policyArgs) client.CreateAIPolicyRequest {
	action, _ := client.ParseAIPolicyAction(a.action)
	return client.CreateAIPolicyRequest{OrgID: testOrgID, WorkspaceID: a.workspaceID, RepoID: a.repoID,
		Name: a.name, Content: a.content, RiskType: a.risk, ActionType: action}
}

var (
	pathWorkspaceID = tfjsonpath.New("workspace_id")
	pathRepoID      = tfjsonpath.New("repo_id")
)

// quoted is s as an HCL string, or "" (the attribute left out) for "".
func quoted(s string) string {
	if s == "" {
		return ""
	}
	return strconv.Quote(s)
}

// policyActions maps action_type to the number on the wire.
var policyActions = map[string]int{"log": 0, "alert": 1, "block": 2}

// checkPoliciesMatchServer proves that the emulator holds, live, exactly the
// policies the state holds, with the same scope and values.
func checkPoliciesMatchServer(emu *emulator.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		live := map[string]emulator.Policy{}
		for _, p := range emu.Policies() {
			if p.DeletedAt == nil {
				live[p.ID] = p
			}
		}
		inState := 0
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "flashback_ai_policy" {
				continue
			}
			inState++
			a := rs.Primary.Attributes
			p, ok := live[rs.Primary.ID]
			if !ok {
				return fmt.Errorf("%s: policy %s is in state but not live on the server", addr, rs.Primary.ID)
			}
			got := []string{a["org_id"], a["workspace_id"], a["repo_id"], a["name"], a["content"], a["risk_type"], fmt.Sprint(policyActions[a["action_type"]])}
			want := []string{p.OrgID, p.WorkspaceID, p.RepoID, p.Name, p.Content, p.RiskType, fmt.Sprint(p.ActionType)}
			if !slices.Equal(got, want) {
				return fmt.Errorf("%s: state %q differs from the server's %q", addr, got, want)
			}
		}
		if inState != len(live) {
			return fmt.Errorf("the server has %d live policies, the state %d: a policy is orphaned or missing", len(live), inState)
		}
		return nil
	}
}

// checkNoLivePolicies is a CheckDestroy: every policy is gone.
func checkNoLivePolicies(emu *emulator.Server) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, p := range emu.Policies() {
			if p.DeletedAt == nil {
				return fmt.Errorf("policy %s (%q) is still live after destroy", p.ID, p.Name)
			}
		}
		return nil
	}
}

// policyStateIs checks every attribute of the test policy: a, in the test
// organization.
func policyStateIs(a policyArgs) []statecheck.StateCheck {
	const addr = testPolicyAddr
	orNull := func(v string) knownvalue.Check {
		if v == "" {
			return knownvalue.Null()
		}
		return knownvalue.StringExact(v)
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, pathID, knownvalue.StringRegexp(uuidPattern)),
		statecheck.ExpectKnownValue(addr, pathOrgID, knownvalue.StringExact(testOrgID)),
		statecheck.ExpectKnownValue(addr, pathWorkspaceID, orNull(a.workspaceID)),
		statecheck.ExpectKnownValue(addr, pathRepoID, orNull(a.repoID)),
		statecheck.ExpectKnownValue(addr, pathName, knownvalue.StringExact(a.name)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("content"), knownvalue.StringExact(a.content)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("risk_type"), knownvalue.StringExact(a.risk)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("action_type"), knownvalue.StringExact(a.action)),
		statecheck.ExpectKnownValue(addr, pathCreatedAt, knownvalue.StringRegexp(createdAtPattern)),
	}
}

// acrossSteps returns, for each of n steps, state checks that together fail
// unless each path of the test policy has the same value (or, with differ, a different
// value) after every step.
func acrossSteps(n int, c compare.ValueComparer, paths ...tfjsonpath.Path) [][]statecheck.StateCheck {
	type collector interface {
		AddStateValue(resourceAddress string, attributePath tfjsonpath.Path) statecheck.StateCheck
	}
	comparers := make([]collector, len(paths))
	for i := range paths {
		comparers[i] = statecheck.CompareValue(c)
	}
	steps := make([][]statecheck.StateCheck, n)
	for s := range steps {
		for i, p := range paths {
			steps[s] = append(steps[s], comparers[i].AddStateValue(testPolicyAddr, p))
		}
	}
	return steps
}

// A policy at each scope: created with the organization the profile gives,
// read back without a diff, destroyed.
func TestAccAIPolicy_lifecycleAtEachScope(t *testing.T) {
	cases := []struct {
		name                string
		workspaceID, repoID string
	}{
		{"organization", "", ""},
		{"workspace", testWorkspaceID, ""},
		{"repo", testWorkspaceID, testGatewayRepoID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEmulatorEnv(t, nil, nil)
			a := basePolicy()
			a.workspaceID, a.repoID = tc.workspaceID, tc.repoID
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy:             resource.ComposeTestCheckFunc(checkNoLivePolicies(env.emu), env.checkDestroyed(t)),
				Steps: []resource.TestStep{{
					Config: env.config(policyConfig("test", a)),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionCreate),
							// The organization is read from Flashback only at apply.
							plancheck.ExpectUnknownValue(testPolicyAddr, pathOrgID),
						},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: policyStateIs(a),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkPoliciesMatchServer(env.emu),
						// The create's answer is the policy: nothing is read
						// back. The scope is listed once, for the look-alike
						// check, since no refresh listed it before.
						checkRequests(env.emu, http.MethodPost, emulator.OpPolicyCreate, 1),
						checkRequests(env.emu, http.MethodGet, emulator.OpPolicyList, 1),
						checkRequests(env.emu, http.MethodGet, emulator.OpPolicyGet, 0),
						env.checkServerMatchesState(t),
					),
				}},
			})
		})
	}
}

// putRecorder records the bodies of the policy updates a handler forwards.
type putRecorder struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (p *putRecorder) wrap(emu *emulator.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/policy/") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var fields map[string]any
			_ = json.Unmarshal(body, &fields)
			p.mu.Lock()
			p.bodies = append(p.bodies, fields)
			p.mu.Unlock()
		}
		emu.ServeHTTP(w, r)
	})
}

func (p *putRecorder) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bodies = nil
}

// sent fails unless exactly one update was sent since the last reset, with
// exactly the fields of want.
func (p *putRecorder) sent(want map[string]any) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.bodies) != 1 {
			return fmt.Errorf("%d policy updates sent, want 1: %v", len(p.bodies), p.bodies)
		}
		got, _ := json.Marshal(p.bodies[0])
		wanted, _ := json.Marshal(want)
		if !bytes.Equal(got, wanted) {
			return fmt.Errorf("the update sent %s, want %s", got, wanted)
		}
		return nil
	}
}

// Each of the four values changes in place, with one request that sends only
// what changed; the policy keeps its id and creation time.
func TestAccAIPolicy_updateInPlace(t *testing.T) {
	var puts putRecorder
	env := newEmulatorEnv(t, nil, puts.wrap)
	steps := []struct {
		change func(*policyArgs)
		sent   map[string]any
	}{
		{func(*policyArgs) {}, nil},
		{func(a *policyArgs) { a.name = "PII protection v2" }, map[string]any{"name": "PII protection v2"}},
		{func(a *policyArgs) { a.content = "Never share personal data." }, map[string]any{"content": "Never share personal data."}},
		{func(a *policyArgs) { a.risk = "MEDIUM" }, map[string]any{"riskType": "MEDIUM"}},
		{func(a *policyArgs) { a.action = "alert" }, map[string]any{"actionType": float64(1)}},
		// 0 is a value like any other, not a field left out.
		{func(a *policyArgs) { a.action = "log" }, map[string]any{"actionType": float64(0)}},
	}
	stable := acrossSteps(len(steps), compare.ValuesSame(), pathID, pathCreatedAt, pathOrgID)
	a := basePolicy()
	a.workspaceID = testWorkspaceID
	var testSteps []resource.TestStep
	for i, s := range steps {
		s.change(&a)
		step := resource.TestStep{
			Config:            env.config(policyConfig("test", a)),
			ConfigStateChecks: append(stable[i], policyStateIs(a)...),
			Check:             checkPoliciesMatchServer(env.emu),
		}
		if i > 0 {
			step.PreConfig = func() {
				puts.reset()
				env.emu.ResetCounters()
			}
			step.ConfigPlanChecks.PreApply = []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(testPolicyAddr, pathID, knownvalue.NotNull()),
				plancheck.ExpectKnownValue(testPolicyAddr, pathCreatedAt, knownvalue.NotNull()),
				plancheck.ExpectKnownValue(testPolicyAddr, pathOrgID, knownvalue.StringExact(testOrgID)),
			}
			step.Check = resource.ComposeAggregateTestCheckFunc(step.Check, puts.sent(s.sent),
				// The plan's refresh lists the scope; the update's answer is
				// the policy, so nothing is read back.
				checkRequests(env.emu, http.MethodGet, emulator.OpPolicyList, 1),
				checkRequests(env.emu, http.MethodGet, emulator.OpPolicyGet, 0))
		}
		testSteps = append(testSteps, step)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps:                    testSteps,
	})
}

// The scope is fixed at creation: changing any part of it replaces the policy.
func TestAccAIPolicy_scopeChangesReplace(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a := basePolicy()
	a.orgID = testOrgID
	org := a
	ws := a
	ws.workspaceID = testWorkspaceID
	repo := ws
	repo.repoID = testGatewayRepoID
	repo2 := repo
	repo2.repoID = testGatewayRepo2ID
	otherOrg := repo2
	otherOrg.orgID = "org-elsewhere"
	ids := acrossSteps(4, compare.ValuesDiffer(), pathID)
	replaced := func() resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionReplace),
		}}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: env.config(policyConfig("test", org)), ConfigStateChecks: ids[0]},
			{
				Config:            env.config(policyConfig("test", ws)),
				ConfigPlanChecks:  replaced(),
				ConfigStateChecks: append(ids[1], policyStateIs(ws)...),
				Check:             checkPoliciesMatchServer(env.emu),
			},
			{
				Config:            env.config(policyConfig("test", repo)),
				ConfigPlanChecks:  replaced(),
				ConfigStateChecks: ids[2],
				Check:             checkPoliciesMatchServer(env.emu),
			},
			{
				Config:            env.config(policyConfig("test", repo2)),
				ConfigPlanChecks:  replaced(),
				ConfigStateChecks: append(ids[3], policyStateIs(repo2)...),
				Check:             checkPoliciesMatchServer(env.emu),
			},
			{
				// Only planned: the token belongs to no other organization.
				Config:             env.config(policyConfig("test", otherOrg)),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionReplace),
				}},
			},
		},
	})
}

// Several policies without org_id cost one read of the profile, at apply.
func TestAccAIPolicy_orgFromProfileOnce(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a := basePolicy()
	ws := a
	ws.workspaceID = testWorkspaceID
	repo := ws
	repo.repoID = testGatewayRepoID
	cfg := env.config(policyConfig("org", a) + policyConfig("ws", ws) + policyConfig("repo", repo) +
		policyConfig("org2", policyArgs{name: "Secrets", content: "Do not reveal credentials.", risk: "MEDIUM", action: "alert"}))
	var checks []statecheck.StateCheck
	for _, label := range []string{"org", "ws", "repo", "org2"} {
		checks = append(checks, statecheck.ExpectKnownValue("flashback_ai_policy."+label, pathOrgID, knownvalue.StringExact(testOrgID)))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{
				Config:            cfg,
				ConfigStateChecks: checks,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRequests(env.emu, http.MethodGet, emulator.OpProfileGet, 1),
					checkPoliciesMatchServer(env.emu),
				),
			},
			{
				// Later runs read org_id from the state: no profile at all.
				PreConfig: env.emu.ResetCounters,
				Config:    cfg,
				Check:     checkRequests(env.emu, http.MethodGet, emulator.OpProfileGet, 0),
			},
		},
	})
}

// The profile is read only when a policy needs the organization: never for a
// configuration of keys, nor for policies whose organization is set, on the
// resource or in the provider.
func TestAccAIPolicy_noProfileWhenNotNeeded(t *testing.T) {
	a := basePolicy()
	explicit := a
	explicit.orgID = testOrgID
	cases := []struct {
		// providerOrg is the provider's org_id, if any.
		name, providerOrg, body string
		preApply                []plancheck.PlanCheck
	}{
		{"keys only", "", keyConfig("test", "repo-1", "k", "OPENAI"), nil},
		{"org_id on the policy", "", policyConfig("test", explicit), nil},
		{"org_id in the provider", testOrgID, policyConfig("test", a), []plancheck.PlanCheck{
			// Known in the plan, at no cost.
			plancheck.ExpectKnownValue(testPolicyAddr, pathOrgID, knownvalue.StringExact(testOrgID)),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := newEmulatorEnv(t, nil, nil)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy:             checkNoLivePolicies(env.emu),
				Steps: []resource.TestStep{{
					Config: env.config(tc.body, withProviderAttr("org_id", quoted(tc.providerOrg))),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply:             tc.preApply,
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						checkRequests(env.emu, http.MethodGet, emulator.OpProfileGet, 0),
						checkPoliciesMatchServer(env.emu),
					),
				}},
			})
		})
	}
}

// The provider's org_id is the default of every policy without one: changing
// it replaces them, while a policy that sets its own keeps it.
func TestAccAIPolicy_providerOrgChangeReplaces(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a := basePolicy()
	own := a
	own.orgID = testOrgID
	body := policyConfig("test", a) + policyConfig("own", own)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: env.config(body)},
			{
				// The same organization, now named in the provider: no change.
				Config: env.config(body, withProviderAttr("org_id", quoted(testOrgID))),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				Config:             env.config(body, withProviderAttr("org_id", quoted("org-elsewhere"))),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionReplace),
					plancheck.ExpectKnownValue(testPolicyAddr, pathOrgID, knownvalue.StringExact("org-elsewhere")),
					plancheck.ExpectResourceAction("flashback_ai_policy.own", plancheck.ResourceActionNoop),
				}},
			},
		},
	})
}

// A user in no organization cannot default org_id: the error says to set it.
func TestAccAIPolicy_profileWithoutOrganization(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	env.emu.InjectFault(emulator.Fault{Op: emulator.OpProfileGet, Status: http.StatusOK,
		Body: `{"success":true,"data":{"id":"u-1","name":"Solo","orgId":null}}`})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(policyConfig("test", basePolicy())),
			ExpectError: errorRE(`No organization for the AI policy .* with flashback_ai_policy.test, .* ` +
				`"PII protection" sets no org_id, .* belongs to no organization: its profile's orgId is null\. ` +
				`So set org_id there, or org_id in the provider block \(or the FLASHBACK_ORG_ID`),
		}},
	})
}

// A profile that cannot be read says why, and how to do without it.
func TestAccAIPolicy_profileUnreadable(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	env.emu.InjectFault(emulator.Fault{Op: emulator.OpProfileGet, Status: http.StatusNotFound})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(policyConfig("test", basePolicy())),
			ExpectError: errorRE(`Cannot find the organization for the AI policy .* GET /user/profile: 404 .* ` +
				`Or set org_id there, or org_id in the provider block`),
		}},
	})
}

func TestAccAIPolicy_import(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a := basePolicy()
	a.workspaceID, a.repoID, a.action = testWorkspaceID, testGatewayRepoID, "alert"
	cfg := env.config(policyConfig("test", a))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				// terraform import: the read-one call gives every attribute,
				// the scope included.
				Config:            cfg,
				ResourceName:      testPolicyAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// An import block: the plan that imports changes nothing else.
				Config:          cfg,
				ResourceName:    testPolicyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
}

func TestAccAIPolicy_importErrors(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	cfg := env.config(policyConfig("test", basePolicy()))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:        cfg,
				ResourceName:  testPolicyAddr,
				ImportState:   true,
				ImportStateId: "00000000-0000-4000-8000-000000000000",
				ExpectError:   errorRE(`AI policy not found .* no AI policy with id 00000000-0000-4000-8000-000000000000`),
			},
			{
				Config:        cfg,
				ResourceName:  testPolicyAddr,
				ImportState:   true,
				ImportStateId: "org/550e8400 ",
				ExpectError:   errorRE(`Invalid import ID .* the ID of an AI policy`),
			},
		},
	})
}

// policyIDOf stores the id of the policy at addr in *id.
func policyIDOf(addr string, id *string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(addr, "id", func(v string) error { *id = v; return nil })
}

func TestAccAIPolicy_deletedOutsideTerraform(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	var id string
	ids := acrossSteps(2, compare.ValuesDiffer(), pathID)
	cfg := env.config(policyConfig("test", basePolicy()))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: ids[0], Check: policyIDOf(testPolicyAddr, &id)},
			{
				PreConfig: func() {
					if err := env.emu.DeletePolicy(id); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: ids[1],
				Check:             checkPoliciesMatchServer(env.emu),
			},
		},
	})
}

func TestAccAIPolicy_changedOutsideTerraform(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	var id string
	a := basePolicy()
	a.workspaceID = testWorkspaceID
	ids := acrossSteps(2, compare.ValuesSame(), pathID, pathCreatedAt)
	cfg := env.config(policyConfig("test", a))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: ids[0], Check: policyIDOf(testPolicyAddr, &id)},
			{
				PreConfig: func() {
					err := env.emu.UpdatePolicy(id, func(p *emulator.Policy) {
						p.Name, p.ActionType, p.RiskType = "edited in the UI", 0, "LOW"
					})
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: append(ids[1], policyStateIs(a)...),
				Check:             checkPoliciesMatchServer(env.emu),
			},
		},
	})
}

// Deleted by someone else between the refresh and the delete: the delete's
// 404 is success.
func TestAccAIPolicy_deleteOfGonePolicy(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: env.config(policyConfig("test", basePolicy()))},
			{
				PreConfig: func() {
					env.emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyDelete, Status: http.StatusNotFound, AfterAct: true, Count: 1})
				},
				Config: env.config(""),
				Check:  checkRequests(env.emu, http.MethodDelete, emulator.OpPolicyDelete, 1),
			},
		},
	})
}

func TestAccAIPolicy_validation(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	with := func(change func(*policyArgs)) string {
		a := basePolicy()
		change(&a)
		return policyConfig("test", a)
	}
	testPlanErrors(t, env, []planErrorCase{
		{"repo_id without workspace_id", with(func(a *policyArgs) { a.repoID = testGatewayRepoID }),
			errorRE(`Attribute "workspace_id" must be specified when "repo_id" is specified`)},
		{"risk_type not allowed", with(func(a *policyArgs) { a.risk = "high" }),
			errorRE(`risk_type .* one of: \["LOW" "MEDIUM" "HIGH"\], got: "high"`)},
		{"action_type not allowed", with(func(a *policyArgs) { a.action = "2" }),
			errorRE(`action_type .* one of: \["log" "alert" "block"\], got: "2"`)},
		{"empty name", with(func(a *policyArgs) { a.name = ""; a.extra = "  name = \"\"\n" }),
			errorRE(`name .* at least 1`)},
		{"blank name", with(func(a *policyArgs) { a.name = " \t " }),
			errorRE(`name must not be empty or only white space`)},
		{"empty workspace_id", with(func(a *policyArgs) { a.extra = "  workspace_id = \"\"\n" }),
			errorRE(`workspace_id .* at least 1`)},
		{"missing content", with(func(a *policyArgs) { a.content = "" }),
			errorRE(`The argument "content" is required`)},
	})
}

// What Flashback refuses is reported with the attributes sent and its
// message, and never as something to try again later.
func TestAccAIPolicy_serverRefusesValues(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	long := strings.Repeat("n", emulator.MaxNameLength+1)
	a := basePolicy()
	tooLong := a
	tooLong.name = long
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{
				Config: env.config(policyConfig("test", tooLong)),
				ExpectError: errorRE(`Cannot create AI policy .* POST /policy: 400 Bad Request: name must be at most ` +
					`\d+ characters.* Flashback refused the values sent \(name, content, risk_type, action_type, ` +
					`org_id\): change them as its message says\.`),
			},
			{Config: env.config(policyConfig("test", a))},
			{
				Config: env.config(policyConfig("test", tooLong)),
				ExpectError: errorRE(`Cannot update AI policy .* 400 Bad Request: name must be at most .* ` +
					`Flashback refused the values sent \(name\): change them as its message says\.`),
			},
		},
	})
}

// A workspace the token may not use: 403, named with what to check.
func TestAccAIPolicy_forbiddenScope(t *testing.T) {
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		o.Workspaces = append(o.Workspaces, emulator.Workspace{ID: "ws-other", OrgID: "org-other"})
	}, nil)
	a := basePolicy()
	a.workspaceID = "ws-other"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(policyConfig("test", a)),
			ExpectError: errorRE(`No access to Flashback workspace ws-other of organization ` + testOrgID + ` .* 403 .* ` +
				`check org_id or workspace_id`),
		}},
	})
}

// A create whose answer is lost after Flashback acted leaves a policy that is
// enforced: it is never deleted, and it is named with its import command. The
// same apply run again, as a pipeline does, must not make a second one: it
// stops before it sends anything, naming the policy again. Importing it, as
// both errors say, completes the configuration with one policy.
func TestAccAIPolicy_createOutcomeUnknownRerunStopsThenImports(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a := basePolicy()
	a.workspaceID = testWorkspaceID
	cfg := env.config(policyConfig("test", a))
	var candidate string
	livePolicies := func() []string {
		var ids []string
		for _, p := range env.emu.Policies() {
			if p.DeletedAt == nil {
				ids = append(ids, p.ID)
			}
		}
		return ids
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyCreate, Status: http.StatusInternalServerError, AfterAct: true, Count: 1})
				},
				Config: cfg,
				ExpectError: errorRE(`Cannot create AI policy .* unknown outcome .* 500 .* made while it was under way and ` +
					`not by this Terraform run: ` + uuidRE + ` \(.*none was adopted or deleted.* terraform import ` +
					`flashback_ai_policy.<name> ` + uuidRE),
			},
			{
				// The plain rerun: the policy the lost create made is in the
				// scope's list, and nothing in the state knows it.
				PreConfig: func() {
					live := livePolicies()
					if len(live) != 1 {
						t.Fatalf("%d live policies after the failed create, want 1", len(live))
					}
					candidate = live[0]
					env.emu.ResetCounters()
				},
				Config: cfg,
				ExpectError: errorRE(`Identical AI policy already exists .* Workspace ` + testWorkspaceID + `.* ` +
					`Nothing was created.* terraform import flashback_ai_policy.<name> ` + uuidRE),
			},
			{
				PreConfig: func() {
					if live := livePolicies(); len(live) != 1 || live[0] != candidate {
						t.Fatalf("live policies after the rerun %v, want only %s: the rerun made a second one", live, candidate)
					}
					if n := env.emu.Requests(http.MethodPost, emulator.OpPolicyCreate); n != 0 {
						t.Fatalf("the rerun sent %d creates, want none", n)
					}
					if n := env.emu.Requests(http.MethodDelete, emulator.OpPolicyDelete); n != 0 {
						t.Fatalf("%d deletes, want none", n)
					}
				},
				Config:             cfg,
				ResourceName:       testPolicyAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return candidate, nil },
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testPolicyAddr, "id", &candidate),
					checkPoliciesMatchServer(env.emu),
				),
			},
		},
	})
}

// A create that failed before Flashback acted leaves nothing: the error says
// so, and the next apply creates the policy.
func TestAccAIPolicy_createOutcomeUnknownNothingCreated(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	cfg := env.config(policyConfig("test", basePolicy()))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyCreate, Status: http.StatusBadGateway, Count: 1})
				},
				Config: cfg,
				ExpectError: errorRE(`Cannot create AI policy .* unknown outcome .* 502 .* lists no AI policy of that name ` +
					`made meanwhile, so Flashback most likely made none`),
			},
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRequests(env.emu, http.MethodPost, emulator.OpPolicyCreate, 2),
					checkPoliciesMatchServer(env.emu),
				),
			},
		},
	})
}

// Throttling is waited out: the create is sent again only because a 429 says
// Flashback did not act.
func TestAccAIPolicy_createRetriedWhenThrottled(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	env.emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyCreate, Status: http.StatusTooManyRequests, RetryAfter: "0", Count: 2})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{{
			Config: env.config(policyConfig("test", basePolicy())),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkRequests(env.emu, http.MethodPost, emulator.OpPolicyCreate, 3),
				checkPoliciesMatchServer(env.emu),
			),
		}},
	})
}

// A refresh of N policies costs one list per scope, and nothing else.
func TestAccAIPolicy_refreshListsEachScopeOnce(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	var body strings.Builder
	scopes := []policyArgs{{}, {workspaceID: testWorkspaceID}, {workspaceID: testWorkspaceID, repoID: testGatewayRepoID}}
	for i, scope := range scopes {
		for j := range 3 {
			a := basePolicy()
			a.workspaceID, a.repoID, a.name = scope.workspaceID, scope.repoID, fmt.Sprintf("policy %d.%d", i, j)
			body.WriteString(policyConfig(fmt.Sprintf("p%d_%d", i, j), a))
		}
	}
	cfg := env.config(body.String())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				// terraform refresh: one provider configuration reads all nine.
				PreConfig:    env.emu.ResetCounters,
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRequests(env.emu, http.MethodGet, emulator.OpPolicyList, len(scopes)),
					checkRequests(env.emu, http.MethodGet, emulator.OpPolicyGet, 0),
					checkPoliciesMatchServer(env.emu),
				),
			},
		},
	})
}

// A policy its scope's list does not show (yet) is read by id before anything
// is concluded, and kept: only it costs a read of its own.
func TestAccAIPolicy_notListedIsReadByID(t *testing.T) {
	var offset atomic.Int64
	env := newEmulatorEnv(t, func(o *emulator.Options) {
		// Lists hide policies for an hour; the clock jumps two hours between
		// the creates, so the first is listed and the second is not.
		o.ListLag = time.Hour
		o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	}, nil)
	listed := basePolicy()
	hidden := basePolicy()
	hidden.name = "Secrets"
	one := env.config(policyConfig("listed", listed))
	both := env.config(policyConfig("listed", listed) + policyConfig("hidden", hidden))
	var ids [2]string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: one},
			{
				PreConfig: func() { offset.Store(int64(2 * time.Hour)) },
				Config:    both,
				Check: resource.ComposeAggregateTestCheckFunc(
					policyIDOf("flashback_ai_policy.listed", &ids[0]),
					policyIDOf("flashback_ai_policy.hidden", &ids[1]),
				),
			},
			{
				PreConfig:    env.emu.ResetCounters,
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRequests(env.emu, http.MethodGet, emulator.OpPolicyList, 1),
					checkRequests(env.emu, http.MethodGet, emulator.OpPolicyGet, 1),
					resource.TestCheckResourceAttrPtr("flashback_ai_policy.listed", "id", &ids[0]),
					resource.TestCheckResourceAttrPtr("flashback_ai_policy.hidden", "id", &ids[1]),
					checkPoliciesMatchServer(env.emu),
				),
			},
			{Config: both, PlanOnly: true},
		},
	})
}

// A list that says the scope itself is gone (404) does not decide: the
// read-one call does.
func TestAccAIPolicy_scopeListNotFoundFallsBackToRead(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	a := basePolicy()
	a.workspaceID = testWorkspaceID
	cfg := env.config(policyConfig("test", a))
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{Config: cfg, Check: policyIDOf(testPolicyAddr, &id)},
			{
				PreConfig: func() {
					env.emu.ResetCounters()
					env.emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyList, Status: http.StatusNotFound, Count: 1})
				},
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRequests(env.emu, http.MethodGet, emulator.OpPolicyGet, 1),
					resource.TestCheckResourceAttrPtr(testPolicyAddr, "id", &id),
				),
			},
		},
	})
}
