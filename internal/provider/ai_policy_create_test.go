package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// newUnitPolicyResource is the policy resource wired to handler as Configure
// would wire it, with no retries and the test waits.
func newUnitPolicyResource(t *testing.T, handler http.Handler, token string) *aiPolicyResource {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, Token: token, MaxRetries: 0, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	data := newProviderData(c, token, 0, 0, testTuning)
	data.org = newOrgDiscovery("", c.Users.Profile)
	return &aiPolicyResource{data: data}
}

// newPolicyEmulator is an emulator of the seeded organization whose clock runs
// offset ahead of the real one.
func newPolicyEmulator(t *testing.T, offset *atomic.Int64) (*emulator.Server, string) {
	t.Helper()
	opts := emulator.Options{Token: "fbt_" + randomHex(t, 16)}
	seedGateway(&opts)
	opts.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return emu, opts.Token
}

func livePolicyIDs(emu *emulator.Server) []string {
	var ids []string
	for _, p := range emu.Policies() {
		if p.DeletedAt == nil {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

// The candidates of a create with an unknown outcome are only the look-alike
// policies made since the request began and not by this provider.
func TestPolicyCreate_candidatesAreOnlyNewAndNotOurs(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	emu, token := newPolicyEmulator(t, &offset)
	r := newUnitPolicyResource(t, emu, token)
	in := createRequest(basePolicy())
	ctx := context.Background()

	ours, diags := r.createPolicy(ctx, in)
	if diags.HasError() {
		t.Fatal(diagText(diags))
	}
	emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyCreate, Status: http.StatusGatewayTimeout, AfterAct: true, Count: 1})
	created, diags := r.createPolicy(ctx, in)
	if created != nil || !diags.HasError() {
		t.Fatalf("create with an unknown outcome returned %v, %s; want nil and an error", created, diagText(diags))
	}
	live := livePolicyIDs(emu)
	if len(live) != 2 {
		t.Fatalf("%d live policies, want 2: nothing may be deleted", len(live))
	}
	orphan := live[0] // newest first
	text := diagText(diags)
	if !strings.Contains(text, "made while it was under way and not by this Terraform run: "+orphan) {
		t.Errorf("the error does not name the one candidate %s: %s", orphan, text)
	}
	if !strings.Contains(text, "terraform import flashback_ai_policy.<name> "+orphan) {
		t.Errorf("the error does not say how to import %s: %s", orphan, text)
	}
	if strings.Contains(text, ours.ID) {
		t.Errorf("the error names the provider's own policy %s as a candidate: %s", ours.ID, text)
	}
}

// A scope that already holds a policy identical to the one to create, which
// this provider did not make, is most likely what an earlier apply left when
// its answer was lost: the create stops before it sends anything, and names
// it with its import command. One this provider made is no reason to stop.
func TestPolicyCreate_identicalPolicyNotOursStopsTheCreate(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	emu, token := newPolicyEmulator(t, &offset)
	r := newUnitPolicyResource(t, emu, token)
	in := createRequest(basePolicy())
	ctx := context.Background()

	offset.Store(int64(-time.Hour))
	earlier, err := r.data.client.AIPolicies.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(0)
	posts := emu.Requests(http.MethodPost, emulator.OpPolicyCreate)
	created, diags := r.createPolicy(ctx, in)
	if created != nil || !diags.HasError() {
		t.Fatalf("create beside an identical policy returned %v, %s; want nil and an error", created, diagText(diags))
	}
	text := diagText(diags)
	for _, want := range []string{"Identical AI policy already exists", earlier.ID, "Nothing was created",
		"terraform import flashback_ai_policy.<name> " + earlier.ID, "give this one another name"} {
		if !strings.Contains(text, want) {
			t.Errorf("the error lacks %q: %s", want, text)
		}
	}
	if n := emu.Requests(http.MethodPost, emulator.OpPolicyCreate) - posts; n != 0 {
		t.Errorf("%d creates sent, want none", n)
	}

	// A second policy of other content is no look-alike, and once this
	// provider made it, neither is a third identical to it.
	in.Content = "another content"
	for range 2 {
		if _, diags := r.createPolicy(ctx, in); diags.HasError() {
			t.Fatalf("create of a policy this provider made the twin of failed: %s", diagText(diags))
		}
	}
}

// A create that Terraform interrupts while its request is in flight looks
// once, on a context of its own, and names the policy Flashback made.
func TestPolicyCreate_interruptedNamesTheCandidate(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	emu, token := newPolicyEmulator(t, &offset)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			emu.ServeHTTP(w, req)
			return
		}
		// Flashback acts, then the user presses Ctrl-C before the answer.
		emu.ServeHTTP(httptest.NewRecorder(), req)
		cancel()
		<-req.Context().Done()
	})
	r := newUnitPolicyResource(t, handler, token)

	created, diags := r.createPolicy(ctx, createRequest(basePolicy()))
	if created != nil || !diags.HasError() {
		t.Fatalf("interrupted create returned %v, %s; want nil and an error", created, diagText(diags))
	}
	live := livePolicyIDs(emu)
	if len(live) != 1 {
		t.Fatalf("%d live policies, want the 1 the interrupted create made", len(live))
	}
	if text := diagText(diags); !strings.Contains(text, live[0]) || !strings.Contains(text, "none was adopted or deleted") {
		t.Errorf("the error does not name policy %s: %s", live[0], text)
	}
	if n := emu.Requests(http.MethodGet, emulator.OpPolicyList); n != 2 {
		t.Errorf("%d lists, want 2: the look-alike check before the create, and one look after it", n)
	}
}

