package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// The advice fits the error, by the same rules as the AI API keys': only
// what may pass by itself is worth trying again later; a refusal names the
// attributes sent; a 403 or a 404 names the attributes that locate the
// object.
func TestGatewayDiagnostics_adviceFitsTheError(t *testing.T) {
	t.Parallel()
	const later = "run Terraform again later"
	apiErr := func(status int, msg string) error {
		return &client.APIError{StatusCode: status, Method: "POST", Path: "/policy", Message: msg}
	}
	scope := policyScope{org: "org-1", workspace: "ws-1", repo: "repo-1"}
	created := scope.ref("", "PII")
	created.sent = []string{"name", "content", "risk_type", "action_type", "org_id", "workspace_id", "repo_id"}
	renamed := scope.ref("p-1", "")
	renamed.sent = []string{"name"}
	read := scope.ref("p-1", "")
	repos := gatewayRef{kind: "repo", parent: "workspace ws-9", located: []string{"workspace_id"}}
	cases := []struct {
		name        string
		op          string
		ref         gatewayRef
		err         error
		want        []string
		retryAdvice bool
	}{
		{"400 on create", "create", created, apiErr(400, "name must be at most 255 characters"),
			[]string{"Cannot create AI policy", `AI policy "PII" in repo repo-1 of workspace ws-1 of organization org-1`,
				"name must be at most 255 characters",
				"refused the values sent (name, content, risk_type, action_type, org_id, workspace_id, repo_id)"}, false},
		{"400 on update", "update", renamed, apiErr(400, "name is too long"),
			[]string{"Cannot update AI policy", "AI policy p-1 in", "refused the values sent (name)"}, false},
		{"404 on create", "create", created, apiErr(404, "workspace ws-1 not found"),
			[]string{"org_id, workspace_id or repo_id names nothing that Flashback knows", "base_url", "path prefix"}, false},
		{"404 on update", "update", renamed, apiErr(404, "not found"), []string{"deleted outside Terraform"}, false},
		{"404 on a list", "list", repos, apiErr(404, "no route"), []string{"Cannot list repo", "workspace_id names nothing", "base_url"}, false},
		{"401", "read", read, apiErr(401, "bad token"),
			[]string{"Flashback rejected the access token", "FLASHBACK_ACCESS_TOKEN"}, false},
		{"403 on create", "create", created, apiErr(403, "no"),
			[]string{"No access to Flashback repo repo-1 of workspace ws-1 of organization org-1",
				"check org_id, workspace_id or repo_id", "may create it"}, false},
		{"403 on a list", "list", repos, apiErr(403, "no"),
			[]string{"No access to Flashback workspace ws-9", "check workspace_id"}, false},
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
	for _, tc := range cases {
		d := gatewayErrorDiag(tc.op, tc.ref, tc.err)
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

func TestGatewayRef_String(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ref  gatewayRef
		want string
	}{
		{gatewayRef{kind: "AI policy", id: "p-1", name: "ignored", parent: "organization o"}, "AI policy p-1 in organization o"},
		{gatewayRef{kind: "AI policy", name: "PII"}, `AI policy "PII"`},
		{gatewayRef{kind: "workspace"}, "the workspaces"},
		{gatewayRef{kind: "repo", parent: "workspace w"}, "the repos in workspace w"},
	} {
		if got := tc.ref.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.ref, got, tc.want)
		}
	}
}
