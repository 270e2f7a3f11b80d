package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// The wire shapes as the contract spells them, independent of the emulator's own
// types, and decoded strictly so that an extra field (a secret in a list) fails.
type wireCreated struct {
	Success bool   `json:"success"`
	ID      string `json:"id"`
	Key     string `json:"key"`
	Secret  string `json:"secret"`
	Message string `json:"message"`
}

type wireKey struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	RepoID    string  `json:"repoId"`
	Key       string  `json:"key"`
	AIType    string  `json:"aiType"`
	CreatedAt string  `json:"createdAt"`
	DeletedAt *string `json:"deletedAt"`
}

type wireList struct {
	Success bool      `json:"success"`
	APIKeys []wireKey `json:"apiKeys"`
}

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

func collectionPath(repoID string) string {
	return "/repo/" + url.PathEscape(repoID) + "/ai/apikey"
}

func itemPath(repoID, keyID string) string {
	return collectionPath(repoID) + "/" + url.PathEscape(keyID)
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

func (h *harness) create(repoID, name, aiType string) wireCreated {
	h.t.Helper()
	resp := h.do(http.MethodPost, collectionPath(repoID), fmt.Sprintf(`{"name":%q,"aiType":%q}`, name, aiType))
	if resp.status != http.StatusCreated {
		h.t.Fatalf("create in %s: status %d, body %s", repoID, resp.status, resp.body)
	}
	var created wireCreated
	decodeStrict(h.t, resp.body, &created)
	return created
}

func (h *harness) list(repoID string) []wireKey {
	h.t.Helper()
	resp := h.do(http.MethodGet, collectionPath(repoID), "")
	if resp.status != http.StatusOK {
		h.t.Fatalf("list %s: status %d, body %s", repoID, resp.status, resp.body)
	}
	var list wireList
	decodeStrict(h.t, resp.body, &list)
	if !list.Success {
		h.t.Fatalf("list %s: success false in %s", repoID, resp.body)
	}
	return list.APIKeys
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

func names(keys []wireKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Name)
	}
	return out
}

func TestCreateListUpdateDeleteRoundTrip(t *testing.T) {
	clock := newFakeClock()
	clock.Set(time.Date(2024, 1, 15, 10, 30, 0, 123456789, time.UTC))
	h := newHarness(t, Options{Now: clock.Now})

	resp := h.do(http.MethodPost, collectionPath("r1"), `{"name":"Production AI Key","aiType":"OPENAI"}`)
	if resp.status != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", resp.status, resp.body)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("create Content-Type %q", ct)
	}
	var created wireCreated
	decodeStrict(t, resp.body, &created)
	if !created.Success || created.Message == "" {
		t.Errorf("create body %s: want success and a message", resp.body)
	}
	if !uuidV4Pattern.MatchString(created.ID) {
		t.Errorf("id %q is not a UUID v4", created.ID)
	}
	if !keyPattern.MatchString(created.Key) {
		t.Errorf("key %q does not look like FB_AI_ + 24 hex", created.Key)
	}
	if len(created.Secret) < 48 {
		t.Errorf("secret %q is shorter than 48 characters", created.Secret)
	}

	listResp := h.do(http.MethodGet, collectionPath("r1"), "")
	if bytes.Contains(listResp.body, []byte(created.Secret)) || bytes.Contains(listResp.body, []byte(`"secret"`)) {
		t.Fatalf("list leaks the secret: %s", listResp.body)
	}
	if !bytes.Contains(listResp.body, []byte(`"deletedAt":null`)) {
		t.Errorf("list does not show deletedAt null: %s", listResp.body)
	}
	want := wireKey{
		ID: created.ID, Name: "Production AI Key", RepoID: "r1", Key: created.Key,
		AIType: "OPENAI", CreatedAt: "2024-01-15T10:30:00.123Z",
	}
	if got := h.list("r1"); len(got) != 1 || got[0] != want {
		t.Fatalf("list = %+v, want [%+v]", got, want)
	}
	if got := h.list("r2"); len(got) != 0 {
		t.Errorf("r2 lists r1's key: %+v", got)
	}

	clock.Advance(time.Hour)
	resp = h.do(http.MethodPut, itemPath("r1", created.ID), `{"name":"Renamed"}`)
	if resp.status != http.StatusOK {
		t.Fatalf("update: status %d, body %s", resp.status, resp.body)
	}
	var updated wireMessage
	decodeStrict(t, resp.body, &updated)
	if updated != (wireMessage{Success: true, Message: "AI API key updated successfully"}) {
		t.Errorf("update body %s", resp.body)
	}
	want.Name = "Renamed"
	if got := h.list("r1"); len(got) != 1 || got[0] != want {
		t.Fatalf("after rename list = %+v, want [%+v]", got, want)
	}
	live := h.emu.LiveKeys("r1")
	if len(live) != 1 || live[0].Secret != created.Secret || live[0].Name != "Renamed" {
		t.Fatalf("LiveKeys = %+v, want the renamed key with its secret", live)
	}

	resp = h.do(http.MethodDelete, itemPath("r1", created.ID), "")
	if resp.status != http.StatusOK {
		t.Fatalf("delete: status %d, body %s", resp.status, resp.body)
	}
	var deleted wireMessage
	decodeStrict(t, resp.body, &deleted)
	if !deleted.Success {
		t.Errorf("delete body %s", resp.body)
	}
	listResp = h.do(http.MethodGet, collectionPath("r1"), "")
	if string(listResp.body) != `{"success":true,"apiKeys":[]}` {
		t.Errorf("list after delete = %s, want an empty array", listResp.body)
	}
	if live := h.emu.LiveKeys(""); len(live) != 0 {
		t.Errorf("LiveKeys after delete = %+v", live)
	}
}