// An unusable answer that names the policy it made is this create's for
// certain: the policy is read back and kept.
func TestAccAIPolicy_createUnusableAnswerIsReadBack(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	env.emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyCreate, Status: http.StatusOK, AfterAct: true, Count: 1,
		Body: `{"success":true,"policy":{"id":"{{id}}"}}`})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{{
			Config: env.config(policyConfig("test", basePolicy())),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: policyStateIs(basePolicy()),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkRequests(env.emu, http.MethodPost, emulator.OpPolicyCreate, 1),
				checkRequests(env.emu, http.MethodGet, emulator.OpPolicyGet, 1),
				checkPoliciesMatchServer(env.emu),
			),
		}},
	})
}

// When the policy named by an unusable answer cannot be read back either, it
// is recorded as tainted, so the next apply replaces it: it is never left
// behind unrecorded.
func TestAccAIPolicy_createUnusableAnswerUnreadableIsTainted(t *testing.T) {
	env := newEmulatorEnv(t, nil, nil)
	cfg := env.config(policyConfig("test", basePolicy()))
	var first string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             checkNoLivePolicies(env.emu),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyCreate, Status: http.StatusOK, AfterAct: true, Count: 1,
						Body: `{"success":true,"policy":{"id":"{{id}}","name":"PII protection"}}`})
					env.emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyGet, Status: http.StatusForbidden, Count: 1})
				},
				Config: cfg,
				ExpectError: errorRE(`Cannot create AI policy .* Flashback created AI policy ` + uuidRE + ` in organization ` +
					testOrgID + `, but its answer was unusable .* reading the policy back failed: .* 403 .* tainted: the next ` +
					`terraform apply deletes it and creates it again`),
			},
			{
				PreConfig: func() {
					ids := livePolicyIDs(env.emu)
					if len(ids) != 1 {
						t.Fatalf("%d live policies after the failed create, want 1", len(ids))
					}
					first = ids[0]
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testPolicyAddr, plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						if s.RootModule().Resources[testPolicyAddr].Primary.ID == first {
							t.Errorf("the tainted policy %s was kept", first)
						}
						return nil
					},
					checkPoliciesMatchServer(env.emu),
				),
			},
		},
	})
}

// Creates of look-alike policies take turns: a create with an unknown outcome
// never names, as its own candidate, the policy of a sibling whose answer is
// still on its way.
func TestPolicyCreate_siblingInFlightIsNoCandidate(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	emu, token := newPolicyEmulator(t, &offset)
	siblingActed, otherDone := make(chan struct{}), make(chan struct{})
	var posts atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || posts.Add(1) != 1 {
			emu.ServeHTTP(w, req)
			return
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		// Whatever create comes next loses its answer.
		emu.InjectFault(emulator.Fault{Op: emulator.OpPolicyCreate, Status: http.StatusBadGateway, AfterAct: true, Count: 1})
		close(siblingActed)
		// Hold the sibling's answer until the other create is over, or, when
		// creates take turns, a while: the other create waits for this one.
		select {
		case <-otherDone:
		case <-time.After(500 * time.Millisecond):
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
	r := newUnitPolicyResource(t, handler, token)
	in := createRequest(basePolicy())

	siblingDone := make(chan *client.AIPolicy)
	go func() {
		created, _ := r.createPolicy(context.Background(), in)
		siblingDone <- created
	}()
	<-siblingActed
	_, diags := r.createPolicy(context.Background(), in)
	close(otherDone)
	sibling := <-siblingDone
	if sibling == nil {
		t.Fatal("the sibling create failed")
	}
	text := diagText(diags)
	if !diags.HasError() {
		t.Fatalf("the create whose answer was lost did not fail: %s", text)
	}
	if strings.Contains(text, sibling.ID) {
		t.Errorf("the sibling's policy %s is named as a candidate: %s", sibling.ID, text)
	}
	if !strings.Contains(text, "made while it was under way and not by this Terraform run: ") || strings.Count(text, "created 20") != 1 {
		t.Errorf("want exactly the one candidate this create made: %s", text)
	}
}
