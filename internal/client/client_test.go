package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testToken     = "tok-7Qx9-s3cr3t-bearer-value"
	testUserAgent = "flashback-client-test/1.0"
	testSecret    = "sec-Zk81-only-once-9f2c7d"
)

// seenRequest is what the fake server recorded of one attempt.
type seenRequest struct {
	Method      string
	EscapedPath string
	Header      http.Header
	Body        []byte
	ContentLen  int64
	At          time.Time
}

// fakeAPI is an httptest server that records every attempt and answers with
// handle, which gets the 1-based number of the attempt.
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newFakeAPI(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.seen = append(f.seen, seenRequest{
			Method: r.Method, EscapedPath: r.URL.EscapedPath(), Header: r.Header.Clone(),
			Body: body, ContentLen: r.ContentLength, At: time.Now(),
		})
		n := len(f.seen)
		f.mu.Unlock()
		handle(n, w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeAPI) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

func newTestClient(t *testing.T, baseURL string, tweak ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:      baseURL,
		Token:        testToken,
		UserAgent:    testUserAgent,
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Timeout:      5 * time.Second,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.http.HTTPClient.CloseIdleConnections)
	return c
}

func withRetries(n int) func(*Config) { return func(c *Config) { c.MaxRetries = n } }

// countingTransport counts the attempts that leave the client, including those
// that never reach a server.
type countingTransport struct {
	n  atomic.Int32
	rt http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

func (c *countingTransport) CloseIdleConnections() {
	if ci, ok := c.rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

func countAttempts(c *Client) *countingTransport {
	ct := &countingTransport{rt: c.http.HTTPClient.Transport}
	c.http.HTTPClient.Transport = ct
	return ct
}

func writeBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func errorBody(msg string) string {
	b, _ := json.Marshal(map[string]any{"success": false, "message": msg})
	return string(b)
}

// dropConnection reads the whole request and closes the connection without
// answering: the server got the request, the client gets no response.
func dropConnection(t *testing.T, w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Errorf("response writer cannot be hijacked")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

const (
	validListBody = `{"success":true,"apiKeys":[` +
		`{"id":"k2","name":"Second","repoId":"r1","key":"FB_AI_2","aiType":"GOOGLE","createdAt":"2024-01-16T10:30:00.000Z","deletedAt":null,"future":1},` +
		`{"id":"k1","name":"First","repoId":"r1","key":null,"aiType":"OPENAI","createdAt":"2024-01-15T10:30:00.000Z","deletedAt":null}]}`
	validCreateBody = `{"success":true,"id":"k-new","key":"FB_AI_new","secret":"` + testSecret + `","message":"created"}`
	validOKBody     = `{"success":true,"message":"done"}`
)

// apiCall is one client operation and what the wire should show of it.
type apiCall struct {
	name     string
	method   string
	path     string
	okStatus int
	okBody   string
	// body is the JSON the request must carry; empty for none.
	body string
	call func(ctx context.Context, c *Client) error
}

func strPtr(s string) *string { return &s }

// apiCalls is one call of each kind, on key k1 of repo r1.
func apiCalls() []apiCall {
	const keys = "/repo/r1/ai/apikey"
	return []apiCall{
		{
			name: "list", method: http.MethodGet, path: keys, okStatus: 200, okBody: validListBody,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AIAPIKeys.List(ctx, "r1")
				return err
			},
		},
		{
			name: "create", method: http.MethodPost, path: keys, okStatus: 201, okBody: validCreateBody,
			body: `{"name":"Production AI Key","aiType":"OPENAI"}`,
			call: func(ctx context.Context, c *Client) error {
				_, err := c.AIAPIKeys.Create(ctx, "r1", CreateAIAPIKeyRequest{Name: "Production AI Key", AIType: AITypeOpenAI})
				return err
			},
		},
		{
			name: "update", method: http.MethodPut, path: keys + "/k1", okStatus: 200, okBody: validOKBody,
			body: `{"name":"Renamed"}`,
			call: func(ctx context.Context, c *Client) error {
				return c.AIAPIKeys.Update(ctx, "r1", "k1", UpdateAIAPIKeyRequest{Name: strPtr("Renamed")})
			},
		},
		{
			name: "delete", method: http.MethodDelete, path: keys + "/k1", okStatus: 200, okBody: validOKBody,
			call: func(ctx context.Context, c *Client) error {
				return c.AIAPIKeys.Delete(ctx, "r1", "k1")
			},
		},
	}
}

func callByName(name string) apiCall {
	for _, c := range apiCalls() {
		if c.name == name {
			return c
		}
	}
	panic("no call " + name)
}

func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Errorf("error text contains the access token: %q", err.Error())
	}
}

func asAPIError(t *testing.T, err error) *APIError {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return apiErr
}

func asResponseError(t *testing.T, err error) *ResponseError {
	t.Helper()
	var respErr *ResponseError
	if !errors.As(err, &respErr) {
		t.Fatalf("error %v (%T) is not a *ResponseError", err, err)
	}
	return respErr
}

func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("request body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %q: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("request body = %s, want %s", gb, wb)
	}
}

func TestRequests_carryHeadersAndBody(t *testing.T) {
	t.Parallel()
	for _, ac := range apiCalls() {
		t.Run(ac.name, func(t *testing.T) {
			srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, ac.okStatus, ac.okBody) })
			c := newTestClient(t, srv.URL)
			if err := ac.call(context.Background(), c); err != nil {
				t.Fatalf("%s: %v", ac.name, err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != ac.method {
				t.Errorf("method = %s, want %s", r.Method, ac.method)
			}
			if r.EscapedPath != ac.path {
				t.Errorf("path = %s, want %s", r.EscapedPath, ac.path)
			}
			checkConventions(t, r, ac.body)
		})
	}
}

func TestNew_defaultUserAgent(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, 200, validListBody) })
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.UserAgent = "" })
	if _, err := c.AIAPIKeys.List(context.Background(), "r1"); err != nil {
		t.Fatal(err)
	}
	if got := srv.requests()[0].Header.Get("User-Agent"); got != "terraform-provider-flashback" {
		t.Errorf("User-Agent = %q, want the provider's default", got)
	}
}

func TestUpdate_withoutNameSendsEmptyObject(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, 200, validOKBody) })
	c := newTestClient(t, srv.URL)
	if err := c.AIAPIKeys.Update(context.Background(), "r1", "k1", UpdateAIAPIKeyRequest{}); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, srv.requests()[0].Body, `{}`)
}

