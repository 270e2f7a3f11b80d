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

// newLLMRecoveryResource is the resource wired, as Configure would wire it, to
// a client of handler with the given retry budget and the tests' short waits.
func newLLMRecoveryResource(t *testing.T, handler http.Handler, token string, maxRetries int) *aiLLMResource {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, Token: token, MaxRetries: maxRetries,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &aiLLMResource{data: newProviderData(c, token, maxRetries, 0, testTuning)}
}

// newLLMRecoveryEmulator is an emulator with the default workspace besides
// those opts declare.
func newLLMRecoveryEmulator(t *testing.T, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	opts.Token = "fbt_" + randomHex(t, 16)
	opts.Workspaces = append(opts.Workspaces, emulator.Workspace{ID: emulator.DefaultWorkspaceID})
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return emu, opts.Token
}

func recoveryRequest(name string) client.CreateAILLMRequest {
	return client.CreateAILLMRequest{WorkspaceID: emulator.DefaultWorkspaceID, Name: name, AIType: "OPENAI",
		Endpoint: "https://api.openai.com/v1", Secret: "sk-recovery-secret"}
}

// createForRecovery runs the resource's create and returns the one error it
// must end with.
func createForRecovery(t *testing.T, ctx context.Context, r *aiLLMResource, req client.CreateAILLMRequest) string {
	t.Helper()
	id, diags := r.createLLM(ctx, req)
	if id != "" || !diags.HasError() || len(diags) != 1 {
		t.Fatalf("create returned %q and %d diagnostics, want an error alone:\n%s", id, len(diags), llmDiagText(diags))
	}
	detail := diags[0].Detail()
	if strings.Contains(detail, req.Secret) {
		t.Errorf("the diagnostic shows the secret:\n%s", detail)
	}
	return detail
}

func llmDiagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}

func requireContains(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
}

func onlyLLM(t *testing.T, emu *emulator.Server) emulator.LLM {
	t.Helper()
	l := emu.LLMs("")
	if len(l) != 1 {
		t.Fatalf("the server holds %d configurations, want 1", len(l))
	}
	return l[0]
}

func TestLLMCreate_unknownOutcomeNamesTheCandidateAndDeletesNothing(t *testing.T) {
	t.Parallel()
	emu, token := newLLMRecoveryEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpLLMCreate, Status: http.StatusInternalServerError, AfterAct: true, Count: 1})
	r := newLLMRecoveryResource(t, emu, token, 3)

	detail := createForRecovery(t, context.Background(), r, recoveryRequest("lost"))
	made := onlyLLM(t, emu)
	requireContains(t, detail, "500", "Sent again, it was refused", made.ID+" (ai_type OPENAI", "probably this create's",
		"neither adopted nor deleted", "terraform import flashback_ai_llm.<name> "+made.ID, `id = "`+made.ID+`"`)
	if n := emu.Requests(http.MethodDelete, emulator.OpLLMDelete); n != 0 {
		t.Errorf("%d deletes, want none", n)
	}
	if n := emu.Requests(http.MethodPost, emulator.OpLLMCreate); n != 2 {
		t.Errorf("%d creates, want 2: the repeat, refused because the name is taken, ends the attempts", n)
	}
}

// Another writer's configuration of the same name, older and with another
// endpoint, is named as such, never as this create's.
func TestLLMCreate_anotherWritersConfigurationIsNotTakenForOurs(t *testing.T) {
	t.Parallel()
	emu, token := newLLMRecoveryEmulator(t, emulator.Options{})
	r := newLLMRecoveryResource(t, emu, token, 3)
	other := recoveryRequest("shared")
	other.Endpoint = "https://other.example.com"
	otherID, err := r.data.client.AILLMs.Create(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpLLMCreate, Status: http.StatusBadGateway, Count: 1})

	detail := createForRecovery(t, context.Background(), r, recoveryRequest("shared"))
	requireContains(t, detail, otherID+" (ai_type OPENAI", "most likely another writer's",
		"terraform import flashback_ai_llm.<name> "+otherID, "If it is someone else's, give this one another name")
	if strings.Contains(detail, "probably this create's") {
		t.Errorf("another writer's configuration is offered as this request's:\n%s", detail)
	}
	if n := emu.Requests(http.MethodDelete, ""); n != 0 {
		t.Errorf("%d deletes, want none", n)
	}
}

