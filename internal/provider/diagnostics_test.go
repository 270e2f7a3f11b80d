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
				_, err := r.data.keys.find(context.Background(), "repo-1", "k-1", false)
				return diag.Diagnostics{errorDiag("read", aiAPIKeyRef("repo-1", "k-1"), err)}
			},
			want: []string{"rejected the access token", "401", "k-1", "repo-1"},
		},
		{
			name: "403 echoing the token",
			api:  cannedAPI{"POST create": {403, `{"success":false,"message":"Bearer ` + token + ` may not use repo-1"}`}},
			run: func(r *repoAIAPIKeyResource) diag.Diagnostics {
				_, diags := r.createKey(context.Background(), "repo-1", "n", client.AITypeAWS)
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
				_, diags := r.createKey(context.Background(), "repo-1", "n", client.AITypeAWS)
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
				_, diags := r.createKey(context.Background(), "repo-1", "n", client.AITypeAWS)
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
				_, diags := r.createKey(context.Background(), "repo-1", "n", client.AITypeAWS)
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
				_, diags := r.createKey(context.Background(), "repo-1", "n", client.AITypeAWS)
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

// adviceCase is an operation on an object that met err: the diagnostic
// must show err and each of want, and advise trying again later exactly when
// retryAdvice says so.
type adviceCase struct {
	name        string
	op          string
	ref         objectRef
	err         error
	want        []string
	retryAdvice bool
}

func checkAdvice(t *testing.T, cases []adviceCase) {
	t.Helper()
	const later = "run Terraform again later"
	for _, tc := range cases {
		d := errorDiag(tc.op, tc.ref, tc.err)
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

// The advice fits the error: only what may pass by itself is worth trying
// again later; a refusal names what was sent, and a 404 or a redirect points
// at repo_id and base_url.
func TestDiagnostics_adviceFitsTheError(t *testing.T) {
	t.Parallel()
	apiErr := func(status int, msg string) error {
		return &client.APIError{StatusCode: status, Method: "POST", Path: "/repo/r1/ai/apikey", Message: msg}
	}
	created := keyCreateRef("r1", "pipeline-key", "OPENAI")
	renamed := aiAPIKeyRef("r1", "k1").sending([]string{sentValue("name", "new name")})
	cases := []adviceCase{
		{"400 on create", "create", created, apiErr(400, "name must be at most 255 characters"),
			[]string{"Cannot create AI API key", "name must be at most 255 characters", `name "pipeline-key"`, `ai_type "OPENAI"`}, false},
		{"400 on rename", "update", renamed, apiErr(400, "name is too long"),
			[]string{"Cannot update AI API key", "AI API key k1 in repo r1", "name is too long",
				`refused the values sent (name "new name")`, "change them as its message says"}, false},
		{"404 on create", "create", created, apiErr(404, "no endpoint at /repo/r1/ai/apikey"),
			[]string{"repo r1 does not exist", "check repo_id", "base_url", "path prefix"}, false},
		{"404 on list", "list", aiAPIKeyRef("r1", ""), apiErr(404, "repo not found"),
			[]string{"Cannot list AI API keys", "repo r1 does not exist", "base_url", "path prefix"}, false},
		{"404 on read", "read", aiAPIKeyRef("r1", "k1"), apiErr(404, "not found"),
			[]string{"repo r1 does not exist", "base_url"}, false},
		{"404 on update", "update", renamed, apiErr(404, "not found"), []string{"deleted outside Terraform"}, false},
		{"401", "read", aiAPIKeyRef("r1", "k1"), apiErr(401, "bad token"),
			[]string{"Flashback rejected the access token", "FLASHBACK_ACCESS_TOKEN"}, false},
		{"403", "create", created, apiErr(403, "no"), []string{"No access to Flashback repo r1", "check repo_id",
			"Either repo r1 does not exist, or the access token has no permission on it",
			"use a token that can manage the repo's AI API keys"}, false},
		{"403 on list", "list", aiAPIKeyRef("r1", ""), apiErr(403, "no"), []string{"No access to Flashback repo r1",
			"the AI API keys of repo r1", "check repo_id", "use a token that can read the repo's AI API keys"}, false},
		{"409", "create", created, apiErr(409, "conflict"), []string{"conflict", "correct what its message says"}, false},
		{"redirect", "list", aiAPIKeyRef("r1", ""), apiErr(301, "a redirect to https://elsewhere.example/repo/r1/ai/apikey, not followed"),
			[]string{"elsewhere.example", "set it to the Flashback API's own address", "never follows a redirect"}, false},
		{"unusable answer", "read", aiAPIKeyRef("r1", "k1"), &client.ResponseError{StatusCode: 200, Method: "GET", Path: "/repo/r1/ai/apikey", Reason: "body is not valid JSON"},
			[]string{"not valid JSON", "base_url"}, false},
		{"interrupted", "read", aiAPIKeyRef("r1", "k1"), fmt.Errorf("GET /x: %w", context.Canceled),
			[]string{"interrupted"}, false},
		{"429", "read", aiAPIKeyRef("r1", "k1"), apiErr(429, "slow down"), nil, true},
		{"500", "update", renamed, apiErr(500, "oops"), nil, true},
		{"502", "list", aiAPIKeyRef("r1", ""), apiErr(502, "bad gateway"), nil, true},
		{"503", "delete", aiAPIKeyRef("r1", "k1"), apiErr(503, "unavailable"), nil, true},
		{"outcome unknown", "create", created, &client.OutcomeUnknownError{Err: apiErr(504, "timeout")}, nil, true},
		{"network", "read", aiAPIKeyRef("r1", "k1"), fmt.Errorf("GET /x: %w", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}), nil, true},
	}
	checkAdvice(t, cases)
}

// The AI gateway's objects get the same advice as the AI API keys, by the
// same rules: a refusal names the attributes sent; a 403 or a 404 names the
// parent and the attributes that locate the object, or, without a parent,
// what there is to check.
func TestDiagnostics_gatewayAdviceFitsTheError(t *testing.T) {
	t.Parallel()
	apiErr := func(status int, msg string) error {
		return &client.APIError{StatusCode: status, Method: "POST", Path: "/policy", Message: msg}
	}
	scope := policyScope{org: "org-1", workspace: "ws-1", repo: "repo-1"}
	created := scope.ref("", "PII").sending([]string{"name", "content", "risk_type", "action_type", "org_id", "workspace_id", "repo_id"})
	renamed := scope.ref("p-1", "").sending([]string{"name"})
	read := scope.ref("p-1", "")
	repos := objectRef{kind: repoKind, parent: inWorkspace("ws-9")}
	workspaces := objectRef{kind: workspaceKind, lookup: []string{"name"}}
	imported := objectRef{kind: aiPolicyKind, id: "p-1", lookup: []string{"the import ID"}}
	cases := []adviceCase{
		{"400 on create", "create", created, apiErr(400, "name must be at most 255 characters"),
			[]string{"Cannot create AI policy", `AI policy "PII" in repo repo-1 of workspace ws-1 of organization org-1`,
				"name must be at most 255 characters",
				"refused the values sent (name, content, risk_type, action_type, org_id, workspace_id, repo_id)"}, false},
		{"400 on update", "update", renamed, apiErr(400, "name is too long"),
			[]string{"Cannot update AI policy", "AI policy p-1 in", "refused the values sent (name)"}, false},
		{"400 that sent nothing", "read", read, apiErr(400, "bad query"), []string{"correct what its message says"}, false},
		{"404 on create", "create", created, apiErr(404, "workspace ws-1 not found"),
			[]string{"repo repo-1 of workspace ws-1 of organization org-1 does not exist (check org_id, workspace_id or repo_id)",
				"base_url", "path prefix"}, false},
		{"404 on update", "update", renamed, apiErr(404, "not found"),
			[]string{"The AI policy no longer exists: it was deleted outside Terraform"}, false},
		{"404 on a list", "list", repos, apiErr(404, "no route"),
			[]string{"Cannot list repos", "the repos of workspace ws-9", "workspace ws-9 does not exist (check workspace_id)", "base_url"}, false},
		{"404 without a parent", "import", imported, apiErr(404, "no route"),
			[]string{"Either the import ID names nothing that Flashback knows (check it), or base_url does not point"}, false},
		{"401", "read", read, apiErr(401, "bad token"),
			[]string{"Flashback rejected the access token", "FLASHBACK_ACCESS_TOKEN"}, false},
		{"403 on create", "create", created, apiErr(403, "no"),
			[]string{"No access to Flashback repo repo-1 of workspace ws-1 of organization org-1",
				"check org_id, workspace_id or repo_id", "use a token that can manage the repo's AI policies"}, false},
		{"403 on a list", "list", repos, apiErr(403, "no"),
			[]string{"No access to Flashback workspace ws-9", "check workspace_id", "use a token that can read the workspace's repos"}, false},
		{"403 without a parent", "list", workspaces, apiErr(403, "no"),
			[]string{"No access to Flashback workspace", "Could not list the workspaces:",
				"no permission for this: check name, or use a token of a user who may list it"}, false},
		{"409", "create", created, apiErr(409, "conflict"), []string{"conflict", "correct what its message says"}, false},
		{"redirect", "read", read, apiErr(302, "a redirect to https://elsewhere.example/policy, not followed"),
			[]string{"elsewhere.example", "never follows a redirect"}, false},
		{"unusable answer", "read", read, &client.ResponseError{StatusCode: 200, Method: "GET", Path: "/policy", Reason: "body is not valid JSON"},
			[]string{"not valid JSON", "base_url"}, false},
		{"interrupted", "read", read, fmt.Errorf("GET /policy: %w", context.Canceled), []string{"interrupted"}, false},
		{"429", "read", read, apiErr(429, "slow down"), nil, true},
		{"500", "update", renamed, apiErr(500, "oops"), nil, true},
		{"502", "list", repos, apiErr(502, "bad gateway"), nil, true},
		{"503", "delete", read, apiErr(503, "unavailable"), nil, true},
		{"network", "read", read, fmt.Errorf("GET /policy: %w", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}), nil, true},
	}
	checkAdvice(t, cases)
}

func TestObjectRef_String(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ref  objectRef
		want string
	}{
		{objectRef{kind: aiPolicyKind, id: "p-1", name: "ignored", parent: inOrganization("o")}, "AI policy p-1 in organization o"},
		{objectRef{kind: aiPolicyKind, name: "PII"}, `AI policy "PII"`},
		{objectRef{kind: workspaceKind}, "the workspaces"},
		{objectRef{kind: repoKind, parent: inWorkspace("w")}, "the repos of workspace w"},
		{policyScope{org: "o"}.ref("", ""), "the AI policies of organization o"},
		{policyScope{org: "o", workspace: "w"}.ref("p-1", ""), "AI policy p-1 in workspace w of organization o"},
		{policyScope{org: "o", workspace: "w", repo: "r"}.ref("", "PII"), `AI policy "PII" in repo r of workspace w of organization o`},
		{aiLLMRef("", "id-1"), "AI LLM configuration id-1"},
		{aiLLMRef("w", ""), "the AI LLM configurations of workspace w"},
		{aiAPIKeyRef("r", "k"), "AI API key k in repo r"},
	} {
		if got := tc.ref.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.ref, got, tc.want)
		}
	}
}

// The scope's attributes are what a 403 or a 404 asks to check, outermost
// first, and only those the scope sets.
func TestPolicyScope_attributes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scope policyScope
		want  string
	}{
		{policyScope{org: "o"}, "[org_id]"},
		{policyScope{org: "o", workspace: "w"}, "[org_id workspace_id]"},
		{policyScope{org: "o", workspace: "w", repo: "r"}, "[org_id workspace_id repo_id]"},
	} {
		if got := fmt.Sprint(tc.scope.attributes()); got != tc.want {
			t.Errorf("%+v.attributes() = %s, want %s", tc.scope, got, tc.want)
		}
	}
}