func TestPaths_idsAreEscapedAsSingleSegments(t *testing.T) {
	t.Parallel()
	const repoID, keyID = "repo/1 x", "a/b"
	const keys = "/repo/repo%2F1%20x/ai/apikey"
	want := map[string]string{
		http.MethodGet: keys, http.MethodPost: keys,
		http.MethodPut: keys + "/a%2Fb", http.MethodDelete: keys + "/a%2Fb",
	}
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		writeBody(w, http.StatusNotFound, errorBody("no such thing"))
	})
	c := newTestClient(t, srv.URL)
	ctx := context.Background()
	errs := map[string]error{}
	_, errs[http.MethodGet] = c.AIAPIKeys.List(ctx, repoID)
	_, errs[http.MethodPost] = c.AIAPIKeys.Create(ctx, repoID, CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOther})
	errs[http.MethodPut] = c.AIAPIKeys.Update(ctx, repoID, keyID, UpdateAIAPIKeyRequest{Name: strPtr("m")})
	errs[http.MethodDelete] = c.AIAPIKeys.Delete(ctx, repoID, keyID)

	for _, r := range srv.requests() {
		if r.EscapedPath != want[r.Method] {
			t.Errorf("%s arrived at %q, want %q", r.Method, r.EscapedPath, want[r.Method])
		}
	}
	if n := srv.count(); n != 4 {
		t.Errorf("server saw %d requests, want 4", n)
	}
	for method, err := range errs {
		if got := asAPIError(t, err).Path; got != want[method] {
			t.Errorf("%s: APIError.Path = %q, want %q", method, got, want[method])
		}
	}
}

func TestPaths_baseURLPathPrefix(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"/api/", "/api"} {
		t.Run(suffix, func(t *testing.T) {
			srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete {
					writeBody(w, http.StatusNotFound, errorBody("gone"))
					return
				}
				writeBody(w, 200, validListBody)
			})
			c := newTestClient(t, srv.URL+suffix)
			if _, err := c.AIAPIKeys.List(context.Background(), "r1"); err != nil {
				t.Fatal(err)
			}
			err := c.AIAPIKeys.Delete(context.Background(), "r1", "k1")
			reqs := srv.requests()
			if len(reqs) != 2 {
				t.Fatalf("server saw %d requests, want 2", len(reqs))
			}
			if got := reqs[0].EscapedPath; got != "/api/repo/r1/ai/apikey" {
				t.Errorf("list went to %q, want /api/repo/r1/ai/apikey", got)
			}
			if got := reqs[1].EscapedPath; got != "/api/repo/r1/ai/apikey/k1" {
				t.Errorf("delete went to %q, want /api/repo/r1/ai/apikey/k1", got)
			}
			if got := asAPIError(t, err).Path; got != "/repo/r1/ai/apikey/k1" {
				t.Errorf("APIError.Path = %q, want the path without the base URL", got)
			}
		})
	}
}

func TestErrors_documentedStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 500} {
		for _, ac := range apiCalls() {
			t.Run(strconv.Itoa(status)+"/"+ac.name, func(t *testing.T) {
				msg := "server says " + strconv.Itoa(status)
				srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
					writeBody(w, status, errorBody(msg))
				})
				c := newTestClient(t, srv.URL)
				err := ac.call(context.Background(), c)
				if err == nil {
					t.Fatal("no error")
				}
				assertNoToken(t, err)
				apiErr := asAPIError(t, err)
				if apiErr.StatusCode != status || apiErr.Message != msg || apiErr.Method != ac.method || apiErr.Path != ac.path {
					t.Errorf("APIError = %+v, want status %d, message %q, %s %s", *apiErr, status, msg, ac.method, ac.path)
				}
				if !strings.Contains(err.Error(), msg) {
					t.Errorf("error text %q lacks the server's message", err.Error())
				}
				if got := IsNotFound(err); got != (status == 404) {
					t.Errorf("IsNotFound = %v", got)
				}
				if got := IsUnauthorized(err); got != (status == 401) {
					t.Errorf("IsUnauthorized = %v", got)
				}
				if got := IsForbidden(err); got != (status == 403) {
					t.Errorf("IsForbidden = %v", got)
				}
				if got := IsBadRequest(err); got != (status == 400) {
					t.Errorf("IsBadRequest = %v", got)
				}
				if got := IsTransient(err); got != (status == 500) {
					t.Errorf("IsTransient = %v, want it only for the 500", got)
				}
				wantUnknown := ac.method == http.MethodPost && status == 500
				if got := IsOutcomeUnknown(err); got != wantUnknown {
					t.Errorf("IsOutcomeUnknown = %v, want %v", got, wantUnknown)
				}
				if n := srv.count(); n != 1 {
					t.Errorf("server saw %d attempts, want 1 (status %d is not retried)", n, status)
				}
			})
		}
	}
}

func TestErrors_predicatesOnOtherErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{nil, errors.New("404"), &ResponseError{StatusCode: 200}, context.Canceled} {
		if IsNotFound(err) || IsUnauthorized(err) || IsForbidden(err) || IsOutcomeUnknown(err) || IsBadRequest(err) || IsRedirect(err) {
			t.Errorf("a predicate is true for %v", err)
		}
	}
}

// Only what may pass by itself is transient: the advice to try again later
// is given for nothing else.
func TestErrors_transient(t *testing.T) {
	t.Parallel()
	transient := []error{
		&APIError{StatusCode: 429}, &APIError{StatusCode: 500}, &APIError{StatusCode: 502}, &APIError{StatusCode: 503},
		&OutcomeUnknownError{Err: errors.New("connection reset")},
		fmt.Errorf("GET /x: %w", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}),
	}
	for _, err := range transient {
		if !IsTransient(err) {
			t.Errorf("IsTransient(%v) = false, want true", err)
		}
	}
	lasting := []error{
		nil, &APIError{StatusCode: 400}, &APIError{StatusCode: 401}, &APIError{StatusCode: 403}, &APIError{StatusCode: 404},
		&APIError{StatusCode: 409}, &APIError{StatusCode: 307}, &APIError{StatusCode: 200, Message: "success false"},
		&ResponseError{StatusCode: 200}, fmt.Errorf("GET /x: %w", context.Canceled),
	}
	for _, err := range lasting {
		if IsTransient(err) {
			t.Errorf("IsTransient(%v) = true, want false", err)
		}
	}
}

