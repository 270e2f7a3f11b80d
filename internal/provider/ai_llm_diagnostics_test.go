package provider

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// The advice fits the error: a refusal names what was refused and never says
// to wait, only what may go away by itself does, and neither the secret nor
// the key ever appears.
func TestLLMErrorDiag_adviceFitsTheError(t *testing.T) {
	t.Parallel()
	apiErr := func(status int, message string) error {
		return &client.APIError{StatusCode: status, Message: message, Method: http.MethodPost, Path: "/ai/llm"}
	}
	const secret, key = "sk-do-not-show-me", "key-do-not-show-me"
	name := "m"
	rename := llmSentByUpdate(client.UpdateAILLMRequest{Name: &name})
	ws, byID := aiLLMRef("w", "id-1"), aiLLMRef("", "id-1")
	created := llmCreateRef(client.CreateAILLMRequest{WorkspaceID: "w", Name: "n", AIType: "OPENAI",
		Endpoint: "https://e.example.com", Secret: secret, Key: key})
	waitAdvice := "run Terraform again later"
	cases := []struct {
		name, op string
		ref      objectRef
		err      error
		summary  string
		want     []string
		wait     bool
	}{
		{"400 on create", "create", created, apiErr(400, `an AI LLM configuration named "n" already exists`),
			"Cannot create AI LLM configuration",
			[]string{`already exists`, `name "n", ai_type "OPENAI", endpoint "https://e.example.com", the secret (not shown), key (not shown)`, "change them as its message says"}, false},
		{"400 on update", "update", ws.sending(rename), apiErr(400, "name too long"), "Cannot update AI LLM configuration",
			[]string{"Flashback refused the values sent (name \"m\")", "name too long"}, false},
		{"401", "read", ws, apiErr(401, "invalid access token"), "Flashback rejected the access token",
			[]string{"access_token", envAccessToken}, false},
		{"403", "create", created, apiErr(403, "insufficient permissions"), "No access to Flashback workspace w",
			[]string{"Either workspace w does not exist, or the access token has no permission on it", "check workspace_id"}, false},
		{"404 on list", "list", aiLLMRef("w", ""), apiErr(404, "no endpoint"), "Cannot list AI LLM configurations",
			[]string{"the AI LLM configurations of workspace w", "workspace w does not exist", "base_url"}, false},
		{"403 on import", "import", byID, apiErr(403, "insufficient permissions"), "No access to Flashback AI LLM configuration",
			[]string{"AI LLM configuration id-1:", "The access token has no permission for this: use a token of a user who may import it"}, false},
		{"404 on import", "import", byID, apiErr(404, "no endpoint"), "Cannot import AI LLM configuration",
			[]string{"base_url does not point at the Flashback API"}, false},
		{"404 on update", "update", ws.sending(rename), apiErr(404, "not found"), "Cannot update AI LLM configuration",
			[]string{"deleted outside Terraform", "created anew"}, false},
		{"redirect", "read", ws, apiErr(http.StatusFound, ""), "Cannot read AI LLM configuration",
			[]string{"redirects elsewhere"}, false},
		{"unusable answer", "read", ws, &client.ResponseError{StatusCode: 200, Method: "GET", Path: "/ai/llm", Reason: "not JSON"},
			"Cannot read AI LLM configuration", []string{"Check that base_url is the Flashback API's address"}, false},
		{"cancelled", "read", byID, context.Canceled, "Cannot read AI LLM configuration", []string{"interrupted"}, false},
		{"429", "delete", ws, apiErr(429, "slow down"), "Cannot delete AI LLM configuration", []string{"max_retries"}, true},
		{"503", "read", ws, apiErr(503, ""), "Cannot read AI LLM configuration", []string{"max_retries"}, true},
		{"outcome unknown", "update", ws.sending(rename), &client.OutcomeUnknownError{Err: apiErr(502, "")}, "Cannot update AI LLM configuration",
			[]string{"max_retries"}, true},
		{"network", "read", ws, errors.New("dial tcp 127.0.0.1:1: connection refused"), "Cannot read AI LLM configuration",
			[]string{"max_retries"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := errorDiag(tc.op, tc.ref, tc.err)
			if d.Summary() != tc.summary {
				t.Errorf("summary %q, want %q", d.Summary(), tc.summary)
			}
			detail := d.Detail()
			if !strings.Contains(detail, tc.err.Error()) {
				t.Errorf("detail lacks the error %q:\n%s", tc.err, detail)
			}
			for _, w := range tc.want {
				if !strings.Contains(detail, w) {
					t.Errorf("detail lacks %q:\n%s", w, detail)
				}
			}
			if strings.Contains(detail, waitAdvice) != tc.wait {
				t.Errorf("advice to wait is %v, want %v:\n%s", !tc.wait, tc.wait, detail)
			}
			for _, hidden := range []string{secret, key} {
				if strings.Contains(detail, hidden) {
					t.Errorf("detail shows a secret value:\n%s", detail)
				}
			}
		})
	}
}

func TestLLMInUseDiag_namesTheRepos(t *testing.T) {
	t.Parallel()
	err := &client.APIError{StatusCode: 403, Message: "in use", Method: http.MethodDelete, Path: "/ai/llm/id-1"}
	d := llmInUseDiag(aiLLMRef("w", "id-1"), []client.AILLMRepo{{ID: "repo-1", Name: "Chat"}, {ID: "repo-2"}}, err)
	for _, want := range []string{"AI LLM configuration id-1 in workspace w", `repo-1 ("Chat"), repo-2`, "Detach it from them first", "depends_on"} {
		if !strings.Contains(d.Detail(), want) {
			t.Errorf("detail lacks %q:\n%s", want, d.Detail())
		}
	}
}
