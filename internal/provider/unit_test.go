package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// promptly bounds how long a wait may take to notice its context ended. It is
// far above what a loaded machine needs, and far below the hour the waits
// under test would otherwise take.
const promptly = 30 * time.Second

// newUnitResource is the resource wired to a client for handler, as Configure
// would wire it, with the given waits and retry budget.
func newUnitResource(t *testing.T, handler http.Handler, token string, tn tuning, maxRetries int) *repoAIAPIKeyResource {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, Token: token, MaxRetries: maxRetries,
		RetryWaitMin: tn.retryWaitMin, RetryWaitMax: tn.retryWaitMax, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &repoAIAPIKeyResource{data: &providerData{
		client:     c,
		lists:      client.NewListCache(c.AIAPIKeys.List, func(k client.AIAPIKey) string { return k.ID }, 0),
		token:      token,
		maxRetries: maxRetries,
		tuning:     tn,
	}}
}

// newUnitEmulator is an emulator holding repo-1 for the token.
func newUnitEmulator(t *testing.T, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	opts.Token = "fbt_" + randomHex(t, 16)
	opts.Repos = []string{"repo-1"}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return emu, opts.Token
}

// hourLong makes every wait of the provider an hour long, so that only a
// cancelled context can end it in time.
var hourLong = tuning{
	retryWaitMin:     time.Hour,
	retryWaitMax:     time.Hour,
	readRecheckWait:  time.Hour,
	readRecheckTries: 5,
}

// cancelSoon returns a context that is cancelled a moment after the call.
func cancelSoon(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(50*time.Millisecond, cancel)
	t.Cleanup(func() { timer.Stop(); cancel() })
	return ctx
}

func TestSleep_endsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if sleep(ctx, time.Hour) {
		t.Error("sleep with an ended context reported that it waited the whole time")
	}

	start := time.Now()
	if sleep(cancelSoon(t), time.Hour) {
		t.Error("sleep cancelled midway reported that it waited the whole time")
	}
	if d := time.Since(start); d > promptly {
		t.Errorf("sleep took %s to notice its context ended", d)
	}

	if !sleep(context.Background(), time.Millisecond) {
		t.Error("sleep that was not cancelled reported that it was")
	}
}

// A key the list does not show yet is looked for again after growing waits;
// cancelling must end those waits.
func TestFind_recheckEndsWithContext(t *testing.T) {
	emu, token := newUnitEmulator(t, emulator.Options{ListLag: time.Hour})
	r := newUnitResource(t, emu, token, hourLong, 0)
	created, err := r.data.client.AIAPIKeys.Create(context.Background(), "repo-1",
		client.CreateAIAPIKeyRequest{Name: "hidden", AIType: client.AITypeOpenAI})
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	listed, err := r.find(cancelSoon(t), "repo-1", created.ID, true)
	if d := time.Since(start); d > promptly {
		t.Errorf("find took %s to notice its context ended", d)
	}
	if !errors.Is(err, context.Canceled) || listed != nil {
		t.Errorf("find = %v, %v; want nil, context.Canceled", listed, err)
	}
	if n := emu.Requests(http.MethodGet, emulator.OpList); n != 1 {
		t.Errorf("find listed %d times before it was cancelled, want 1", n)
	}
}

// Recovering from a create with an unknown outcome waits for the list to
// catch up; cancelling must end that wait, and say what may be left behind.
func TestCreate_recoveryEndsWithContext(t *testing.T) {
	emu, token := newUnitEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodPost, Op: emulator.OpCreate, Status: http.StatusBadGateway})
	r := newUnitResource(t, emu, token, hourLong, 3)

	start := time.Now()
	created, diags := r.create(cancelSoon(t), "repo-1", "interrupted", client.AITypeGoogle)
	if d := time.Since(start); d > promptly {
		t.Errorf("create took %s to notice its context ended", d)
	}
	if created != nil {
		t.Errorf("create returned %+v", *created)
	}
	if text := diagText(diags); !diags.HasError() || !strings.Contains(text, "interrupted") || !strings.Contains(text, `"interrupted" may exist in repo repo-1`) {
		t.Errorf("diagnostics do not say the check was interrupted and what may be left: %s", text)
	}
	if n := emu.Requests(http.MethodPost, emulator.OpCreate); n != 1 {
		t.Errorf("create sent %d requests, want 1", n)
	}
}