func TestErrors_tokenEchoedByServerIsRedacted(t *testing.T) {
	t.Parallel()
	for _, status := range []int{401, 200} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeBody(w, status, errorBody("invalid token "+testToken))
			})
			c := newTestClient(t, srv.URL)
			_, err := c.AIAPIKeys.List(context.Background(), "r1")
			if err == nil {
				t.Fatal("no error")
			}
			assertNoToken(t, err)
			if apiErr := asAPIError(t, err); strings.Contains(apiErr.Message, testToken) || !strings.Contains(apiErr.Message, "invalid token") {
				t.Errorf("APIError.Message = %q, want the server's text without the token", apiErr.Message)
			}
		})
	}
}

func TestErrors_htmlBadGatewayIsRetriedAndNotQuoted(t *testing.T) {
	t.Parallel()
	const page = "<html><body><h1>502 Bad Gateway</h1><hr>nginx/1.25.3</body></html>"
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, page)
	})
	c := newTestClient(t, srv.URL, withRetries(2))
	_, err := c.AIAPIKeys.List(context.Background(), "r1")
	if n := srv.count(); n != 3 {
		t.Errorf("server saw %d attempts, want MaxRetries+1 = 3", n)
	}
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != http.StatusBadGateway {
		t.Errorf("StatusCode = %d, want 502", apiErr.StatusCode)
	}
	if !strings.Contains(apiErr.Message, "non-JSON") || !strings.Contains(apiErr.Message, "text/html") {
		t.Errorf("Message = %q, want a description of a non-JSON text/html body", apiErr.Message)
	}
	for _, leak := range []string{"<html", "nginx", "Bad Gateway</h1>"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error text %q quotes the HTML page (%q)", err.Error(), leak)
		}
	}
	assertNoToken(t, err)
}

func TestErrors_emptyBodyOn500(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })
	c := newTestClient(t, srv.URL)
	_, err := c.AIAPIKeys.List(context.Background(), "r1")
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != 500 || !strings.Contains(apiErr.Message, "empty") {
		t.Errorf("APIError = %+v, want 500 describing an empty body", *apiErr)
	}
}

func TestList_decodesTheContract(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, 200, validListBody) })
	c := newTestClient(t, srv.URL)
	keys, err := c.AIAPIKeys.List(context.Background(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("got %d keys, want 2", len(keys))
	}
	k := keys[0]
	if k.ID != "k2" || k.Name != "Second" || k.RepoID != "r1" || k.Key == nil || *k.Key != "FB_AI_2" ||
		k.AIType != AITypeGoogle || k.CreatedAt != "2024-01-16T10:30:00.000Z" || k.DeletedAt != nil {
		t.Errorf("first key = %+v", k)
	}
	if keys[1].ID != "k1" || keys[1].Key != nil {
		t.Errorf("second key = %+v, want id k1 with a null key", keys[1])
	}
	created, ok := keys[1].Created()
	if !ok || !created.Equal(time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)) {
		t.Errorf("Created() = %v, %v", created, ok)
	}
	if _, ok := (AIAPIKey{CreatedAt: "yesterday"}).Created(); ok {
		t.Error("Created() parsed an unparseable createdAt")
	}
}

// A list that includes deleted keys marks them with deletedAt; null or an
// empty string means the key is live.
func TestList_deletedKeys(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeBody(w, 200, `{"success":true,"apiKeys":[
			{"id":"gone","name":"a","aiType":"AWS","createdAt":"2024-01-15T10:30:00.000Z","deletedAt":"2024-02-01T00:00:00.000Z"},
			{"id":"live","name":"b","aiType":"AWS","createdAt":"2024-01-15T10:30:00.000Z","deletedAt":null},
			{"id":"blank","name":"c","aiType":"AWS","createdAt":"2024-01-15T10:30:00.000Z","deletedAt":""},
			{"id":"absent","name":"d","aiType":"AWS","createdAt":"2024-01-15T10:30:00.000Z"}]}`)
	})
	keys, err := newTestClient(t, srv.URL).AIAPIKeys.List(context.Background(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"gone": true, "live": false, "blank": false, "absent": false}
	if len(keys) != len(want) {
		t.Fatalf("%d keys, want %d: the list must keep deleted keys for the caller to see", len(keys), len(want))
	}
	for _, k := range keys {
		if k.Deleted() != want[k.ID] {
			t.Errorf("key %s: Deleted() = %v, want %v", k.ID, k.Deleted(), want[k.ID])
		}
	}
}

func TestList_emptyList(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeBody(w, 200, `{"success":true,"apiKeys":[]}`)
	})
	c := newTestClient(t, srv.URL)
	keys, err := c.AIAPIKeys.List(context.Background(), "r1")
	if err != nil || len(keys) != 0 {
		t.Errorf("List = %v, %v; want no keys and no error", keys, err)
	}
}

