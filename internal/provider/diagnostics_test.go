package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// Diagnostics show client errors, and client errors come from server
// answers; neither the token a server echoes nor a secret in an unusable
// create answer may reach them.
func TestDiagnostics_neverShowTokenOrSecret(t *testing.T) {
	t.Parallel()
	const token = "fbt_diag-token-0123456789abcdef"
	const secret = "s3cr3t-diag-0123456789abcdefghijklmnop"
	noRetries := tuning{retryWaitMin: time.Millisecond, retryWaitMax: time.Millisecond, readRecheckWait: time.Millisecond, readRecheckTries: 1}
	cases := []struct {
		name string
		api  cannedAPI
		run  func(r *repoAIAPIKeyResource) diag.Diagnostics
		want []string
	}{
		{
			name: "401 echoing the token",
			api:  cannedAPI{"GET list": {401, `{"success":false,"message":"invalid access token ` + token + `"}`}},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, err := r.find(context.Background(), "repo-1", "k-1", false)
				return diag.Diagnostics{apiErrorDiag("read", keyRef{repoID: "repo-1", id: "k-1"}, err)}
			},
			want: []string{"rejected the access token", "401", "k-1", "repo-1"},
		},
		{
			name: "403 echoing the token",
			api:  cannedAPI{"POST create": {403, `{"success":false,"message":"Bearer ` + token + ` may not use repo-1"}`}},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, diags := r.create(context.Background(), "repo-1", "n", client.AITypeAWS)
				return diags
			},
			want: []string{"No access", "403", "repo-1"},
		},
		{
			name: "unusable create answer with id and secret",
			api: cannedAPI{
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
			api: cannedAPI{
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
			api: cannedAPI{
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
			api: cannedAPI{
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
			t.Parallel()
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

// The advice fits the error: only what may pass by itself is worth trying
// again later; a refusal names what was sent, and a 404 or a redirect points
// at repo_id and base_url.
func TestDiagnostics_adviceFitsTheError(t *testing.T) {
	t.Parallel()
	const later = "run Terraform again later"
	apiErr := func(status int, msg string) error {
		return &client.APIError{StatusCode: status, Method: "POST", Path: "/repo/r1/ai/apikey", Message: msg}
	}
	created := keyRef{repoID: "r1", name: "pipeline-key", aiType: "OPENAI"}
	renamed := keyRef{repoID: "r1", id: "k1", name: "new name"}
	cases := []struct {
		name        string
		op          string
		key         keyRef
		err         error
		want        []string
		retryAdvice bool
	}{
		{"400 on create", "create", created, apiErr(400, "name must be at most 255 characters"),
			[]string{"Cannot create AI API key", "name must be at most 255 characters", `name "pipeline-key"`, `ai_type "OPENAI"`}, false},
		{"400 on rename", "update", renamed, apiErr(400, "name is too long"),
			[]string{"name is too long", `the name sent, "new name"`, "change name"}, false},
		{"404 on create", "create", created, apiErr(404, "no endpoint at /repo/r1/ai/apikey"),
			[]string{"repo r1 does not exist", "check repo_id", "base_url", "path prefix"}, false},
		{"404 on list", "list", keyRef{repoID: "r1"}, apiErr(404, "repo not found"),
			[]string{"Cannot list AI API keys", "repo r1 does not exist", "base_url", "path prefix"}, false},
		{"404 on read", "read", keyRef{repoID: "r1", id: "k1"}, apiErr(404, "not found"),
			[]string{"repo r1 does not exist", "base_url"}, false},
		{"404 on update", "update", renamed, apiErr(404, "not found"), []string{"deleted outside Terraform"}, false},
		{"401", "read", keyRef{repoID: "r1", id: "k1"}, apiErr(401, "bad token"),
			[]string{"Flashback rejected the access token", "FLASHBACK_ACCESS_TOKEN"}, false},
		{"403", "create", created, apiErr(403, "no"), []string{"No access to Flashback repo r1", "check repo_id"}, false},
		{"409", "create", created, apiErr(409, "conflict"), []string{"conflict", "correct what its message says"}, false},
		{"redirect", "list", keyRef{repoID: "r1"}, apiErr(301, "a redirect to https://elsewhere.example/repo/r1/ai/apikey, not followed"),
			[]string{"elsewhere.example", "set it to the Flashback API's own address", "never follows a redirect"}, false},
		{"unusable answer", "read", keyRef{repoID: "r1", id: "k1"}, &client.ResponseError{StatusCode: 200, Method: "GET", Path: "/repo/r1/ai/apikey", Reason: "body is not valid JSON"},
			[]string{"not valid JSON", "base_url"}, false},
		{"interrupted", "read", keyRef{repoID: "r1", id: "k1"}, fmt.Errorf("GET /x: %w", context.Canceled),
			[]string{"interrupted"}, false},
		{"429", "read", keyRef{repoID: "r1", id: "k1"}, apiErr(429, "slow down"), nil, true},
		{"500", "update", renamed, apiErr(500, "oops"), nil, true},
		{"502", "list", keyRef{repoID: "r1"}, apiErr(502, "bad gateway"), nil, true},
		{"503", "delete", keyRef{repoID: "r1", id: "k1"}, apiErr(503, "unavailable"), nil, true},
		{"outcome unknown", "create", created, &client.OutcomeUnknownError{Err: apiErr(504, "timeout")}, nil, true},
		{"network", "read", keyRef{repoID: "r1", id: "k1"}, fmt.Errorf("GET /x: %w", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}), nil, true},
	}
	for _, tc := range cases {
		d := apiErrorDiag(tc.op, tc.key, tc.err)
		text := d.Summary() + ": " + d.Detail()
		if d.Severity() != diag.SeverityError {
			t.Errorf("%s: severity %v, want an error", tc.name, d.Severity())
		}
		if !strings.Contains(text, tc.err.Error()) {
			t.Errorf("%s: the error itself is not shown: %s", tc.name, text)
		}
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q missing from: %s", tc.name, w, text)
			}
		}
		if got := strings.Contains(text, later) && strings.Contains(text, "max_retries"); got != tc.retryAdvice {
			t.Errorf("%s: advice to try again later = %v, want %v: %s", tc.name, got, tc.retryAdvice, text)
		}
	}
}