// Ctrl-C while a create is in flight: the server created the key but the
// answer will never be read. The key must not stay behind without its secret.
func TestCreate_interruptedInFlightLeavesNoKey(t *testing.T) {
	emu, token := newUnitEmulator(t, emulator.Options{})
	arrived := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			emu.ServeHTTP(w, req)
			return
		}
		emu.ServeHTTP(httptest.NewRecorder(), req)
		close(arrived)
		<-req.Context().Done()
	})
	r := newUnitResource(t, handler, token, testTuning, 3)

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	created, diags := r.create(ctx, "repo-1", "interrupted", client.AITypeAWS)
	if created != nil {
		t.Errorf("create returned %+v", *created)
	}
	if text := diagText(diags); !diags.HasError() || !strings.Contains(text, "was interrupted") {
		t.Errorf("diagnostics do not say the create was interrupted: %s", text)
	}
	if live := emu.LiveKeys("repo-1"); len(live) != 0 {
		t.Errorf("%d keys left on the server after an interrupted create, want 0", len(live))
	}
	if n := emu.Requests(http.MethodDelete, emulator.OpDelete); n != 1 {
		t.Errorf("clean-up sent %d deletes, want 1", n)
	}
}

// The client's own backoff runs on the provider's context too.
func TestFind_retryBackoffEndsWithContext(t *testing.T) {
	emu, token := newUnitEmulator(t, emulator.Options{})
	emu.InjectFault(emulator.Fault{Method: http.MethodGet, Op: emulator.OpList, Status: http.StatusServiceUnavailable})
	r := newUnitResource(t, emu, token, hourLong, 5)

	start := time.Now()
	_, err := r.find(cancelSoon(t), "repo-1", "00000000-0000-4000-8000-000000000000", false)
	if d := time.Since(start); d > promptly {
		t.Errorf("find took %s to notice its context ended", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("find error = %v, want context.Canceled", err)
	}
}

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s\n", d.Summary(), d.Detail())
	}
	return b.String()
}

// fakeAPI answers each "METHOD op" with a fixed status and body.
type fakeAPI map[string]struct {
	status int
	body   string
}