func TestResponses_unusableSuccessBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call string
		body string
		// apiMessage, when set, expects an *APIError with that message;
		// otherwise a *ResponseError whose reason contains reason.
		apiMessage string
		reason     string
	}{
		{name: "malformed JSON", call: "list", body: `{"success":true,"apiKeys":[`, reason: "not valid JSON"},
		{name: "empty body", call: "list", body: ``, reason: "empty"},
		{name: "HTML", call: "list", body: `<html>ok</html>`, reason: "not valid JSON"},
		{name: "array", call: "list", body: `[]`},
		{name: "success false", call: "list", body: `{"success": false, "message": "x"}`, apiMessage: "x"},
		{name: "success false without message", call: "list", body: `{"success": false}`, apiMessage: `"success": false`},
		{name: "success not a bool", call: "list", body: `{"success":"yes","apiKeys":[]}`, reason: `"success"`},
		{name: "apiKeys wrong type", call: "list", body: `{"success":true,"apiKeys":"nope"}`, reason: `"apiKeys"`},
		{name: "apiKeys missing", call: "list", body: `{"success":true}`, reason: `"apiKeys"`},
		{name: "apiKeys null", call: "list", body: `{"success":true,"apiKeys":null}`, reason: `"apiKeys"`},
		{name: "entry without id", call: "list", body: `{"success":true,"apiKeys":[{"id":"k1"},{"name":"no id"}]}`, reason: `key 1 of the list has no "id"`},
		{name: "entry with empty id", call: "list", body: `{"success":true,"apiKeys":[{"id":""}]}`, reason: `"id"`},
		{name: "entry field wrong type", call: "list", body: `{"success":true,"apiKeys":[{"id":"k1","name":7}]}`, reason: "name"},
		{name: "update malformed", call: "update", body: `{"success":tru`, reason: "not valid JSON"},
		{name: "update success false", call: "update", body: `{"success":false,"message":"nope"}`, apiMessage: "nope"},
		{name: "delete empty body", call: "delete", body: ``, reason: "empty"},
		{name: "delete success false", call: "delete", body: `{"success":false,"message":"no"}`, apiMessage: "no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ac := callByName(tt.call)
			srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, 200, tt.body) })
			c := newTestClient(t, srv.URL)
			var err error
			if tt.call == "list" {
				var keys []AIAPIKey
				keys, err = c.AIAPIKeys.List(context.Background(), "r1")
				if keys != nil {
					t.Errorf("List returned keys %v with an error", keys)
				}
			} else {
				err = ac.call(context.Background(), c)
			}
			if err == nil {
				t.Fatal("no error")
			}
			assertNoToken(t, err)
			if n := srv.count(); n != 1 {
				t.Errorf("server saw %d attempts, want 1", n)
			}
			if tt.apiMessage != "" {
				apiErr := asAPIError(t, err)
				if apiErr.StatusCode != 200 || !strings.Contains(apiErr.Message, tt.apiMessage) || apiErr.Method != ac.method || apiErr.Path != ac.path {
					t.Errorf("APIError = %+v, want 200 with message %q", *apiErr, tt.apiMessage)
				}
				if IsNotFound(err) || IsUnauthorized(err) || IsForbidden(err) {
					t.Error("a status predicate is true for a 200")
				}
				return
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				t.Fatalf("got an *APIError %v, want a *ResponseError", err)
			}
			respErr := asResponseError(t, err)
			if respErr.StatusCode != 200 || respErr.Method != ac.method || respErr.Path != ac.path {
				t.Errorf("ResponseError = %+v, want 200 %s %s", *respErr, ac.method, ac.path)
			}
			if !strings.Contains(respErr.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %q", respErr.Reason, tt.reason)
			}
		})
	}
}

func TestCreate_success(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, 201, validCreateBody) })
	c := newTestClient(t, srv.URL)
	got, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeAWS})
	if err != nil {
		t.Fatal(err)
	}
	want := CreatedAIAPIKey{ID: "k-new", Key: "FB_AI_new", Secret: testSecret, Message: "created"}
	if *got != want {
		t.Errorf("Create = %+v, want %+v", *got, want)
	}
}

