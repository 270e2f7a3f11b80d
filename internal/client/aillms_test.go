package client

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const testLLMKey = "llm-access-key-Q93hd7"

func newLLMRequest() CreateAILLMRequest {
	return CreateAILLMRequest{WorkspaceID: "ws-1", Name: "My OpenAI Config", AIType: AITypeOpenAI,
		Endpoint: "https://api.openai.com/v1", Secret: testSecret}
}

func TestAILLMs_createSendsInlineCredentialsAndReturnsTheID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		key  string
		body string
	}{
		{"without key", "", `{"workspaceId":"ws-1","name":"My OpenAI Config","aiType":"OPENAI","endpoint":"https://api.openai.com/v1","secret":"` + testSecret + `"}`},
		{"with key", testLLMKey, `{"workspaceId":"ws-1","name":"My OpenAI Config","aiType":"OPENAI","endpoint":"https://api.openai.com/v1","secret":"` + testSecret + `","key":"` + testLLMKey + `"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, validLLMCreateBody)
			c := newTestClient(t, srv.URL)
			req := newLLMRequest()
			req.Key = tt.key
			id, err := c.AILLMs.Create(context.Background(), req)
			if err != nil || id != "llm-new" {
				t.Fatalf("Create = %q, %v; want llm-new", id, err)
			}
			// Exactly these fields: never apiKeyUuid, never a null.
			sameJSON(t, srv.requests()[0].Body, tt.body)
		})
	}
}

func TestAILLMs_createRefusesMissingFieldsBeforeSending(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validLLMCreateBody)
	c := newTestClient(t, srv.URL)
	for _, f := range []string{"workspaceId", "name", "aiType", "endpoint", "secret"} {
		req := newLLMRequest()
		switch f {
		case "workspaceId":
			req.WorkspaceID = ""
		case "name":
			req.Name = ""
		case "aiType":
			req.AIType = ""
		case "endpoint":
			req.Endpoint = ""
		case "secret":
			req.Secret = ""
		}
		_, err := c.AILLMs.Create(context.Background(), req)
		if err == nil || !strings.Contains(err.Error(), `"`+f+`"`) {
			t.Errorf("Create without %s: %v, want an error naming it", f, err)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestAILLMs_createUnusableResponses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body, wantID, reason string
	}{
		{"no id", `{"success":true,"message":"created"}`, "", `"aiLlmId"`},
		{"empty id", `{"success":true,"aiLlmId":""}`, "", `"aiLlmId"`},
		{"numeric id", `{"success":true,"aiLlmId":7}`, "", "aiLlmId"},
		{"unknown fields", `{"success":true,"aiLlmId":"llm-9","other":{"x":1},"next":[1]}`, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			id, err := c.AILLMs.Create(context.Background(), newLLMRequest())
			if tt.reason == "" {
				// Unknown fields are not a broken answer.
				if err != nil || id != "llm-9" {
					t.Fatalf("Create = %q, %v", id, err)
				}
				return
			}
			respErr := asResponseError(t, err)
			if !strings.Contains(respErr.Reason, tt.reason) || id != tt.wantID {
				t.Errorf("Create = %q, %v; want ID %q and a reason naming %s", id, err, tt.wantID, tt.reason)
			}
			if IsOutcomeUnknown(err) {
				t.Error("IsOutcomeUnknown is true for an answered create")
			}
		})
	}
}

// TestAILLMs_secretAndKeyNeverInErrors covers a server that echoes what it
// rejected: the secret and the key reach no error text.
func TestAILLMs_secretAndKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	echo := "rejected secret " + testSecret + " with key " + testLLMKey
	for _, status := range []int{200, 400, 409, 500, 502} {
		for _, op := range []string{"create", "update"} {
			t.Run(strconv.Itoa(status)+"/"+op, func(t *testing.T) {
				t.Parallel()
				srv := answer(t, status, errorBody(echo))
				c := newTestClient(t, srv.URL, withRetries(0))
				var err error
				if op == "create" {
					req := newLLMRequest()
					req.Key = testLLMKey
					_, err = c.AILLMs.Create(context.Background(), req)
				} else {
					err = c.AILLMs.Update(context.Background(), "llm-1", UpdateAILLMRequest{Secret: strPtr(testSecret), Key: strPtr(testLLMKey)})
				}
				if err == nil {
					t.Fatal("no error")
				}
				for _, leak := range []string{testSecret, testLLMKey} {
					if strings.Contains(err.Error(), leak) {
						t.Errorf("error %q contains %q", err, leak)
					}
				}
				if apiErr := asAPIError(t, err); !strings.Contains(apiErr.Message, "rejected secret [redacted] with key [redacted]") {
					t.Errorf("APIError.Message = %q, want the server's text with the values withheld", apiErr.Message)
				}
			})
		}
	}
}

func TestAILLMs_listDecodesTheContract(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validLLMListBody)
	c := newTestClient(t, srv.URL)
	llms, err := c.AILLMs.List(context.Background(), "ws-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(llms) != 2 {
		t.Fatalf("got %d configurations, want 2", len(llms))
	}
	l := llms[0]
	if l.ID != "llm-1" || l.OrgID != "org-1" || l.WorkspaceID != "ws-1" || l.UserID != "user-1" || l.Name != "My OpenAI Config" ||
		l.AIType != AITypeOpenAI || l.Endpoint != "https://api.openai.com/v1" || l.Key != nil || l.CreatedAt != "2024-01-15T10:30:00.000Z" {
		t.Errorf("first configuration = %+v", l)
	}
	if len(l.Repos) != 1 || l.Repos[0] != (AILLMRepo{ID: "repo-789", Name: "my-ai-repo", CreatedAt: "2024-01-16T08:00:00.000Z"}) {
		t.Errorf("repos = %+v", l.Repos)
	}
	if k := llms[1].Key; k == nil || *k != "****abcd" || llms[1].Repos != nil {
		t.Errorf("second configuration = %+v, want the masked key kept and no repos", llms[1])
	}
}

func TestAILLMs_listWithoutWorkspaceListsEverything(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, `{"success":true,"aiLlms":[]}`)
	c := newTestClient(t, srv.URL)
	llms, err := c.AILLMs.List(context.Background(), "")
	if err != nil || llms == nil || len(llms) != 0 {
		t.Fatalf("List = %v, %v; want an empty, non-nil list", llms, err)
	}
	if q := srv.query(0); q != "" {
		t.Errorf("query = %q, want none", q)
	}
}

func TestAILLMs_listBrokenAnswers(t *testing.T) {
	t.Parallel()
	const full = `"id":"l1","name":"n","aiType":"OPENAI","workspaceId":"ws-1"`
	for _, tt := range []struct{ name, body, reason string }{
		{"aiLlms missing", `{"success":true}`, `"aiLlms"`},
		{"aiLlms null", `{"success":true,"aiLlms":null}`, `"aiLlms"`},
		{"aiLlms wrong type", `{"success":true,"aiLlms":{}}`, "aiLlms"},
		{"entry null", `{"success":true,"aiLlms":[{` + full + `},null]}`, `configuration 1 of the list has no "id"`},
		{"no id", `{"success":true,"aiLlms":[{"name":"n","aiType":"OPENAI","workspaceId":"ws-1"}]}`, `"id"`},
		{"no name", `{"success":true,"aiLlms":[{"id":"l1","aiType":"OPENAI","workspaceId":"ws-1"}]}`, `"name"`},
		{"no aiType", `{"success":true,"aiLlms":[{"id":"l1","name":"n","workspaceId":"ws-1"}]}`, `"aiType"`},
		{"no workspaceId", `{"success":true,"aiLlms":[{"id":"l1","name":"n","aiType":"OPENAI"}]}`, `"workspaceId"`},
		{"repos wrong type", `{"success":true,"aiLlms":[{` + full + `,"repos":"r"}]}`, "repos"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			llms, err := c.AILLMs.List(context.Background(), "ws-1")
			if llms != nil {
				t.Errorf("List returned %v with its error", llms)
			}
			if respErr := asResponseError(t, err); !strings.Contains(respErr.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %s", respErr.Reason, tt.reason)
			}
		})
	}
	t.Run("no endpoint is not broken", func(t *testing.T) {
		t.Parallel()
		srv := answer(t, 200, `{"success":true,"aiLlms":[{`+full+`,"endpoint":null}]}`)
		c := newTestClient(t, srv.URL)
		if llms, err := c.AILLMs.List(context.Background(), "ws-1"); err != nil || len(llms) != 1 || llms[0].Endpoint != "" {
			t.Errorf("List = %+v, %v", llms, err)
		}
	})
}

func TestAILLMs_updateSendsOnlyTheFieldsSet(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		req  UpdateAILLMRequest
		body string
	}{
		{"name", UpdateAILLMRequest{Name: strPtr("n2")}, `{"name":"n2"}`},
		{"type and endpoint", UpdateAILLMRequest{AIType: strPtr(AITypeAnthropic), Endpoint: strPtr("https://e")}, `{"aiType":"ANTHROPIC","endpoint":"https://e"}`},
		{"secret", UpdateAILLMRequest{Secret: strPtr(testSecret)}, `{"secret":"` + testSecret + `"}`},
		{"key", UpdateAILLMRequest{Key: strPtr(testLLMKey)}, `{"key":"` + testLLMKey + `"}`},
		{"all", UpdateAILLMRequest{Name: strPtr("n"), AIType: strPtr(AITypeAWS), Endpoint: strPtr("https://e"), Key: strPtr("k"), Secret: strPtr("s")},
			`{"name":"n","aiType":"AWS","endpoint":"https://e","key":"k","secret":"s"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, validLLMUpdateBody)
			c := newTestClient(t, srv.URL)
			if err := c.AILLMs.Update(context.Background(), "llm-1", tt.req); err != nil {
				t.Fatal(err)
			}
			r := srv.requests()[0]
			if r.Method != http.MethodPut || r.EscapedPath != "/ai/llm/llm-1" {
				t.Errorf("request = %s %s", r.Method, r.EscapedPath)
			}
			sameJSON(t, r.Body, tt.body)
		})
	}
}

