package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fuzzServer answers every request with the body stored for its repo id, so
// one server and one client serve all iterations of a fuzz target.
type fuzzServer struct {
	mu     sync.Mutex
	bodies map[string][]byte
	next   atomic.Int64
	client *Client
}

func newFuzzServer(f *testing.F, status int) *fuzzServer {
	fs := &fuzzServer{bodies: map[string][]byte{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The path is /repo/{id}/ai/apikey.
		parts := strings.Split(r.URL.EscapedPath(), "/")
		if len(parts) < 3 {
			http.Error(w, "bad path", http.StatusTeapot)
			return
		}
		fs.mu.Lock()
		body, ok := fs.bodies[parts[2]]
		fs.mu.Unlock()
		if !ok {
			http.Error(w, "unknown body", http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Config{
		BaseURL: srv.URL, Token: testToken, MaxRetries: 0,
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Timeout: 10 * time.Second,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(c.http.HTTPClient.CloseIdleConnections)
	fs.client = c
	return fs
}

// serve stores body under a fresh repo id and returns the id.
func (fs *fuzzServer) serve(t *testing.T, body []byte) string {
	id := "fz" + strconv.FormatInt(fs.next.Add(1), 10)
	fs.mu.Lock()
	fs.bodies[id] = body
	fs.mu.Unlock()
	t.Cleanup(func() {
		fs.mu.Lock()
		delete(fs.bodies, id)
		fs.mu.Unlock()
	})
	return id
}

// checkAnsweredError checks an error from a 2xx answer carrying body: it is
// the server's "success": false or error_code, or a ResponseError, never
// anything else.
func checkAnsweredError(t *testing.T, err error, status int, body []byte) {
	t.Helper()
	if IsOutcomeUnknown(err) {
		t.Fatalf("IsOutcomeUnknown(%v) for an answered request", err)
	}
	var apiErr *APIError
	var respErr *ResponseError
	switch {
	case errors.As(err, &apiErr):
		if apiErr.StatusCode != status {
			t.Fatalf("APIError status %d, want %d", apiErr.StatusCode, status)
		}
		var env struct {
			Success   *bool  `json:"success"`
			ErrorCode string `json:"error_code"`
		}
		if json.Unmarshal(body, &env) != nil {
			t.Fatalf("APIError %v for a body that is not JSON: %q", err, body)
		}
		if refused := (env.Success != nil && !*env.Success) || (env.ErrorCode != "" && env.ErrorCode != ErrorCodeSuccess); !refused {
			t.Fatalf("APIError %v for a body that says neither \"success\": false nor an error_code: %q", err, body)
		}
		if apiErr.Code != env.ErrorCode && !strings.Contains(apiErr.Code, "[redacted]") {
			t.Fatalf("APIError code %q, body's error_code %q", apiErr.Code, env.ErrorCode)
		}
	case errors.As(err, &respErr):
		if respErr.StatusCode != status || respErr.Reason == "" {
			t.Fatalf("ResponseError %+v", *respErr)
		}
	default:
		t.Fatalf("error %v (%T) is neither an APIError nor a ResponseError", err, err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Fatalf("error text contains the token: %q", err.Error())
	}
}

var listSeeds = []string{
	validListBody,
	`{"success":true,"apiKeys":[]}`,
	`{"success":true,"apiKeys":[{"id":"k1","name":"n","repoId":"r","key":null,"aiType":"OPENAI","createdAt":"2024-01-15T10:30:00.000Z","deletedAt":null}]}`,
	`{"success":true,"apiKeys":[{"id":"k1"`,
	``,
	`null`,
	`<html><body>502 Bad Gateway</body></html>`,
	`{"success":true,"apiKeys":"nope"}`,
	`{"success":true,"apiKeys":[{"id":7}]}`,
	`{"success":true,"apiKeys":[{"name":"no id"}]}`,
	`{"success":true,"apiKeys":[null]}`,
	`{"success":false,"message":"x"}`,
	`{"success":false}`,
	`{"success":"false","apiKeys":[]}`,
	`{"success":true}`,
	`{"success":true,"apiKeys":null}`,
	`{"success":true,"apiKeys":[],"next":"cursor","extra":{"a":[1,2]}}`,
	`[{"id":"k1"}]`,
	`{"success":true,"apiKeys":[{"id":"k1","createdAt":12}]}`,
	"\xef\xbb\xbf{\"success\":true,\"apiKeys\":[]}",
}

func FuzzDecodeList(f *testing.F) {
	for _, s := range listSeeds {
		f.Add([]byte(s))
	}
	fs := newFuzzServer(f, http.StatusOK)
	f.Fuzz(func(t *testing.T, body []byte) {
		id := fs.serve(t, body)
		keys, err := fs.client.AIAPIKeys.List(context.Background(), id)
		if err != nil {
			if keys != nil {
				t.Fatalf("List returned %d keys with error %v", len(keys), err)
			}
			checkAnsweredError(t, err, http.StatusOK, body)
			return
		}
		if !json.Valid(body) {
			t.Fatalf("List accepted a body that is not JSON: %q", body)
		}
		if keys == nil {
			t.Fatal("List returned a nil list without an error")
		}
		for i, k := range keys {
			if k.ID == "" {
				t.Fatalf("key %d has no ID: %+v", i, k)
			}
		}
	})
}

var createSeeds = []string{
	validCreateBody,
	`{"success":true,"id":"550e8400-e29b-41d4-a716-446655440000","key":"FB_AI_abc123def456","secret":"s3cr3t-value-0123456789"}`,
	`{"success":true,"id":"k1","key":"FB_AI_1","secret":"s3cr3t-value-0123456789"`,
	`{"success":true,"id":"k1","key":"FB_AI_1"}`,
	`{"success":true,"key":"FB_AI_1","secret":"s3cr3t-value-0123456789"}`,
	``,
	`<html><body>201 Created</body></html>`,
	`{"success":true,"id":"k1","key":5,"secret":"s3cr3t-value-0123456789"}`,
	`{"success":true,"id":"k1","key":"FB_AI_1","secret":918273645546372819}`,
	`{"success":true,"id":"k1","key":"FB_AI_1","secret":["s3cr3t-value-0123456789"]}`,
	`{"success":false,"message":"x"}`,
	`{"success":true,"id":null,"key":null,"secret":null}`,
	`{"success":true,"id":"k1","key":"FB_AI_1","secret":"s3cr3t-value-0123456789","message":7}`,
	`{"success":true,"id":"k1","key":"FB_AI_1","secret":"s3cr3t-value-0123456789","createdAt":"now","extra":[1]}`,
	`null`,
	`"s3cr3t-value-0123456789"`,
}

func FuzzDecodeCreate(f *testing.F) {
	for _, s := range createSeeds {
		f.Add([]byte(s))
	}
	fs := newFuzzServer(f, http.StatusCreated)
	f.Fuzz(func(t *testing.T, body []byte) {
		id := fs.serve(t, body)
		created, err := fs.client.AIAPIKeys.Create(context.Background(), id, CreateAIAPIKeyRequest{Name: "n", AIType: AITypeOpenAI})
		if err == nil {
			if created == nil || created.ID == "" || created.Key == "" || created.Secret == "" {
				t.Fatalf("Create succeeded with %+v", created)
			}
			if !json.Valid(body) {
				t.Fatalf("Create accepted a body that is not JSON: %q", body)
			}
			return
		}
		checkAnsweredError(t, err, http.StatusCreated, body)
		if created != nil {
			// A partial key names only the key to clean up, and only with a ResponseError.
			var respErr *ResponseError
			if created.ID == "" || created.Key != "" || created.Secret != "" || !errors.As(err, &respErr) {
				t.Fatalf("Create returned %+v with error %v", *created, err)
			}
		}
		// The reason of a ResponseError never quotes the body, which holds the
		// secret. Short secrets could appear in the fixed text by chance.
		var respErr *ResponseError
		var sent struct {
			Secret json.RawMessage `json:"secret"`
		}
		if errors.As(err, &respErr) && json.Unmarshal(body, &sent) == nil {
			secret := strings.Trim(string(sent.Secret), `"`)
			if len(secret) >= 16 && strings.Contains(err.Error(), secret) {
				t.Fatalf("error text %q contains the secret %q", err.Error(), secret)
			}
		}
	})
}