// When the list does not show what the first attempt made, the create is sent
// again; Flashback refuses it as a duplicate name, and the error says why.
func TestLLMCreate_repeatRefusedAsDuplicate(t *testing.T) {
	t.Parallel()
	emu, token := newLLMRecoveryEmulator(t, emulator.Options{ListLag: time.Hour})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpLLMCreate, Drop: true, AfterAct: true, Count: 1})
	r := newLLMRecoveryResource(t, emu, token, 3)

	detail := createForRecovery(t, context.Background(), r, recoveryRequest("hidden"))
	requireContains(t, detail, "failed with an unknown outcome", "Sent again, it was refused", "400", "already exists",
		"refuses a name that is already taken", "does not list one named \"hidden\"", "terraform import")
	onlyLLM(t, emu)
	if n := emu.Requests(http.MethodPost, emulator.OpLLMCreate); n != 2 {
		t.Errorf("%d creates, want 2", n)
	}
	if n := emu.Requests(http.MethodDelete, ""); n != 0 {
		t.Errorf("%d deletes, want none", n)
	}
}

func TestLLMCreate_givesUpAfterTheRetryBudget(t *testing.T) {
	t.Parallel()
	emu, token := newLLMRecoveryEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpLLMCreate, Status: http.StatusGatewayTimeout})
	r := newLLMRecoveryResource(t, emu, token, 2)

	detail := createForRecovery(t, context.Background(), r, recoveryRequest("never"))
	requireContains(t, detail, "failed 3 times with an unknown outcome", "504", "lists no AI LLM configuration of that name",
		"run Terraform again later")
	if n := emu.Requests(http.MethodPost, emulator.OpLLMCreate); n != 3 {
		t.Errorf("%d creates, want 3 (max_retries 2)", n)
	}
	if n := len(emu.LLMs("")); n != 0 {
		t.Errorf("the server holds %d configurations, want 0", n)
	}
}

// A 2xx that names no configuration means one was made: it is named, not
// made again.
func TestLLMCreate_unusableAnswer(t *testing.T) {
	t.Parallel()
	emu, token := newLLMRecoveryEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpLLMCreate, Status: http.StatusOK, Body: `{"success": true}`, AfterAct: true, Count: 1})
	r := newLLMRecoveryResource(t, emu, token, 3)

	detail := createForRecovery(t, context.Background(), r, recoveryRequest("unnamed"))
	made := onlyLLM(t, emu)
	requireContains(t, detail, "unusable 200 response", `lacks "aiLlmId"`, made.ID, "made while it was under way")
	if n := emu.Requests(http.MethodPost, emulator.OpLLMCreate); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// Ctrl-C while the create is in flight: the request was acted on, and one
// quick look, on a context of its own, names what it made.
func TestLLMCreate_interruptedNamesWhatWasMade(t *testing.T) {
	t.Parallel()
	emu, token := newLLMRecoveryEmulator(t, emulator.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The create is carried out, then its answer is held until the caller
	// has given up.
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			emu.ServeHTTP(w, req)
			return
		}
		emu.ServeHTTP(httptest.NewRecorder(), req)
		cancel()
		<-req.Context().Done()
	})
	r := newLLMRecoveryResource(t, handler, token, 3)

	detail := createForRecovery(t, ctx, r, recoveryRequest("interrupted"))
	made := onlyLLM(t, emu)
	requireContains(t, detail, "was interrupted", "context canceled", made.ID, "made while it was under way")
	if n := emu.Requests(http.MethodDelete, ""); n != 0 {
		t.Errorf("%d deletes, want none", n)
	}
}