func TestAILLMs_updateRefusesNothingAndEmptyValuesBeforeSending(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validLLMUpdateBody)
	c := newTestClient(t, srv.URL)
	for _, tt := range []struct {
		name string
		req  UpdateAILLMRequest
		want string
	}{
		{"nothing", UpdateAILLMRequest{}, "changes nothing"},
		{"empty name", UpdateAILLMRequest{Name: strPtr("")}, `"name"`},
		{"empty secret among others", UpdateAILLMRequest{Name: strPtr("n"), Secret: strPtr("")}, `"secret"`},
		{"empty key", UpdateAILLMRequest{Key: strPtr("")}, `"key"`},
		{"empty endpoint and type", UpdateAILLMRequest{Endpoint: strPtr(""), AIType: strPtr("")}, `"aiType", "endpoint"`},
	} {
		err := c.AILLMs.Update(context.Background(), "llm-1", tt.req)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "llm-1") {
			t.Errorf("%s: %v, want an error naming llm-1 and %s", tt.name, err, tt.want)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestAILLMs_validateReturnsTheServersVerdict(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body string
		want       AILLMValidation
	}{
		{"valid", validLLMValidateBody, AILLMValidation{Valid: true, Message: "Connection established and credentials verified."}},
		{"invalid", `{"success":false,"message":"Validation failed: invalid API key"}`, AILLMValidation{Message: "Validation failed: invalid API key"}},
		{"invalid without message", `{"success":false}`, AILLMValidation{Message: `the server answered "success": false without a message`}},
		{"valid without message", `{"success":true}`, AILLMValidation{Valid: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			got, err := c.AILLMs.Validate(context.Background(), "llm-1")
			if err != nil || got == nil || *got != tt.want {
				t.Fatalf("Validate = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	t.Run("no verdict", func(t *testing.T) {
		t.Parallel()
		srv := answer(t, 200, `{"message":"done"}`)
		c := newTestClient(t, srv.URL)
		got, err := c.AILLMs.Validate(context.Background(), "llm-1")
		if respErr := asResponseError(t, err); got != nil || !strings.Contains(respErr.Reason, `"success"`) {
			t.Errorf("Validate = %+v, %v; want a response error naming \"success\"", got, err)
		}
	})
	t.Run("unknown configuration", func(t *testing.T) {
		t.Parallel()
		srv := answer(t, 404, errorBody("AI LLM configuration not found"))
		c := newTestClient(t, srv.URL)
		got, err := c.AILLMs.Validate(context.Background(), "llm-1")
		if got != nil || !IsNotFound(err) {
			t.Errorf("Validate = %+v, %v; want a 404", got, err)
		}
	})
}

func TestAILLMs_deleteInUseIsForbidden(t *testing.T) {
	t.Parallel()
	srv := answer(t, 403, errorBody("insufficient permissions or configuration in use"))
	c := newTestClient(t, srv.URL)
	err := c.AILLMs.Delete(context.Background(), "llm-1")
	if !IsForbidden(err) || IsNotFound(err) {
		t.Errorf("Delete = %v, want a 403 that is not a 404", err)
	}
}