func TestListIsNewestFirstByCreatedAtThenCreationOrder(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Options{Now: clock.Now})
	start := clock.Now()

	h.create("r1", "oldest", "OPENAI")
	clock.Advance(time.Second)
	h.create("r1", "tie-first", "GOOGLE")
	h.create("r1", "tie-second", "ANTHROPIC")
	// A clock that stepped back: createdAt, not creation order, decides.
	clock.Set(start.Add(-time.Second))
	h.create("r1", "backdated", "AWS")

	want := []string{"tie-second", "tie-first", "oldest", "backdated"}
	if got := names(h.list("r1")); !slices.Equal(got, want) {
		t.Errorf("list order = %v, want %v", got, want)
	}
	var live []string
	for _, k := range h.emu.LiveKeys("r1") {
		live = append(live, k.Name)
	}
	if !slices.Equal(live, want) {
		t.Errorf("LiveKeys order = %v, want %v", live, want)
	}
}

func TestListNeverContainsSecrets(t *testing.T) {
	h := newHarness(t, Options{})
	var secrets []string
	for i := range 5 {
		secrets = append(secrets, h.create("r1", fmt.Sprintf("k%d", i), "OTHER").Secret)
	}
	resp := h.do(http.MethodGet, collectionPath("r1"), "")
	for _, secret := range secrets {
		if bytes.Contains(resp.body, []byte(secret)) {
			t.Fatalf("list contains secret %q", secret)
		}
	}
	keys := h.list("r1")
	if len(keys) != 5 {
		t.Fatalf("want 5 keys listed")
	}
	// With the real clock too, createdAt has the contract's millisecond UTC form.
	for _, k := range keys {
		if !createdAtPattern.MatchString(k.CreatedAt) {
			t.Errorf("createdAt %q is not like 2024-01-15T10:30:00.000Z", k.CreatedAt)
		}
	}
}

