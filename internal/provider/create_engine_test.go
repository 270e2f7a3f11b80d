package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// createBound is what the max_retries description promises every create
// with an unknown outcome waits at most, with the defaults: the client's
// backoff between repeats, then the engine's one bounded re-list.
const createBound = 22 * time.Second

// A create that always fails with an unknown outcome gives up, for every
// collection, within the one documented bound, however its repeat rule
// treats it: keys repeat under a temporary name, LLM connections as sent,
// policies never. The waits are recorded, not waited, so the test proves the
// bound by adding them up.
func TestCreateEngine_everyCollectionGivesUpWithinTheBound(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		op    string
		posts int
		// create sends the create through the resource's engine.
		create func(data *providerData) diag.Diagnostics
	}{
		{"AI API key", emulator.OpCreate, client.DefaultMaxRetries + 1, func(data *providerData) diag.Diagnostics {
			_, diags := (&repoAIAPIKeyResource{data: data}).createKey(context.Background(), "repo-1", "never", client.AITypeOpenAI)
			return diags
		}},
		{"AI API key rotation", emulator.OpCreate, client.DefaultMaxRetries + 1, rotationCreate},
		{"AI LLM configuration", emulator.OpLLMCreate, client.DefaultMaxRetries + 1, func(data *providerData) diag.Diagnostics {
			_, diags := (&aiLLMResource{data: data}).createLLM(context.Background(), client.CreateAILLMRequest{
				WorkspaceID: testWorkspaceID, Name: "never", AIType: "OPENAI", Endpoint: "https://api.openai.com/v1", Secret: "sk-1"})
			return diags
		}},
		{"repository", emulator.OpRepoCreate, client.DefaultMaxRetries + 1, func(data *providerData) diag.Diagnostics {
			_, diags := (&repoResource{data: data}).createRepo(context.Background(), client.CreateRepoRequest{
				WorkspaceID: testWorkspaceID, Name: "never", StorageType: "S3", Mode: "NORMAL"})
			return diags
		}},
		{"AI policy", emulator.OpPolicyCreate, 1, func(data *providerData) diag.Diagnostics {
			_, diags := (&aiPolicyResource{data: data}).createPolicy(context.Background(), client.CreateAIPolicyRequest{
				OrgID: testOrgID, WorkspaceID: testWorkspaceID, Name: "never", Content: "c", RiskType: "HIGH",
				ActionType: client.AIPolicyActionBlock})
			return diags
		}},
		{"workspace", emulator.OpWorkspaceCreate, 1, createWorkspaceNever},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := emulator.Options{Token: "fbt_" + randomHex(t, 16), Repos: []string{"repo-1"}}
			seedGateway(&opts)
			emu, err := emulator.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: tc.op, Status: http.StatusBadGateway})
			srv := httptest.NewServer(emu)
			t.Cleanup(srv.Close)
			waits := &recordedWaits{}
			tn := defaultTuning
			tn.sleep = waits.sleep
			c, err := client.New(client.Config{BaseURL: srv.URL, Token: opts.Token, MaxRetries: client.DefaultMaxRetries,
				RetryWaitMin: tn.retryWaitMin, RetryWaitMax: tn.retryWaitMax, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			diags := tc.create(newProviderData(c, opts.Token, client.DefaultMaxRetries, 0, tn))

			if !diags.HasError() || !strings.Contains(diagText(diags), "unknown outcome") {
				t.Errorf("want an error about the unknown outcome, got: %s", diagText(diags))
			}
			if n := emu.Requests(http.MethodPost, tc.op); n != tc.posts {
				t.Errorf("%d creates sent, want %d", n, tc.posts)
			}
			if total := waits.total(); total > createBound {
				t.Errorf("the create waited %v in all (%v), more than the documented %v", total, waits.waits, createBound)
			}
		})
	}
	if !strings.Contains(providerAttrDescription("max_retries"), "at most about 22 seconds of waiting with the default, whatever the resource") {
		t.Error("the max_retries description does not state the create engine's bound for every resource")
	}
}