func (f fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := "list"
	switch r.Method {
	case http.MethodPost:
		op = "create"
	case http.MethodDelete:
		op = "delete"
	case http.MethodPut:
		op = "update"
	}
	answer, ok := f[r.Method+" "+op]
	if !ok {
		answer.status, answer.body = http.StatusTeapot, `{"success":false,"message":"unexpected request"}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(answer.status)
	_, _ = w.Write([]byte(answer.body))
}

// Diagnostics show client errors, and client errors come from server
// answers; neither the token a server echoes nor a secret in an unusable
// create answer may reach them.
func TestDiagnostics_neverShowTokenOrSecret(t *testing.T) {
	const token = "fbt_diag-token-0123456789abcdef"
	const secret = "s3cr3t-diag-0123456789abcdefghijklmnop"
	noRetries := tuning{retryWaitMin: time.Millisecond, retryWaitMax: time.Millisecond, readRecheckWait: time.Millisecond, readRecheckTries: 1}
	cases := []struct {
		name string
		api  fakeAPI
		run  func(r *repoAIAPIKeyResource) diag.Diagnostics
		want []string
	}{
		{
			name: "401 echoing the token",
			api:  fakeAPI{"GET list": {401, `{"success":false,"message":"invalid access token ` + token + `"}`}},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, err := r.find(context.Background(), "repo-1", "k-1", false)
				return diag.Diagnostics{apiErrorDiag("read", keyRef{repoID: "repo-1", id: "k-1"}, err)}
			},
			want: []string{"rejected the access token", "401", "k-1", "repo-1"},
		},
		{
			name: "403 echoing the token",
			api:  fakeAPI{"POST create": {403, `{"success":false,"message":"Bearer ` + token + ` may not use repo-1"}`}},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, diags := r.create(context.Background(), "repo-1", "n", client.AITypeAWS)
				return diags
			},
			want: []string{"No access", "403", "repo-1"},
		},
		{
			name: "unusable create answer with id and secret",
			api: fakeAPI{
				"POST create":   {201, `{"success":true,"id":"k-1","secret":"` + secret + `"}`},
				"DELETE delete": {200, `{"success":true}`},
			},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, diags := r.create(context.Background(), "repo-1", "n", client.AITypeAWS)
				return diags
			},
			want: []string{"k-1", "unusable 201 response", `"key"`, "deleted again"},
		},
		{
			name: "unusable create answer with secret, no id",
			api: fakeAPI{
				"POST create": {201, `{"success":true,"key":"FB_AI_x","secret":"` + secret + `"}`},
				"GET list":    {200, `{"success":true,"apiKeys":[]}`},
			},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, diags := r.create(context.Background(), "repo-1", "n", client.AITypeAWS)
				return diags
			},
			want: []string{"unknown outcome", "unusable 201 response", `"id"`},
		},
		{
			name: "create answer with a secret of the wrong type",
			api: fakeAPI{
				"POST create":   {201, `{"success":true,"id":"k-1","key":"FB_AI_x","secret":["` + secret + `"]}`},
				"DELETE delete": {200, `{"success":true}`},
			},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, diags := r.create(context.Background(), "repo-1", "n", client.AITypeAWS)
				return diags
			},
			want: []string{"k-1", `"secret"`, "deleted again"},
		},
		{
			name: "502 echoing the token on create, then the list too",
			api: fakeAPI{
				"POST create": {502, `{"success":false,"message":"upstream refused Bearer ` + token + `"}`},
				"GET list":    {502, `{"success":false,"message":"upstream refused Bearer ` + token + `"}`},
			},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, diags := r.create(context.Background(), "repo-1", "n", client.AITypeAWS)
				return diags
			},
			want: []string{"unknown outcome", "502", "may exist in repo repo-1"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newUnitResource(t, tc.api, token, noRetries, 0)
			diags := tc.run(r)
			text := diagText(diags)
			if !diags.HasError() {
				t.Fatalf("no error diagnostic: %s", text)
			}
			if strings.Contains(text, token) {
				t.Errorf("diagnostics show the token: %s", text)
			}
			if strings.Contains(text, secret) {
				t.Errorf("diagnostics show the secret: %s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("diagnostics do not mention %q: %s", w, text)
				}
			}
		})
	}
}

// Whatever logs through a masked context, the provider's own messages or
// go-retryablehttp's through leveledLogger, shows neither token nor secret.
func TestLogging_masksTokenAndSecret(t *testing.T) {
	const token = "fbt_log-token-0123456789abcdef"
	const secret = "s3cr3t-log-0123456789abcdefghijklmnop"
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	ctx = maskSecret(maskToken(ctx, token), secret)

	tflog.Warn(ctx, "message with "+token+" and "+secret, map[string]any{
		"error":         "request with Bearer " + token + " gave " + secret,
		"access_token":  "anything",
		"secret":        "anything",
		"Authorization": "Bearer anything",
	})
	logger := leveledLogger{ctx: ctx}
	logger.Debug("performing request "+token, "url", "https://example.test/"+secret, "error", errors.New("token "+token))
	logger.Info("info", "secret", secret)
	logger.Warn("warn", "token", token)
	logger.Error("error", "err", fmt.Errorf("wrapped: %w", errors.New(secret)))

	logged := out.String()
	if strings.Contains(logged, token) || strings.Contains(logged, secret) || strings.Contains(logged, "anything") {
		t.Errorf("log shows the token, a secret or a sensitive field:\n%s", logged)
	}
	for _, want := range []string{"message with", "performing request", `"@level":"error"`} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q; the messages were dropped rather than masked:\n%s", want, logged)
		}
	}
}

// leveledLogger is shared by every request of a provider; concurrent use
// must be safe (the race detector checks).
func TestLogging_leveledLoggerConcurrentUse(t *testing.T) {
	ctx := tflogtest.RootLogger(context.Background(), &bytes.Buffer{})
	ctx = tflog.SetField(ctx, "tf_provider_addr", "flashback")
	logger := leveledLogger{ctx: maskToken(ctx, "fbt_concurrent")}
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range 50 {
				logger.Debug("request", "attempt", j, "worker", i)
			}
		}()
	}
	for range 8 {
		<-done
	}
}

type privateStub map[string][]byte

func (p privateStub) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

// Only a key the list never showed, created moments ago by this provider, is
// kept when the list does not show it; any other is taken as deleted.
func TestTooNewToBeListed(t *testing.T) {
	r := newUnitResource(t, fakeAPI{}, "fbt_t", testTuning, 0)
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
		{"never listed, created long ago", never, at(recentKeyWindow + time.Minute), false},
		{"never listed, creation time unknown", never, privateStub{}, false},
		{"never listed, creation time unreadable", never, privateStub{privateCreatedKey: []byte(`"soon"`)}, false},
		{"listed before", listed, at(time.Second), false},
	}
	for _, tc := range cases {
		if got := r.tooNewToBeListed(context.Background(), tc.state, tc.private); got != tc.want {
			t.Errorf("%s: tooNewToBeListed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// emptyState is a null state of the resource's schema, as Terraform hands it
// to ImportState.
func emptyState(t *testing.T, r *repoAIAPIKeyResource) tfsdk.State {
	t.Helper()
	var schemaResp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &schemaResp)
	return tfsdk.State{
		Schema: schemaResp.Schema,
		Raw:    tftypes.NewValue(schemaResp.Schema.Type().TerraformType(context.Background()), nil),
	}
}

func TestImportState_warnsThatTheSecretCannotBeRecovered(t *testing.T) {
	emu, token := newUnitEmulator(t, emulator.Options{})
	r := newUnitResource(t, emu, token, testTuning, 0)
	created, diags := r.create(context.Background(), "repo-1", "imported", client.AITypeOpenAI)
	if diags.HasError() {
		t.Fatal(diagText(diags))
	}

	resp := &resource.ImportStateResponse{State: emptyState(t, r)}
	r.ImportState(context.Background(), resource.ImportStateRequest{ID: "repo-1/" + created.ID}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(diagText(resp.Diagnostics))
	}
	warned := false
	for _, d := range resp.Diagnostics.Warnings() {
		if d.Summary() == "Secret not imported" && strings.Contains(d.Detail(), "cannot be recovered") && strings.Contains(d.Detail(), created.ID) {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that the secret cannot be recovered: %s", diagText(resp.Diagnostics))
	}
	var got repoAIAPIKeyModel
	if d := resp.State.Get(context.Background(), &got); d.HasError() {
		t.Fatal(diagText(d))
	}
	if !got.Secret.IsNull() {
		t.Errorf("imported secret = %s, want null", got.Secret)
	}
	if got.ID.ValueString() != created.ID || got.RepoID.ValueString() != "repo-1" || got.Name.ValueString() != "imported" ||
		got.AIType.ValueString() != client.AITypeOpenAI || got.Key.ValueString() != created.Key || got.CreatedAt.IsNull() {
		t.Errorf("imported state %+v does not describe key %s", got, created.ID)
	}
}