func TestUnauthorized(t *testing.T) {
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

func TestForbiddenRepo(t *testing.T) {
	h := newHarness(t, Options{})
	expectError(t, h.do(http.MethodGet, collectionPath("other"), ""), http.StatusForbidden)
	expectError(t, h.do(http.MethodPost, collectionPath("other"), `{"name":"x","aiType":"OPENAI"}`), http.StatusForbidden)
	expectError(t, h.do(http.MethodPut, itemPath("other", "k"), `{"name":"x"}`), http.StatusForbidden)
	expectError(t, h.do(http.MethodDelete, itemPath("other", "k"), ""), http.StatusForbidden)
	if live := h.emu.LiveKeys(""); len(live) != 0 {
		t.Fatalf("a forbidden create stored %+v", live)
	}

	h.emu.AddRepo("other")
	h.create("other", "now allowed", "OPENAI")
	if got := names(h.list("other")); !slices.Equal(got, []string{"now allowed"}) {
		t.Errorf("list after AddRepo = %v", got)
	}
}

func TestNotFound(t *testing.T) {
	h := newHarness(t, Options{})
	unknown := "550e8400-e29b-41d4-a716-446655440000"
	expectError(t, h.do(http.MethodPut, itemPath("r1", unknown), `{"name":"x"}`), http.StatusNotFound)
	expectError(t, h.do(http.MethodDelete, itemPath("r1", unknown), ""), http.StatusNotFound)

	k := h.create("r1", "k", "OPENAI")
	// Keys belong to one repo: another repo's path does not reach them.
	expectError(t, h.do(http.MethodPut, itemPath("r2", k.ID), `{"name":"x"}`), http.StatusNotFound)
	expectError(t, h.do(http.MethodDelete, itemPath("r2", k.ID), ""), http.StatusNotFound)
	if live := h.emu.LiveKeys("r1"); len(live) != 1 || live[0].Name != "k" {
		t.Fatalf("requests through r2 changed r1's key: %+v", live)
	}

	if resp := h.do(http.MethodDelete, itemPath("r1", k.ID), ""); resp.status != http.StatusOK {
		t.Fatalf("first delete: %d %s", resp.status, resp.body)
	}
	expectError(t, h.do(http.MethodDelete, itemPath("r1", k.ID), ""), http.StatusNotFound)
	expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"x"}`), http.StatusNotFound)
	expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{}`), http.StatusNotFound)

	for _, path := range []string{
		"/", "/repo/r1", "/repo/r1/ai", "/repo/r1/ai/apikeys", "/repo//ai/apikey",
		"/repo/r1/ai/apikey/", "/repo/r1/ai/apikey/id/extra", "/repos/r1/ai/apikey",
	} {
		t.Run(path, func(t *testing.T) {
			expectError(t, h.do(http.MethodGet, path, ""), http.StatusNotFound)
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := newHarness(t, Options{})
	cases := []struct{ method, path, allow string }{
		{http.MethodPatch, collectionPath("r1"), "GET, POST"},
		{http.MethodDelete, collectionPath("r1"), "GET, POST"},
		{http.MethodPut, collectionPath("r1"), "GET, POST"},
		{http.MethodPatch, itemPath("r1", "k"), "PUT, DELETE"},
		{http.MethodGet, itemPath("r1", "k"), "PUT, DELETE"},
		{http.MethodPost, itemPath("r1", "k"), "PUT, DELETE"},
	}
	for _, c := range cases {
		resp := h.do(c.method, c.path, "")
		expectError(t, resp, http.StatusMethodNotAllowed)
		if got := resp.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
}

func TestCreateRejectsInvalidBodies(t *testing.T) {
	h := newHarness(t, Options{})
	cases := map[string]string{
		"not JSON":             `not json`,
		"empty body":           ``,
		"truncated JSON":       `{"name":"x","aiType":"OPE`,
		"array":                `[{"name":"x","aiType":"OPENAI"}]`,
		"null":                 `null`,
		"string":               `"x"`,
		"two objects":          `{"name":"x","aiType":"OPENAI"}{}`,
		"missing name":         `{"aiType":"OPENAI"}`,
		"null name":            `{"name":null,"aiType":"OPENAI"}`,
		"empty name":           `{"name":"","aiType":"OPENAI"}`,
		"name in wrong case":   `{"Name":"x","aiType":"OPENAI"}`,
		"name is a number":     `{"name":42,"aiType":"OPENAI"}`,
		"name is an array":     `{"name":["x"],"aiType":"OPENAI"}`,
		"name over 255 chars":  fmt.Sprintf(`{"name":%q,"aiType":"OPENAI"}`, strings.Repeat("n", 256)),
		"missing aiType":       `{"name":"x"}`,
		"empty aiType":         `{"name":"x","aiType":""}`,
		"unknown aiType":       `{"name":"x","aiType":"AZURE"}`,
		"lower-case aiType":    `{"name":"x","aiType":"openai"}`,
		"aiType is a boolean":  `{"name":"x","aiType":true}`,
		"aiType is an object":  `{"name":"x","aiType":{"v":"OPENAI"}}`,
		"body larger than MiB": fmt.Sprintf(`{"name":"x","aiType":"OPENAI","pad":%q}`, strings.Repeat("p", maxBodyBytes)),
	}
	for label, body := range cases {
		t.Run(label, func(t *testing.T) {
			expectError(t, h.do(http.MethodPost, collectionPath("r1"), body), http.StatusBadRequest)
		})
	}
	if live := h.emu.LiveKeys(""); len(live) != 0 {
		t.Fatalf("invalid bodies created keys: %+v", live)
	}

	// The limit counts characters, not bytes.
	longest := strings.Repeat("é", MaxNameLength)
	for _, aiType := range AITypes {
		h.create("r1", longest, aiType)
	}
	for _, k := range h.list("r1") {
		if k.Name != longest {
			t.Errorf("255-character name came back as %q", k.Name)
		}
	}
}

func TestUpdateRejectsInvalidBodies(t *testing.T) {
	h := newHarness(t, Options{})
	k := h.create("r1", "original", "OPENAI")
	cases := map[string]string{
		"not JSON":            `not json`,
		"empty body":          ``,
		"array":               `["x"]`,
		"empty name":          `{"name":""}`,
		"name is a number":    `{"name":5}`,
		"name is a boolean":   `{"name":false}`,
		"name over 255 chars": fmt.Sprintf(`{"name":%q}`, strings.Repeat("n", 256)),
	}
	for label, body := range cases {
		t.Run(label, func(t *testing.T) {
			expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), body), http.StatusBadRequest)
		})
	}
	// Every field is optional, and null means absent: these succeed and change nothing.
	for _, body := range []string{`{}`, `{"name":null}`, `{"other":1}`} {
		if resp := h.do(http.MethodPut, itemPath("r1", k.ID), body); resp.status != http.StatusOK {
			t.Errorf("update with %s: %d %s", body, resp.status, resp.body)
		}
	}
	if got := names(h.list("r1")); !slices.Equal(got, []string{"original"}) {
		t.Errorf("name after rejected updates = %v", got)
	}
}

