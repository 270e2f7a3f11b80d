package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "test-token-123"

var (
	uuidV4Pattern    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	keyPattern       = regexp.MustCompile(`^FB_AI_[0-9a-f]{24}$`)
	createdAtPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

type wireMessage struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type harness struct {
	t      *testing.T
	emu    *Server
	ts     *httptest.Server
	client *http.Client
}

// newHarness serves an emulator whose token is testToken and whose repos default
// to r1 and r2. Its client opens a connection per request, so that net/http never
// silently retries a dropped GET and request counts are exact.
func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	if opts.Repos == nil {
		opts.Repos = []string{"r1", "r2"}
	}
	emu, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewUnstartedServer(emu)
	ts.Config.ConnState = emu.ConnState
	ts.Start()
	t.Cleanup(ts.Close)
	return &harness{
		t:      t,
		emu:    emu,
		ts:     ts,
		client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes a request with the given Authorization header ("" = none) and
// returns the transport error instead of failing, for dropped connections.
func (h *harness) send(client *http.Client, method, path, auth, body string) (response, error) {
	h.t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, reader)
	if err != nil {
		h.t.Fatalf("NewRequest: %v", err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (h *harness) do(method, path, body string) response {
	h.t.Helper()
	resp, err := h.send(h.client, method, path, "Bearer "+testToken, body)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

func decodeStrict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

// expectError checks the status and that the body is the contract's error shape.
func expectError(t *testing.T, resp response, status int) wireMessage {
	t.Helper()
	if resp.status != status {
		t.Fatalf("status %d, want %d; body %s", resp.status, status, resp.body)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var msg wireMessage
	decodeStrict(t, resp.body, &msg)
	if msg.Success || msg.Message == "" {
		t.Errorf("error body %s, want success false and a message", resp.body)
	}
	return msg
}

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	existing := h.create("r1", "existing", "OPENAI")
	requests := []struct{ method, path, body string }{
		{http.MethodGet, collectionPath("r1"), ""},
		{http.MethodPost, collectionPath("r1"), `{"name":"x","aiType":"OPENAI"}`},
		{http.MethodPut, itemPath("r1", existing.ID), `{"name":"hijacked"}`},
		{http.MethodDelete, itemPath("r1", existing.ID), ""},
	}
	auths := map[string]string{
		"missing":      "",
		"wrong token":  "Bearer wrong",
		"token prefix": "Bearer " + testToken[:len(testToken)-1],
		"longer token": "Bearer " + testToken + "x",
		"basic scheme": "Basic " + testToken,
		"no scheme":    testToken,
		"empty bearer": "Bearer ",
	}
	for label, auth := range auths {
		for _, req := range requests {
			t.Run(label+" "+req.method, func(t *testing.T) {
				resp, err := h.send(h.client, req.method, req.path, auth, req.body)
				if err != nil {
					t.Fatal(err)
				}
				expectError(t, resp, http.StatusUnauthorized)
			})
		}
	}
	live := h.emu.LiveKeys("")
	if len(live) != 1 || live[0].Name != "existing" {
		t.Errorf("unauthorized requests changed the store: %+v", live)
	}

	resp, err := h.send(h.client, http.MethodGet, collectionPath("r1"), "bearer "+testToken, "")
	if err != nil || resp.status != http.StatusOK {
		t.Errorf("lower-case scheme: %v %d, want 200", err, resp.status)
	}
}

func TestEmptyTokenAuthorizesNothing(t *testing.T) {
	t.Parallel()
	emu, err := New(Options{Repos: []string{"r1"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	defer ts.Close()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+collectionPath("r1"), nil)
	req.Header.Set("Authorization", "Bearer ")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
}

func TestCounters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	keepAlive := &http.Client{Transport: &http.Transport{}}
	defer keepAlive.CloseIdleConnections()
	var bodyBytes int64
	call := func(method, path, body string) response {
		resp, err := h.send(keepAlive, method, path, "Bearer "+testToken, body)
		if err != nil {
			t.Fatal(err)
		}
		bodyBytes += int64(len(resp.body))
		return resp
	}
	var ids []string
	for i := range 3 {
		resp := call(http.MethodPost, collectionPath("r1"), fmt.Sprintf(`{"name":"k%d","aiType":"OPENAI"}`, i))
		var c wireCreated
		decodeStrict(t, resp.body, &c)
		ids = append(ids, c.ID)
	}
	call(http.MethodGet, collectionPath("r1"), "")
	call(http.MethodGet, collectionPath("r1"), "")
	call(http.MethodPut, itemPath("r1", ids[0]), `{"name":"x"}`)
	call(http.MethodDelete, itemPath("r1", ids[1]), "")
	call(http.MethodGet, "/nowhere", "")
	call(http.MethodPatch, collectionPath("r1"), "")

	checks := []struct {
		method, op string
		want       int
	}{
		{"", OpCreate, 3}, {http.MethodPost, "", 3}, {http.MethodGet, OpList, 2},
		{http.MethodGet, "", 3}, {"", OpUpdate, 1}, {"", OpDelete, 1},
		{http.MethodPatch, "", 1}, {http.MethodGet, OpCreate, 0}, {"", "", 9},
	}
	for _, c := range checks {
		if got := h.emu.Requests(c.method, c.op); got != c.want {
			t.Errorf("Requests(%q, %q) = %d, want %d", c.method, c.op, got, c.want)
		}
	}
	if got := h.emu.RequestsTotal(); got != 9 {
		t.Errorf("RequestsTotal = %d, want 9", got)
	}
	if got := h.emu.Connections(); got != 1 {
		t.Errorf("Connections = %d over one kept-alive connection, want 1", got)
	}
	if got := h.emu.ResponseBytes(); got != bodyBytes {
		t.Errorf("ResponseBytes = %d, client read %d", got, bodyBytes)
	}

	h.emu.ResetCounters()
	if h.emu.RequestsTotal() != 0 || h.emu.Connections() != 0 || h.emu.ResponseBytes() != 0 {
		t.Fatalf("ResetCounters left %d requests, %d connections, %d bytes",
			h.emu.RequestsTotal(), h.emu.Connections(), h.emu.ResponseBytes())
	}
	for range 3 {
		h.list("r1")
	}
	if got := h.emu.Connections(); got != 3 {
		t.Errorf("Connections = %d for 3 requests without keep-alive, want 3", got)
	}
	if got := h.emu.Requests(http.MethodGet, OpList); got != 3 {
		t.Errorf("Requests(GET, list) after reset = %d, want 3", got)
	}
}

// A lower bound on the request's own time, which a loaded machine can only
// lengthen: the latency is a real wait, so no count can stand for it.
func TestLatency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Latency: 50 * time.Millisecond})
	start := time.Now()
	h.list("r1")
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("request took %v, want at least the 50ms latency", elapsed)
	}
}

// A day of latency, longer than any test may run: Close, which waits for the
// running handlers, returns (and the test ends) only because they stopped
// when their clients left; no clock needs to say how soon.
func TestLatencyStopsWhenClientGivesUp(t *testing.T) {
	t.Parallel()
	emu, err := New(Options{Token: testToken, Repos: []string{"r1"}, Latency: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, method, ts.URL+collectionPath("r1"),
			strings.NewReader(`{"name":"k","aiType":"OPENAI"}`))
		req.Header.Set("Authorization", "Bearer "+testToken)
		if resp, err := ts.Client().Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("%s answered despite a day of latency", method)
		}
		cancel()
	}
	ts.Close()
	if live := emu.LiveKeys(""); len(live) != 0 {
		t.Errorf("an abandoned create stored %+v", live)
	}
}

// gatewayOptions declare organization org-1 with workspaces ws-1 and ws-2 and
// their repos, plus workspace ws-x of another organization with its repo, and no
// default workspace.
func gatewayOptions() Options {
	return Options{
		Repos:   []string{},
		OrgID:   "org-1",
		OrgName: "Acme Corporation",
		Workspaces: []Workspace{
			{ID: "ws-1", Name: "Production"},
			{ID: "ws-2", Name: "Staging"},
			{ID: "ws-x", Name: "Theirs", OrgID: "org-x"},
		},
		WorkspaceRepos: []Repo{
			{ID: "repo-a", Name: "gateway", WorkspaceID: "ws-1"},
			{ID: "repo-b", Name: "batch", WorkspaceID: "ws-1"},
			{ID: "repo-c", Name: "staging gateway", WorkspaceID: "ws-2"},
			{ID: "repo-x", Name: "their gateway", WorkspaceID: "ws-x"},
		},
	}
}

// newGateway serves gatewayOptions, changed by configure if it is not nil.
func newGateway(t *testing.T, configure func(*Options)) *harness {
	t.Helper()
	opts := gatewayOptions()
	if configure != nil {
		configure(&opts)
	}
	return newHarness(t, opts)
}

// expectOK checks a 200 with a JSON body and decodes it strictly into v, so
// that a field the contract does not name (a secret) fails the test.
func expectOK(t *testing.T, resp response, v any) {
	t.Helper()
	if resp.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", resp.status, resp.body)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	decodeStrict(t, resp.body, v)
}

// expectErrorMentioning is expectError for a message that must name something.
func expectErrorMentioning(t *testing.T, resp response, status int, parts ...string) {
	t.Helper()
	msg := expectError(t, resp, status)
	for _, part := range parts {
		if !strings.Contains(msg.Message, part) {
			t.Errorf("message %q does not mention %q", msg.Message, part)
		}
	}
}

func TestUnauthorizedOnEveryCollection(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	requests := []struct{ method, path, body string }{
		{http.MethodGet, "/ai/llm", ""},
		{http.MethodGet, "/ai/llm/available", ""},
		{http.MethodPost, "/ai/llm", `{"name":"x","aiType":"OPENAI","endpoint":"https://a.example","secret":"s","workspaceId":"ws-1"}`},
		{http.MethodPut, "/ai/llm/some-id", `{"name":"x"}`},
		{http.MethodDelete, "/ai/llm/some-id", ""},
		{http.MethodPost, "/ai/llm/some-id/validate", ""},
		{http.MethodGet, "/policy?orgId=org-1", ""},
		{http.MethodPost, "/policy", `{"name":"p","content":"c","riskType":"LOW","actionType":0,"orgId":"org-1"}`},
		{http.MethodGet, "/policy/some-id", ""},
		{http.MethodPut, "/policy/some-id", `{"name":"x"}`},
		{http.MethodDelete, "/policy/some-id", ""},
		{http.MethodGet, "/repo", ""},
		{http.MethodPost, "/repo", `{"name":"n","storageType":"S3","mode":"NORMAL","workspaceId":"ws-1","repoBuckets":[],"repoAiLlms":[]}`},
		{http.MethodPut, "/repo/repo-a", `{"name":"n","storageType":"S3","mode":"NORMAL","repoBuckets":[],"repoAiLlms":[]}`},
		{http.MethodDelete, "/repo/repo-a", ""},
		{http.MethodGet, "/bucket", ""},
		{http.MethodGet, "/workspace", ""},
		{http.MethodPost, "/workspace", `{"name":"w"}`},
		{http.MethodGet, "/workspace/ws-1", ""},
		{http.MethodPut, "/workspace/ws-1", `{"name":"w"}`},
		{http.MethodDelete, "/workspace/ws-2", ""},
		{http.MethodGet, "/user/profile", ""},
		{http.MethodGet, "/organization/org-1", ""},
	}
	for _, req := range requests {
		t.Run(req.method+" "+req.path, func(t *testing.T) {
			resp, err := h.send(h.client, req.method, req.path, "Bearer wrong", req.body)
			if err != nil {
				t.Fatal(err)
			}
			expectError(t, resp, http.StatusUnauthorized)
			if got := resp.header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("WWW-Authenticate %q, want Bearer", got)
			}
		})
	}
	if llms, policies := h.emu.LLMs(""), h.emu.Policies(); len(llms) != 0 || len(policies) != 0 {
		t.Errorf("unauthorized requests stored %+v and %+v", llms, policies)
	}
	if repos, workspaces := h.emu.Repos(""), h.emu.Workspaces(); len(repos) != 4 || repos[0].Name != "gateway" || len(workspaces) != 3 || workspaces[0].Name != "Production" {
		t.Errorf("unauthorized requests changed repos or workspaces: %+v, %+v", repos, workspaces)
	}
}