func TestCreate_unusableResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		// wantID is the ID the returned partial key must carry; "" wants a nil key.
		wantID string
		reason string
	}{
		{name: "missing secret", status: 201, body: `{"success":true,"id":"k9","key":"FB_AI_9"}`, wantID: "k9", reason: `"secret"`},
		{name: "missing key and secret", status: 201, body: `{"success":true,"id":"k9"}`, wantID: "k9", reason: `"key", "secret"`},
		{name: "empty secret", status: 201, body: `{"success":true,"id":"k9","key":"FB_AI_9","secret":""}`, wantID: "k9", reason: `"secret"`},
		{name: "missing id", status: 201, body: `{"success":true,"key":"FB_AI_9","secret":"` + testSecret + `"}`, reason: `"id"`},
		{name: "invalid JSON", status: 201, body: `{"success":true,"id":"k9","key":"FB_AI_9","secret":"` + testSecret + `"`, reason: "not valid JSON"},
		{name: "not JSON", status: 201, body: `created ` + testSecret, reason: "not valid JSON"},
		{name: "wrong type with id", status: 201, body: `{"success":true,"id":"k9","key":5,"secret":"` + testSecret + `"}`, wantID: "k9", reason: `"key"`},
		{name: "numeric secret", status: 201, body: `{"success":true,"id":"k9","key":"FB_AI_9","secret":918273645546372819}`, wantID: "k9", reason: `"secret"`},
		{name: "200 instead of 201", status: 200, body: `{"success":true,"id":"k9","key":"FB_AI_9"}`, wantID: "k9", reason: `"secret"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, tt.status, tt.body) })
			c := newTestClient(t, srv.URL)
			got, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
			respErr := asResponseError(t, err)
			if respErr.StatusCode != tt.status || respErr.Method != http.MethodPost || respErr.Path != "/repo/r1/ai/apikey" {
				t.Errorf("ResponseError = %+v", *respErr)
			}
			if !strings.Contains(respErr.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %s", respErr.Reason, tt.reason)
			}
			for _, leak := range []string{testSecret, "918273645546372819", testToken} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error text %q contains %q", err.Error(), leak)
				}
			}
			if IsOutcomeUnknown(err) {
				t.Error("IsOutcomeUnknown is true for an answered create")
			}
			if n := srv.count(); n != 1 {
				t.Errorf("server saw %d attempts, want 1", n)
			}
			switch {
			case tt.wantID == "" && got != nil:
				t.Errorf("Create returned %+v, want nil", *got)
			case tt.wantID != "" && got == nil:
				t.Errorf("Create returned nil, want a key with ID %q", tt.wantID)
			case tt.wantID != "" && (got.ID != tt.wantID || got.Key != "" || got.Secret != ""):
				t.Errorf("Create returned %+v, want only ID %q", *got, tt.wantID)
			}
		})
	}
}

func TestRetry_throttledThenSucceeds(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"list", "create", "update", "delete"} {
		t.Run(name, func(t *testing.T) {
			ac := callByName(name)
			srv := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					writeBody(w, http.StatusTooManyRequests, errorBody("slow down"))
					return
				}
				writeBody(w, ac.okStatus, ac.okBody)
			})
			c := newTestClient(t, srv.URL)
			if err := ac.call(context.Background(), c); err != nil {
				t.Fatalf("%s after a 429: %v", name, err)
			}
			reqs := srv.requests()
			if len(reqs) != 2 {
				t.Fatalf("server saw %d attempts, want 2", len(reqs))
			}
			if string(reqs[1].Body) != string(reqs[0].Body) {
				t.Errorf("retried body %q differs from the first %q", reqs[1].Body, reqs[0].Body)
			}
			if ac.body != "" {
				sameJSON(t, reqs[1].Body, ac.body)
			}
		})
	}
}

func TestRetry_retryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeBody(w, http.StatusServiceUnavailable, errorBody("maintenance"))
			return
		}
		writeBody(w, 201, validCreateBody)
	})
	// The backoff alone would wait 1ms; RetryWaitMax is far above Retry-After.
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.RetryWaitMax = 10 * time.Second })
	if _, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d attempts, want 2", len(reqs))
	}
	if gap := reqs[1].At.Sub(reqs[0].At); gap < 950*time.Millisecond || gap > 5*time.Second {
		t.Errorf("retried after %v, want about the 1s of Retry-After", gap)
	}
}

func TestRetry_gatewayErrorsOnIdempotentCalls(t *testing.T) {
	t.Parallel()
	for _, status := range []int{429, 502, 503, 504} {
		for _, name := range []string{"list", "update", "delete"} {
			t.Run(strconv.Itoa(status)+"/"+name, func(t *testing.T) {
				ac := callByName(name)
				srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
					writeBody(w, status, errorBody("busy"))
				})
				c := newTestClient(t, srv.URL, withRetries(2))
				err := ac.call(context.Background(), c)
				if n := srv.count(); n != 3 {
					t.Errorf("server saw %d attempts, want MaxRetries+1 = 3", n)
				}
				if got := asAPIError(t, err); got.StatusCode != status || got.Message != "busy" {
					t.Errorf("APIError = %+v, want the last %d", *got, status)
				}
				if IsOutcomeUnknown(err) {
					t.Error("IsOutcomeUnknown is true for a call that is not a create")
				}
				assertNoToken(t, err)
			})
		}
	}
}

func TestRetry_createIsNotRepeatedWhenTheServerMayHaveActed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeBody(w, status, errorBody("upstream trouble"))
			})
			c := newTestClient(t, srv.URL)
			got, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
			if n := srv.count(); n != 1 {
				t.Errorf("server saw %d attempts, want exactly 1", n)
			}
			if got != nil {
				t.Errorf("Create returned %+v with an error", *got)
			}
			if !IsOutcomeUnknown(err) {
				t.Errorf("IsOutcomeUnknown(%v) = false", err)
			}
			if apiErr := asAPIError(t, err); apiErr.StatusCode != status {
				t.Errorf("wrapped APIError status = %d, want %d", apiErr.StatusCode, status)
			}
			assertNoToken(t, err)
		})
	}
}

func TestRetry_createOn503(t *testing.T) {
	t.Parallel()
	t.Run("without Retry-After", func(t *testing.T) {
		srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeBody(w, http.StatusServiceUnavailable, errorBody("down"))
		})
		c := newTestClient(t, srv.URL)
		_, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
		if n := srv.count(); n != 1 {
			t.Errorf("server saw %d attempts, want 1", n)
		}
		if apiErr := asAPIError(t, err); apiErr.StatusCode != 503 || apiErr.RetryAfter {
			t.Errorf("APIError = %+v, want a 503 without Retry-After", *apiErr)
		}
		// Without Retry-After the 503 may come from a proxy that gave up on a
		// server that did act.
		if !IsOutcomeUnknown(err) {
			t.Errorf("IsOutcomeUnknown(%v) = false", err)
		}
	})
	t.Run("with Retry-After, persisting", func(t *testing.T) {
		srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "0")
			writeBody(w, http.StatusServiceUnavailable, errorBody("down"))
		})
		c := newTestClient(t, srv.URL, withRetries(2))
		_, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
		if n := srv.count(); n != 3 {
			t.Errorf("server saw %d attempts, want 3", n)
		}
		if apiErr := asAPIError(t, err); apiErr.StatusCode != 503 || !apiErr.RetryAfter {
			t.Errorf("APIError = %+v, want a 503 with Retry-After", *apiErr)
		}
		if IsOutcomeUnknown(err) {
			t.Errorf("IsOutcomeUnknown(%v) = true for the server's own refusal", err)
		}
	})
	t.Run("with Retry-After, then created", func(t *testing.T) {
		srv := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				writeBody(w, http.StatusServiceUnavailable, errorBody("down"))
				return
			}
			writeBody(w, 201, validCreateBody)
		})
		c := newTestClient(t, srv.URL)
		got, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
		if err != nil || got.Secret != testSecret {
			t.Fatalf("Create = %+v, %v", got, err)
		}
		reqs := srv.requests()
		if len(reqs) != 2 || string(reqs[0].Body) != string(reqs[1].Body) {
			t.Errorf("want 2 attempts with the same body, got %d", len(reqs))
		}
	})
	t.Run("429 persisting", func(t *testing.T) {
		srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeBody(w, http.StatusTooManyRequests, errorBody("slow"))
		})
		c := newTestClient(t, srv.URL, withRetries(2))
		_, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
		if n := srv.count(); n != 3 {
			t.Errorf("server saw %d attempts, want 3", n)
		}
		if asAPIError(t, err).StatusCode != 429 || IsOutcomeUnknown(err) {
			t.Errorf("err = %v, want a plain 429", err)
		}
	})
}

func TestRetry_droppedConnection(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"list", "update", "delete"} {
		t.Run(name+" is retried", func(t *testing.T) {
			ac := callByName(name)
			srv := newFakeAPI(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					dropConnection(t, w, r)
					return
				}
				writeBody(w, ac.okStatus, ac.okBody)
			})
			c := newTestClient(t, srv.URL)
			if err := ac.call(context.Background(), c); err != nil {
				t.Fatalf("%s after a dropped connection: %v", name, err)
			}
			if n := srv.count(); n != 2 {
				t.Errorf("server saw %d attempts, want 2", n)
			}
		})
	}
	t.Run("create is not retried", func(t *testing.T) {
		srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) { dropConnection(t, w, r) })
		c := newTestClient(t, srv.URL)
		got, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
		if n := srv.count(); n != 1 {
			t.Errorf("server saw %d attempts, want exactly 1", n)
		}
		if got != nil || err == nil {
			t.Fatalf("Create = %+v, %v; want an error", got, err)
		}
		if !IsOutcomeUnknown(err) {
			t.Errorf("IsOutcomeUnknown(%v) = false for a request the server received", err)
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			t.Errorf("a dropped connection produced an APIError %v", apiErr)
		}
		if strings.Contains(err.Error(), srv.Listener.Addr().String()) {
			t.Errorf("error text %q repeats the server address", err.Error())
		}
		assertNoToken(t, err)
	})
}

// refusedURL is the address of a port that was just listened on and closed.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

func TestRetry_refusedConnection(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"create", "list"} {
		t.Run(name, func(t *testing.T) {
			c := newTestClient(t, refusedURL(t), withRetries(3))
			attempts := countAttempts(c)
			err := callByName(name).call(context.Background(), c)
			if err == nil {
				t.Fatal("no error from a refused connection")
			}
			if n := attempts.n.Load(); n != 4 {
				t.Errorf("%d attempts, want MaxRetries+1 = 4", n)
			}
			if IsOutcomeUnknown(err) {
				t.Errorf("IsOutcomeUnknown(%v) = true for a connection that was never made", err)
			}
			var opErr *net.OpError
			if !errors.As(err, &opErr) || opErr.Op != "dial" {
				t.Errorf("err = %v, want a dial error", err)
			}
			assertNoToken(t, err)
		})
	}
}

func TestRetry_attemptBudget(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ maxRetries, attempts int }{
		{0, 1}, {1, 2}, {3, 4}, {-1, DefaultMaxRetries + 1},
	} {
		t.Run(strconv.Itoa(tt.maxRetries), func(t *testing.T) {
			srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeBody(w, http.StatusServiceUnavailable, errorBody("down"))
			})
			c := newTestClient(t, srv.URL, withRetries(tt.maxRetries))
			_, err := c.AIAPIKeys.List(context.Background(), "r1")
			if n := srv.count(); n != tt.attempts {
				t.Errorf("server saw %d attempts, want %d", n, tt.attempts)
			}
			if asAPIError(t, err).StatusCode != 503 {
				t.Errorf("err = %v, want a 503", err)
			}
		})
	}
}

// blockUntilGone holds a request until the client gives up on it.
func blockUntilGone(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
		writeBody(w, 200, validOKBody)
	}
}

func TestRetry_perAttemptTimeout(t *testing.T) {
	t.Parallel()
	short := func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond; cfg.MaxRetries = 1 }
	t.Run("list is retried", func(t *testing.T) {
		srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) { blockUntilGone(w, r) })
		c := newTestClient(t, srv.URL, short)
		_, err := c.AIAPIKeys.List(context.Background(), "r1")
		if err == nil {
			t.Fatal("no error")
		}
		if n := srv.count(); n != 2 {
			t.Errorf("server saw %d attempts, want 2", n)
		}
	})
	t.Run("create is not retried and outcome unknown", func(t *testing.T) {
		srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) { blockUntilGone(w, r) })
		c := newTestClient(t, srv.URL, short)
		_, err := c.AIAPIKeys.Create(context.Background(), "r1", CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
		if n := srv.count(); n != 1 {
			t.Errorf("server saw %d attempts, want 1", n)
		}
		if !IsOutcomeUnknown(err) {
			t.Errorf("IsOutcomeUnknown(%v) = false for a timed-out create", err)
		}
	})
}

// onRetry is a retry logger that calls f when the client is about to wait
// before a retry: the answer has been read, and the backoff begins.
type onRetry func()

func (f onRetry) Debug(msg string, _ ...any) {
	if msg == "retrying request" {
		f()
	}
}
func (onRetry) Error(string, ...any) {}
func (onRetry) Info(string, ...any)  {}
func (onRetry) Warn(string, ...any)  {}

// The server asks the client to come back in a day, longer than any test may
// run, and the call is cancelled as that wait begins: that the call returns at
// all, after one attempt, proves that the cancel ended the wait; no clock
// needs to say how soon.
func TestContext_cancelStopsWaitBetweenRetries(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"list", "create", "update", "delete"} {
		t.Run(name, func(t *testing.T) {
			srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "86400")
				writeBody(w, http.StatusServiceUnavailable, errorBody("come back later"))
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := newTestClient(t, srv.URL, func(cfg *Config) {
				cfg.RetryWaitMax = 48 * time.Hour
				cfg.Logger = onRetry(cancel)
			})
			err := callByName(name).call(ctx, c)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if IsOutcomeUnknown(err) {
				t.Error("IsOutcomeUnknown is true though every attempt was refused with 503")
			}
			if n := srv.count(); n != 1 {
				t.Errorf("server saw %d attempts, want 1", n)
			}
			assertNoToken(t, err)
		})
	}
}

// A client that kept waiting for the answer would get it (blockUntilGone
// answers 200 after 5 s), or retry after its per-attempt timeout: the error
// and the single attempt prove that the deadline ended the request.
func TestContext_cancelStopsRequestInFlight(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) { blockUntilGone(w, r) })
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.AIAPIKeys.List(ctx, "r1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("server saw %d attempts after the deadline, want 1", n)
	}
}

// ServerNow is bracketed by clock readings taken around what it depends on,
// rather than compared with a tolerance that a slow machine could exceed.
func TestServerNow_tracksServerDate(t *testing.T) {
	t.Parallel()
	c0 := newTestClient(t, "http://127.0.0.1:1")
	before := time.Now()
	got := c0.ServerNow()
	after := time.Now()
	if got.Before(before) || got.After(after) {
		t.Errorf("before any response ServerNow is %v, want our clock's (between %v and %v)", got, before, after)
	}

	date := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Date", date.Format(http.TimeFormat))
		writeBody(w, 200, validListBody)
	})
	c := newTestClient(t, srv.URL)
	before = time.Now()
	if _, err := c.AIAPIKeys.List(context.Background(), "r1"); err != nil {
		t.Fatal(err)
	}
	got = c.ServerNow()
	after = time.Now()
	// The server's clock read date when it answered, after before; at most
	// after-before has passed on it since.
	if ahead := got.Sub(date); ahead < 0 || ahead > after.Sub(before) {
		t.Errorf("ServerNow is %v, want the server's Date %v plus at most the %v the request and the call took", got, date, after.Sub(before))
	}
}

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"http://localhost:8080", "https://backend.flashback.tech", "https://backend.flashback.tech/",
		"http://127.0.0.1:9/api/", "HTTPS://Backend.Flashback.Tech/v1",
	} {
		u, err := ParseBaseURL(raw)
		if err != nil {
			t.Errorf("ParseBaseURL(%q): %v", raw, err)
			continue
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Errorf("ParseBaseURL(%q) = %v", raw, u)
		}
	}
	for _, raw := range []string{
		"", "backend.flashback.tech", "ftp://x", "http://", "/relative", "https://",
		"http://x/?a=1", "https://backend.flashback.tech/api?token=1", "http://x/#frag", "http://x:bad/", "mailto:a@b",
	} {
		if u, err := ParseBaseURL(raw); err == nil {
			t.Errorf("ParseBaseURL(%q) = %v, want an error", raw, u)
		}
		if _, err := New(Config{BaseURL: raw, Token: testToken}); err == nil {
			t.Errorf("New accepted base URL %q", raw)
		}
	}
}

// Every request carries the token: over http it could be read on the way,
// so only a loopback host (a local emulator) may be reached without TLS.
func TestParseBaseURL_httpOnlyForLoopback(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"http://localhost", "http://LocalHost:8080/api", "http://127.0.0.1:9", "http://127.8.9.10/", "http://[::1]:8080",
		"https://10.0.0.1", "https://example.com",
	} {
		if _, err := ParseBaseURL(raw); err != nil {
			t.Errorf("ParseBaseURL(%q): %v", raw, err)
		}
	}
	for _, raw := range []string{
		"http://backend.flashback.tech", "http://10.0.0.1:8080", "http://[::2]/", "http://128.0.0.1",
		"http://localhost.example.com", "http://192.168.1.5/api",
	} {
		_, err := ParseBaseURL(raw)
		if !errors.Is(err, ErrCleartextBaseURL) {
			t.Errorf("ParseBaseURL(%q) = %v, want ErrCleartextBaseURL", raw, err)
		}
		if _, err := New(Config{BaseURL: raw, Token: testToken}); err == nil {
			t.Errorf("New accepted base URL %q", raw)
		}
	}
}

// A redirect is never followed, so the token never reaches the host it points
// at, whatever the method; the answer says where it pointed, once, without
// retries, and a create that was redirected did not happen.
func TestRedirect_notFollowedTokenStaysHome(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		if strings.Contains(r.Header.Get("Authorization"), testToken) {
			t.Errorf("the token reached the host a redirect pointed at: %s %s", r.Method, r.URL)
		}
		writeBody(w, 200, validListBody)
	}))
	t.Cleanup(other.Close)
	// Another host name for the same machine: what a browser would take for
	// another site.
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	for _, status := range []int{301, 302, 307, 308} {
		for _, ac := range apiCalls() {
			t.Run(strconv.Itoa(status)+"/"+ac.name, func(t *testing.T) {
				srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target+r.URL.Path+"?token="+testToken, status)
				})
				c := newTestClient(t, srv.URL)
				err := ac.call(context.Background(), c)
				apiErr := asAPIError(t, err)
				if apiErr.StatusCode != status || !IsRedirect(err) {
					t.Errorf("error %v: want a %d redirect", err, status)
				}
				if want := "a redirect to " + target + ac.path + ", not followed"; apiErr.Message != want {
					t.Errorf("message %q, want %q", apiErr.Message, want)
				}
				assertNoToken(t, err)
				if IsOutcomeUnknown(err) || IsTransient(err) {
					t.Errorf("a redirect is taken for an unknown outcome or a passing fault: %v", err)
				}
				if n := srv.count(); n != 1 {
					t.Errorf("%d attempts, want 1: a redirect is not retried", n)
				}
			})
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the host redirected to got %d requests, want none", n)
	}
}

// RetryWait is the client's own backoff, for callers that repeat several
// requests as one.
func TestRetryWait_growsWithinBounds(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, DefaultBaseURL, func(cfg *Config) { cfg.RetryWaitMin, cfg.RetryWaitMax = time.Second, 30*time.Second })
	for retry, ceiling := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second} {
		for range 20 {
			if w := c.RetryWait(retry); w < time.Second || w > ceiling {
				t.Fatalf("RetryWait(%d) = %v, want between 1s and %v", retry, w, ceiling)
			}
		}
	}
}

func TestNew_rejectsEmptyToken(t *testing.T) {
	t.Parallel()
	c, err := New(Config{BaseURL: DefaultBaseURL})
	if err == nil {
		t.Fatalf("New without a token = %v, want an error", c)
	}
	if c != nil {
		t.Errorf("New returned a client with its error")
	}
	if msg := err.Error(); !strings.Contains(msg, "token") || strings.Contains(msg, "absolute") {
		t.Errorf("error %q must name the missing token and nothing else", msg)
	}
}

func TestNew_defaults(t *testing.T) {
	t.Parallel()
	c, err := New(Config{BaseURL: DefaultBaseURL, Token: testToken, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.http.RetryMax != DefaultMaxRetries || c.http.RetryWaitMin != DefaultRetryWaitMin ||
		c.http.RetryWaitMax != DefaultRetryWaitMax || c.http.HTTPClient.Timeout != DefaultTimeout {
		t.Errorf("defaults: retries %d, wait %v..%v, timeout %v", c.http.RetryMax, c.http.RetryWaitMin, c.http.RetryWaitMax, c.http.HTTPClient.Timeout)
	}
	c, err = New(Config{BaseURL: DefaultBaseURL, Token: testToken, RetryWaitMin: time.Minute, RetryWaitMax: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c.http.RetryMax != 0 {
		t.Errorf("MaxRetries 0 became %d retries", c.http.RetryMax)
	}
	if c.http.RetryWaitMax < c.http.RetryWaitMin {
		t.Errorf("RetryWaitMax %v is below RetryWaitMin %v", c.http.RetryWaitMax, c.http.RetryWaitMin)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"5", 5 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second, true},
		{"Saturday, 01-Mar-25 12:00:10 GMT", 10 * time.Second, true}, // RFC 850
		{"Sat Mar  1 12:00:20 2025", 20 * time.Second, true},         // ANSI C asctime
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"   ", 0, false},
		{"-1", 0, false},
		{"-3600", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"5s", 0, false},
		{"2025-03-01T12:00:30Z", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestParseRetryAfter_hugeDelayDoesNotOverflow(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"10000000000", "9223372036854775807", "99999999999"} {
		got, ok := parseRetryAfter(in, time.Now())
		if !ok || got < 1000*time.Hour {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want a very long wait", in, got, ok)
		}
	}
}

func respWith(status int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h}
}

func TestBackoff_honoursRetryAfter(t *testing.T) {
	t.Parallel()
	const minWait, maxWait = 10 * time.Millisecond, time.Minute
	for _, status := range []int{429, 503} {
		if got := backoff(minWait, maxWait, 0, respWith(status, "7")); got != 7*time.Second {
			t.Errorf("%d Retry-After 7: wait %v, want 7s", status, got)
		}
		if got := backoff(minWait, maxWait, 3, respWith(status, "0")); got != 0 {
			t.Errorf("%d Retry-After 0: wait %v, want 0", status, got)
		}
		if got := backoff(minWait, 2*time.Second, 0, respWith(status, "7")); got != 2*time.Second {
			t.Errorf("%d Retry-After 7 with max 2s: wait %v, want 2s", status, got)
		}
		if got := backoff(minWait, 5*time.Second, 0, respWith(status, "10000000000")); got != 5*time.Second {
			t.Errorf("%d huge Retry-After with max 5s: wait %v, want 5s", status, got)
		}
		date := time.Now().Add(20 * time.Second).UTC().Format(http.TimeFormat)
		if got := backoff(minWait, maxWait, 0, respWith(status, date)); got < 18*time.Second || got > 20*time.Second {
			t.Errorf("%d Retry-After %s: wait %v, want about 19-20s", status, date, got)
		}
	}
	// Retry-After on other statuses, and unusable values, fall back to the
	// exponential backoff: attempt 0 waits exactly the minimum.
	for _, resp := range []*http.Response{
		respWith(502, "7"), respWith(504, "7"), respWith(429, "-5"), respWith(503, "soon"), respWith(429, ""), nil,
	} {
		if got := backoff(minWait, maxWait, 0, resp); got != minWait {
			t.Errorf("backoff for %+v = %v, want the minimum %v", resp, got, minWait)
		}
	}
}

func TestBackoff_exponentialWithFullJitter(t *testing.T) {
	t.Parallel()
	const minWait, maxWait = 10 * time.Millisecond, 500 * time.Millisecond
	for attempt := 0; attempt <= 8; attempt++ {
		ceiling := min(maxWait, minWait<<attempt)
		seen := map[time.Duration]bool{}
		var top time.Duration
		for range 500 {
			got := backoff(minWait, maxWait, attempt, respWith(502, ""))
			if got < minWait || got > ceiling {
				t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, got, minWait, ceiling)
			}
			seen[got] = true
			top = max(top, got)
		}
		if attempt == 0 {
			if len(seen) != 1 {
				t.Errorf("attempt 0 waits vary: %v", seen)
			}
			continue
		}
		if len(seen) < 100 {
			t.Errorf("attempt %d: only %d distinct waits in 500 tries, want jitter", attempt, len(seen))
		}
		// The range is used up to near its ceiling, so the growth is real.
		if top < minWait+(ceiling-minWait)*9/10 {
			t.Errorf("attempt %d: largest wait %v, want near %v", attempt, top, ceiling)
		}
	}
}

func TestBackoff_neverLeavesItsBounds(t *testing.T) {
	t.Parallel()
	for _, minWait := range []time.Duration{time.Millisecond, time.Second, 10 * time.Second, time.Hour} {
		maxWait := 2 * minWait * 30
		for attempt := 0; attempt <= 200; attempt++ {
			got := backoff(minWait, maxWait, attempt, nil)
			if got < minWait || got > maxWait {
				t.Fatalf("backoff(%v, %v, %d) = %v, outside its bounds", minWait, maxWait, attempt, got)
			}
		}
	}
	if got := backoff(time.Second, time.Second, 5, nil); got != time.Second {
		t.Errorf("min == max: wait %v, want 1s", got)
	}
}

func TestCheckRetry_policy(t *testing.T) {
	t.Parallel()
	creating := context.WithValue(context.Background(), createKey{}, true)
	plain := context.Background()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	read := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	tests := []struct {
		name string
		ctx  context.Context
		resp *http.Response
		err  error
		want bool
	}{
		{"GET 200", plain, respWith(200, ""), nil, false},
		{"GET 404", plain, respWith(404, ""), nil, false},
		{"GET 500", plain, respWith(500, ""), nil, false},
		{"GET 429", plain, respWith(429, ""), nil, true},
		{"GET 502", plain, respWith(502, ""), nil, true},
		{"GET 503", plain, respWith(503, ""), nil, true},
		{"GET 504", plain, respWith(504, ""), nil, true},
		{"GET dial", plain, nil, dial, true},
		{"GET read", plain, nil, read, true},
		{"POST 429", creating, respWith(429, ""), nil, true},
		{"POST 503 Retry-After", creating, respWith(503, "3"), nil, true},
		{"POST 503", creating, respWith(503, ""), nil, false},
		{"POST 500", creating, respWith(500, ""), nil, false},
		{"POST 502", creating, respWith(502, ""), nil, false},
		{"POST 504", creating, respWith(504, ""), nil, false},
		{"POST 400", creating, respWith(400, ""), nil, false},
		{"POST dial", creating, nil, dial, true},
		{"POST read", creating, nil, read, false},
	}
	for _, tt := range tests {
		got, err := checkRetry(tt.ctx, tt.resp, tt.err)
		if got != tt.want || err != nil {
			t.Errorf("%s: checkRetry = %v, %v; want %v, nil", tt.name, got, err, tt.want)
		}
	}
	cancelled, cancel := context.WithCancel(plain)
	cancel()
	if got, err := checkRetry(cancelled, respWith(503, ""), nil); got || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: checkRetry = %v, %v; want false, context.Canceled", got, err)
	}
}

func TestClient_concurrentUse(t *testing.T) {
	t.Parallel()
	srv := newFakeAPI(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		if n%3 == 0 {
			writeBody(w, http.StatusBadGateway, errorBody("flaky"))
			return
		}
		writeBody(w, 200, validListBody)
	})
	c := newTestClient(t, srv.URL, withRetries(5))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			keys, err := c.AIAPIKeys.List(context.Background(), "r1")
			if err == nil && len(keys) != 2 {
				err = errors.New("wrong key count")
			}
			errs <- err
			_ = c.ServerNow()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// checkConventions checks what every request must carry: the token, once;
// Accept and the User-Agent; and a JSON body with its Content-Type when body
// is set, else neither a body nor a Content-Type.
func checkConventions(t *testing.T, r seenRequest, body string) {
	t.Helper()
	if got := r.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer "+testToken {
		t.Errorf("Authorization = %q, want [Bearer <token>]", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q, want application/json", got)
	}
	if got := r.Header.Get("User-Agent"); got != testUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, testUserAgent)
	}
	ct, hasCT := r.Header["Content-Type"]
	if body != "" {
		if !hasCT || len(ct) != 1 || ct[0] != "application/json" {
			t.Errorf("Content-Type = %q, want [application/json] on a request with a body", ct)
		}
		sameJSON(t, r.Body, body)
		return
	}
	if hasCT {
		t.Errorf("Content-Type = %q on a request without a body", ct)
	}
	if len(r.Body) != 0 || r.ContentLen > 0 {
		t.Errorf("request without a body sent %d bytes (Content-Length %d)", len(r.Body), r.ContentLen)
	}
}