func TestEscapedPathSegments(t *testing.T) {
	h := newHarness(t, Options{Repos: []string{"a/b", "a", "repo 1"}})
	for _, repo := range []string{"a/b", "repo 1"} {
		t.Run(repo, func(t *testing.T) {
			k := h.create(repo, "k", "OPENAI")
			listed := h.list(repo)
			if len(listed) != 1 || listed[0].ID != k.ID || listed[0].RepoID != repo {
				t.Fatalf("list %q = %+v", repo, listed)
			}
			if live := h.emu.LiveKeys(repo); len(live) != 1 || live[0].RepoID != repo {
				t.Fatalf("LiveKeys(%q) = %+v", repo, live)
			}
			if resp := h.do(http.MethodPut, itemPath(repo, k.ID), `{"name":"renamed"}`); resp.status != http.StatusOK {
				t.Fatalf("update: %d %s", resp.status, resp.body)
			}
			if got := names(h.list(repo)); !slices.Equal(got, []string{"renamed"}) {
				t.Fatalf("after rename: %v", got)
			}
			if resp := h.do(http.MethodDelete, itemPath(repo, k.ID), ""); resp.status != http.StatusOK {
				t.Fatalf("delete: %d %s", resp.status, resp.body)
			}
		})
	}
	if live := h.emu.LiveKeys("a"); len(live) != 0 {
		t.Errorf("a key for a/b landed in repo a: %+v", live)
	}

	// An escaped key id reaches the key lookup as one decoded segment.
	msg := expectError(t, h.do(http.MethodDelete, itemPath("a/b", "x/y"), ""), http.StatusNotFound)
	if !strings.Contains(msg.Message, "AI API key not found") || !strings.Contains(msg.Message, "x/y") {
		t.Errorf("message %q, want the key lookup's not-found for x/y", msg.Message)
	}
}

func TestListLagHidesNewKeys(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, Options{Now: clock.Now, ListLag: 10 * time.Second})
	k := h.create("r1", "fresh", "OPENAI")

	if got := h.list("r1"); len(got) != 0 {
		t.Fatalf("a brand-new key is listed despite ListLag: %+v", got)
	}
	if live := h.emu.LiveKeys("r1"); len(live) != 1 {
		t.Fatalf("LiveKeys must ignore ListLag, got %+v", live)
	}
	// The key exists even while lists hide it.
	if resp := h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"renamed"}`); resp.status != http.StatusOK {
		t.Fatalf("rename during lag: %d %s", resp.status, resp.body)
	}
	clock.Advance(10*time.Second - time.Millisecond)
	if got := h.list("r1"); len(got) != 0 {
		t.Fatalf("listed before ListLag passed: %+v", got)
	}
	clock.Advance(time.Millisecond)
	if got := names(h.list("r1")); !slices.Equal(got, []string{"renamed"}) {
		t.Fatalf("list after ListLag = %v", got)
	}
}

func TestOutOfBandChanges(t *testing.T) {
	h := newHarness(t, Options{})
	a := h.create("r1", "a", "OPENAI")
	b := h.create("r1", "b", "OPENAI")

	if err := h.emu.RenameKey("r1", a.ID, "renamed in UI"); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.DeleteKey("r1", b.ID); err != nil {
		t.Fatal(err)
	}
	if got := names(h.list("r1")); !slices.Equal(got, []string{"renamed in UI"}) {
		t.Fatalf("list = %v", got)
	}
	for _, err := range []error{
		h.emu.DeleteKey("r1", b.ID),
		h.emu.RenameKey("r1", b.ID, "x"),
		h.emu.DeleteKey("r2", a.ID),
		h.emu.DeleteKey("r1", "unknown"),
	} {
		if !errors.Is(err, ErrKeyNotFound) {
			t.Errorf("err = %v, want ErrKeyNotFound", err)
		}
	}
	if err := h.emu.RenameKey("r1", a.ID, ""); err == nil {
		t.Error("RenameKey accepted an empty name")
	}
}

func TestPersistenceAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "state.json")
	// An existing, too-open file is replaced by a private one.
	if err := os.WriteFile(file, []byte(`{"version":1,"keys":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	h := newHarness(t, Options{DataFile: file, Now: clock.Now})
	first := h.create("r1", "first", "OPENAI")
	clock.Advance(time.Second)
	second := h.create("r1", "second", "GOOGLE")
	h.create("r2", "other repo", "AWS")
	if resp := h.do(http.MethodPut, itemPath("r1", first.ID), `{"name":"first renamed"}`); resp.status != http.StatusOK {
		t.Fatalf("rename: %d", resp.status)
	}
	if resp := h.do(http.MethodDelete, itemPath("r1", second.ID), ""); resp.status != http.StatusOK {
		t.Fatalf("delete: %d", resp.status)
	}

	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("data file mode %o, want 600", mode)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	h2 := newHarness(t, Options{DataFile: file, Now: clock.Now})
	before, after := h.emu.LiveKeys(""), h2.emu.LiveKeys("")
	if len(after) != 2 || len(before) != 2 {
		t.Fatalf("live keys before %d, after restart %d; want 2", len(before), len(after))
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.ID != b.ID || a.Name != b.Name || a.RepoID != b.RepoID || a.Key != b.Key ||
			a.AIType != b.AIType || a.Secret != b.Secret || !a.CreatedAt.Equal(b.CreatedAt) || a.DeletedAt != nil {
			t.Errorf("key %d after restart = %+v, want %+v", i, a, b)
		}
	}
	if got := names(h2.list("r1")); !slices.Equal(got, []string{"first renamed"}) {
		t.Errorf("r1 after restart = %v", got)
	}
	if err := h2.emu.DeleteKey("r1", second.ID); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("the deleted key came back to life: DeleteKey = %v", err)
	}
	// The creation sequence resumes after the saved one, so ties stay ordered.
	clock.Set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	h2.create("r1", "tie-a", "OTHER")
	h2.create("r1", "tie-b", "OTHER")
	if got := names(h2.list("r1")); !slices.Equal(got, []string{"tie-b", "tie-a", "first renamed"}) {
		t.Errorf("order after restart = %v", got)
	}
}

func TestDataFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := New(Options{DataFile: filepath.Join(dir, "absent.json")}); err != nil {
		t.Errorf("a missing data file must be an empty store, got %v", err)
	}
	for label, content := range map[string]string{
		"not JSON":      "{",
		"empty":         "",
		"wrong version": `{"version":99,"keys":[]}`,
		"duplicate ids": `{"version":1,"keys":[{"id":"a","repoId":"r"},{"id":"a","repoId":"r"}]}`,
	} {
		file := filepath.Join(dir, strings.ReplaceAll(label, " ", "-")+".json")
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Options{DataFile: file}); err == nil {
			t.Errorf("%s: New accepted a bad data file", label)
		}
	}
}

func TestFailedSaveLeavesStoreUnchanged(t *testing.T) {
	sub := filepath.Join(t.TempDir(), "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{DataFile: filepath.Join(sub, "state.json")})
	k := h.create("r1", "kept", "OPENAI")
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}

	expectError(t, h.do(http.MethodPost, collectionPath("r1"), `{"name":"x","aiType":"OPENAI"}`), http.StatusInternalServerError)
	expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"x"}`), http.StatusInternalServerError)
	expectError(t, h.do(http.MethodDelete, itemPath("r1", k.ID), ""), http.StatusInternalServerError)
	if err := h.emu.RenameKey("r1", k.ID, "y"); err == nil || errors.Is(err, ErrKeyNotFound) {
		t.Errorf("RenameKey with an unwritable data file = %v", err)
	}
	if got := names(h.list("r1")); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("store after failed saves = %v, want only the untouched key", got)
	}
}

func TestFaults(t *testing.T) {
	const body = `{"name":"k","aiType":"OPENAI"}`

	t.Run("status with Retry-After, once", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpCreate, Status: http.StatusServiceUnavailable, RetryAfter: "1", Count: 1})
		resp := h.do(http.MethodPost, collectionPath("r1"), body)
		expectError(t, resp, http.StatusServiceUnavailable)
		if got := resp.header.Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After %q, want 1", got)
		}
		if live := h.emu.LiveKeys(""); len(live) != 0 {
			t.Fatalf("a failed create stored %+v", live)
		}
		h.create("r1", "k", "OPENAI")
	})

	t.Run("drop before acting creates nothing", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Method: http.MethodPost, Drop: true, Count: 1})
		if _, err := h.send(h.client, http.MethodPost, collectionPath("r1"), "Bearer "+testToken, body); err == nil {
			t.Fatal("a dropped request got a response")
		}
		if live := h.emu.LiveKeys(""); len(live) != 0 {
			t.Fatalf("a dropped create stored %+v", live)
		}
		if n := h.emu.Requests(http.MethodPost, OpCreate); n != 1 {
			t.Errorf("dropped request counted %d times, want 1", n)
		}
		h.create("r1", "k", "OPENAI")
	})

	t.Run("drop after acting creates the key", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpCreate, Drop: true, AfterAct: true, Count: 1})
		if _, err := h.send(h.client, http.MethodPost, collectionPath("r1"), "Bearer "+testToken, body); err == nil {
			t.Fatal("a dropped request got a response")
		}
		if live := h.emu.LiveKeys("r1"); len(live) != 1 || live[0].Name != "k" {
			t.Fatalf("LiveKeys = %+v, want the key created before the drop", live)
		}
	})

	t.Run("status after acting applies the rename", func(t *testing.T) {
		h := newHarness(t, Options{})
		k := h.create("r1", "old", "OPENAI")
		h.emu.InjectFault(Fault{Op: OpUpdate, Status: http.StatusGatewayTimeout, AfterAct: true})
		expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"new"}`), http.StatusGatewayTimeout)
		if got := names(h.list("r1")); !slices.Equal(got, []string{"new"}) {
			t.Errorf("list = %v, want the rename applied", got)
		}
	})

	t.Run("id placeholder in an overridden body", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpCreate, Status: http.StatusCreated, AfterAct: true, Body: `{"success":true,"id":"{{id}}"}`, Count: 1})
		resp := h.do(http.MethodPost, collectionPath("r1"), body)
		live := h.emu.LiveKeys("r1")
		if len(live) != 1 {
			t.Fatalf("LiveKeys = %+v, want the created key", live)
		}
		if resp.status != http.StatusCreated || string(resp.body) != `{"success":true,"id":"`+live[0].ID+`"}` {
			t.Errorf("response %d %s, want 201 with the real id %s", resp.status, resp.body, live[0].ID)
		}
	})

	t.Run("raw body override without acting", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpCreate, Status: http.StatusCreated, Body: "not json", Count: 1})
		h.emu.InjectFault(Fault{Op: OpList, Status: http.StatusBadGateway, Body: "<html>502</html>", ContentType: "text/html", Count: 1})
		resp := h.do(http.MethodPost, collectionPath("r1"), body)
		if resp.status != http.StatusCreated || string(resp.body) != "not json" || resp.header.Get("Content-Type") != "application/json" {
			t.Errorf("create response %d %q %q", resp.status, resp.body, resp.header.Get("Content-Type"))
		}
		if live := h.emu.LiveKeys(""); len(live) != 0 {
			t.Errorf("a fault without AfterAct created %+v", live)
		}
		resp = h.do(http.MethodGet, collectionPath("r1"), "")
		if resp.status != http.StatusBadGateway || string(resp.body) != "<html>502</html>" || resp.header.Get("Content-Type") != "text/html" {
			t.Errorf("list response %d %q %q", resp.status, resp.body, resp.header.Get("Content-Type"))
		}
	})

	t.Run("count runs out, in injection order", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpList, Status: http.StatusBadGateway, Count: 2})
		h.emu.InjectFault(Fault{Op: OpList, Status: http.StatusServiceUnavailable, Count: 1})
		var got []int
		for range 4 {
			got = append(got, h.do(http.MethodGet, collectionPath("r1"), "").status)
		}
		want := []int{502, 502, 503, 200}
		if !slices.Equal(got, want) {
			t.Errorf("statuses = %v, want %v", got, want)
		}
	})

	t.Run("matches method and op only", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpDelete, Status: http.StatusInternalServerError})
		h.emu.InjectFault(Fault{Method: http.MethodPut, Status: http.StatusInternalServerError})
		k := h.create("r1", "k", "OPENAI")
		h.list("r1")
		expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"x"}`), http.StatusInternalServerError)
		expectError(t, h.do(http.MethodDelete, itemPath("r1", k.ID), ""), http.StatusInternalServerError)
		expectError(t, h.do(http.MethodDelete, itemPath("r1", k.ID), ""), http.StatusInternalServerError)
		if got := names(h.list("r1")); !slices.Equal(got, []string{"k"}) {
			t.Errorf("faulted requests acted: %v", got)
		}
	})

	t.Run("clear", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Status: http.StatusInternalServerError})
		expectError(t, h.do(http.MethodGet, collectionPath("r1"), ""), http.StatusInternalServerError)
		h.emu.ClearFaults()
		h.list("r1")
	})
}

// chaosOutcomes sends n requests of alternating kinds under chaos and describes
// each outcome.
func chaosOutcomes(t *testing.T, seed int64, n int) (outcomes []string, created int, h *harness) {
	h = newHarness(t, Options{})
	h.emu.SetChaos(&Chaos{Rate: 0.5, Seed: seed})
	for i := range n {
		method, path, body := http.MethodGet, collectionPath("r1"), ""
		if i%2 == 1 {
			method, body = http.MethodPost, `{"name":"k","aiType":"OPENAI"}`
		}
		resp, err := h.send(h.client, method, path, "Bearer "+testToken, body)
		switch {
		case err != nil:
			outcomes = append(outcomes, "drop")
		case resp.status == http.StatusTooManyRequests:
			outcomes = append(outcomes, "429 retry-after="+resp.header.Get("Retry-After"))
		default:
			outcomes = append(outcomes, fmt.Sprint(resp.status))
			if resp.status == http.StatusCreated {
				created++
			}
		}
	}
	return outcomes, created, h
}

func TestChaosIsReproducible(t *testing.T) {
	first, created, h := chaosOutcomes(t, 7, 80)
	again, _, _ := chaosOutcomes(t, 7, 80)
	other, _, _ := chaosOutcomes(t, 8, 80)
	if !slices.Equal(first, again) {
		t.Fatalf("same seed, different outcomes:\n%v\n%v", first, again)
	}
	if slices.Equal(first, other) {
		t.Errorf("different seeds gave the same outcomes: %v", first)
	}
	kinds := map[string]bool{}
	for _, o := range first {
		kinds[o] = true
	}
	for _, want := range []string{"200", "201", "429 retry-after=0", "502", "503", "504", "drop"} {
		if !kinds[want] {
			t.Errorf("outcome %q never happened in %v", want, first)
		}
	}
	if live := len(h.emu.LiveKeys("")); live != created {
		t.Errorf("%d keys stored but %d creates succeeded: chaos must fail before acting", live, created)
	}

	h.emu.SetChaos(nil)
	for range 20 {
		h.list("r1")
	}
}

func TestCounters(t *testing.T) {
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

func TestLatency(t *testing.T) {
	h := newHarness(t, Options{Latency: 50 * time.Millisecond})
	start := time.Now()
	h.list("r1")
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("request took %v, want at least the 50ms latency", elapsed)
	}
}

func TestLatencyStopsWhenClientGivesUp(t *testing.T) {
	emu, err := New(Options{Token: testToken, Repos: []string{"r1"}, Latency: time.Minute})
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
			t.Errorf("%s answered despite a minute of latency", method)
		}
		cancel()
	}
	// Close waits for running handlers: it returns quickly only if they stopped.
	start := time.Now()
	ts.Close()
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("handlers kept sleeping for %v after their clients left", elapsed)
	}
	if live := emu.LiveKeys(""); len(live) != 0 {
		t.Errorf("an abandoned create stored %+v", live)
	}
}

func TestConcurrentCreates(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	h := newHarness(t, Options{DataFile: file})
	const workers, perWorker = 16, 8
	keepAlive := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer keepAlive.CloseIdleConnections()

	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[string]bool{}
	)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				resp, err := h.send(keepAlive, http.MethodPost, collectionPath("r1"), "Bearer "+testToken,
					fmt.Sprintf(`{"name":"w%d-%d","aiType":"OPENAI"}`, w, i))
				if err != nil || resp.status != http.StatusCreated {
					t.Errorf("create: %v %d %s", err, resp.status, resp.body)
					return
				}
				var c wireCreated
				if err := json.Unmarshal(resp.body, &c); err != nil {
					t.Errorf("decode: %v", err)
					return
				}
				mu.Lock()
				ids[c.ID] = true
				mu.Unlock()
				// Readers race the writers too.
				h.emu.LiveKeys("r1")
				h.emu.Requests("", OpCreate)
			}
		})
		wg.Go(func() {
			for range perWorker {
				if _, err := h.send(keepAlive, http.MethodGet, collectionPath("r1"), "Bearer "+testToken, ""); err != nil {
					t.Errorf("list: %v", err)
				}
			}
		})
	}
	wg.Wait()

	const want = workers * perWorker
	if len(ids) != want {
		t.Fatalf("%d distinct ids, want %d", len(ids), want)
	}
	if got := len(h.list("r1")); got != want {
		t.Errorf("list has %d keys, want %d", got, want)
	}
	reloaded, err := New(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(reloaded.LiveKeys("r1")); got != want {
		t.Errorf("data file holds %d keys, want %d", got, want)
	}
}

func TestListDeletedShowsSoftDeletedKeys(t *testing.T) {
	h := newHarness(t, Options{ListDeleted: true})
	gone := h.create("r1", "gone", "OPENAI")
	kept := h.create("r1", "kept", "OPENAI")
	if err := h.emu.DeleteKey("r1", gone.ID); err != nil {
		t.Fatal(err)
	}
	got := h.list("r1")
	if len(got) != 2 {
		t.Fatalf("ListDeleted must list the soft-deleted key too, got %+v", got)
	}
	for _, k := range got {
		switch k.ID {
		case gone.ID:
			if k.DeletedAt == nil {
				t.Errorf("soft-deleted key %s listed without deletedAt", k.ID)
			}
		case kept.ID:
			if k.DeletedAt != nil {
				t.Errorf("live key %s listed with deletedAt %q", k.ID, *k.DeletedAt)
			}
		}
	}
	// Listed or not, a deleted key stays deleted.
	if resp := h.do(http.MethodPut, itemPath("r1", gone.ID), `{"name":"back"}`); resp.status != http.StatusNotFound {
		t.Fatalf("rename of a soft-deleted key: %d, want 404", resp.status)
	}
	if live := h.emu.LiveKeys("r1"); len(live) != 1 || live[0].ID != kept.ID {
		t.Fatalf("LiveKeys = %+v, want only %s", live, kept.ID)
	}
}
