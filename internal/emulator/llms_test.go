package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The AI LLM wire shapes as the contract spells them, decoded strictly so that a
// secret in a list fails.
type wireLLM struct {
	ID          string        `json:"id"`
	OrgID       string        `json:"orgId"`
	WorkspaceID string        `json:"workspaceId"`
	UserID      string        `json:"userId"`
	Name        string        `json:"name"`
	AIType      string        `json:"aiType"`
	Endpoint    *string       `json:"endpoint"`
	Key         *string       `json:"key"`
	APIKeyID    string        `json:"apiKeyId"`
	CreatedAt   string        `json:"createdAt"`
	Repos       []wireLLMRepo `json:"repos"`
}

type wireLLMRepo struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
}

type wireLLMList struct {
	Success bool      `json:"success"`
	AILLMs  []wireLLM `json:"aiLlms"`
}

type wireLLMID struct {
	Success bool   `json:"success"`
	AILLMID string `json:"aiLlmId"`
	Message string `json:"message"`
}

func llmPath(id string) string { return "/ai/llm/" + url.PathEscape(id) }

// llmBody is a create body with a valid endpoint and secret.
func llmBody(workspaceID, name string) string {
	return fmt.Sprintf(`{"name":%[2]q,"aiType":"OPENAI","endpoint":"https://api.openai.com/v1","key":"access-%[2]s","secret":"sk-%[2]s","workspaceId":%[1]q}`, workspaceID, name)
}

func (h *harness) createLLM(workspaceID, name string) string {
	h.t.Helper()
	var created wireLLMID
	expectOK(h.t, h.do(http.MethodPost, "/ai/llm", llmBody(workspaceID, name)), &created)
	if !created.Success || !uuidV4Pattern.MatchString(created.AILLMID) {
		h.t.Fatalf("create body %+v: want success and a UUID", created)
	}
	return created.AILLMID
}

func (h *harness) listLLMs(query string) []wireLLM {
	h.t.Helper()
	var list wireLLMList
	expectOK(h.t, h.do(http.MethodGet, "/ai/llm"+query, ""), &list)
	if !list.Success {
		h.t.Fatalf("list %s: success false", query)
	}
	return list.AILLMs
}

func (h *harness) availableLLMs() []string {
	h.t.Helper()
	var list wireLLMList
	expectOK(h.t, h.do(http.MethodGet, "/ai/llm/available", ""), &list)
	var ids []string
	for _, l := range list.AILLMs {
		ids = append(ids, l.ID)
	}
	return ids
}

func (h *harness) validateLLM(id string) wireMessage {
	h.t.Helper()
	var v wireMessage
	expectOK(h.t, h.do(http.MethodPost, llmPath(id)+"/validate", ""), &v)
	return v
}

func llmNames(llms []wireLLM) []string {
	var out []string
	for _, l := range llms {
		out = append(out, l.Name)
	}
	return out
}

func TestLLMCreateListRoundTrip(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	clock.Set(time.Date(2024, 1, 15, 10, 30, 0, 123456789, time.UTC))
	h := newGateway(t, func(o *Options) { o.Now = clock.Now })

	resp := h.do(http.MethodPost, "/ai/llm", `{"name":"My OpenAI Config","aiType":"OPENAI",`+
		`"endpoint":"https://api.openai.com/v1","key":"optional-access-key","secret":"sk-proj-xxxx","workspaceId":"ws-1"}`)
	var created wireLLMID
	expectOK(t, resp, &created)
	if !created.Success || created.Message == "" || !uuidV4Pattern.MatchString(created.AILLMID) {
		t.Fatalf("create body %s: want success, a message and a UUID", resp.body)
	}

	listResp := h.do(http.MethodGet, "/ai/llm?workspaceId=ws-1", "")
	for _, leak := range []string{"sk-proj-xxxx", "optional-access-key", `"secret"`} {
		if strings.Contains(string(listResp.body), leak) {
			t.Fatalf("list leaks %s: %s", leak, listResp.body)
		}
	}
	if !strings.Contains(string(listResp.body), `"key":null`) {
		t.Errorf("list does not show key null: %s", listResp.body)
	}
	endpoint := "https://api.openai.com/v1"
	want := wireLLM{
		ID: created.AILLMID, OrgID: "org-1", WorkspaceID: "ws-1", UserID: userID,
		Name: "My OpenAI Config", AIType: "OPENAI", Endpoint: &endpoint,
		CreatedAt: "2024-01-15T10:30:00.123Z", Repos: []wireLLMRepo{},
	}
	got := h.listLLMs("?workspaceId=ws-1")
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("list = %+v, want [%+v]", got, want)
	}

	stored := h.emu.LLMs("ws-1")
	if len(stored) != 1 || stored[0].Secret != "sk-proj-xxxx" || stored[0].Key != "optional-access-key" ||
		stored[0].ID != created.AILLMID || stored[0].Validated {
		t.Fatalf("LLMs(ws-1) = %+v, want the configuration with its secret and key, not validated", stored)
	}

	// Without a filter: every accessible workspace, newest first.
	clock.Advance(time.Second)
	staging := h.createLLM("ws-2", "staging")
	if got := llmNames(h.listLLMs("")); !slices.Equal(got, []string{"staging", "My OpenAI Config"}) {
		t.Errorf("unfiltered list = %v", got)
	}
	if got := h.listLLMs("?workspaceId=ws-2"); len(got) != 1 || got[0].ID != staging {
		t.Errorf("ws-2 list = %+v, want only %s", got, staging)
	}
	if got := h.emu.LLMs(""); len(got) != 2 || got[0].ID != staging {
		t.Errorf("LLMs(\"\") = %+v, want both, newest first", got)
	}
}

func TestLLMCreateWithStoredAPIKey(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	var created wireLLMID
	expectOK(t, h.do(http.MethodPost, "/ai/llm", `{"name":"stored","aiType":"ANTHROPIC","apiKeyUuid":"key-9","workspaceId":"ws-1"}`), &created)
	got := h.listLLMs("?workspaceId=ws-1")
	if len(got) != 1 || got[0].Endpoint != nil || got[0].APIKeyID != "key-9" {
		t.Fatalf("list = %+v, want endpoint null and apiKeyId key-9", got)
	}
	if v := h.validateLLM(created.AILLMID); v.Success {
		t.Errorf("validate without endpoint or secret succeeded: %+v", v)
	}
	// An http(s) endpoint is not enough: validate needs a secret too.
	expectOK(t, h.do(http.MethodPost, "/ai/llm", `{"name":"no secret","aiType":"OPENAI","endpoint":"https://api.openai.com/v1",`+
		`"apiKeyUuid":"key-9","workspaceId":"ws-1"}`), &created)
	if v := h.validateLLM(created.AILLMID); v.Success || !strings.Contains(v.Message, "secret") {
		t.Errorf("validate without a secret = %+v, want success false naming the secret", v)
	}
}

func TestLLMCreateRejectsInvalidBodies(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	valid := map[string]any{"name": "x", "aiType": "OPENAI", "endpoint": "https://api.openai.com/v1", "secret": "s", "workspaceId": "ws-1"}
	with := func(changes map[string]any) string {
		body := make(map[string]any)
		for k, v := range valid {
			body[k] = v
		}
		for k, v := range changes {
			if v == "<absent>" {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		data, _ := json.Marshal(body)
		return string(data)
	}
	cases := map[string]string{
		"not JSON":               `{`,
		"empty body":             ``,
		"array":                  `[]`,
		"missing name":           with(map[string]any{"name": "<absent>"}),
		"null name":              with(map[string]any{"name": nil}),
		"empty name":             with(map[string]any{"name": ""}),
		"name over 255 chars":    with(map[string]any{"name": strings.Repeat("n", 256)}),
		"name is a number":       with(map[string]any{"name": 1}),
		"missing aiType":         with(map[string]any{"aiType": "<absent>"}),
		"unknown aiType":         with(map[string]any{"aiType": "AZURE"}),
		"missing workspaceId":    with(map[string]any{"workspaceId": "<absent>"}),
		"empty workspaceId":      with(map[string]any{"workspaceId": ""}),
		"missing endpoint":       with(map[string]any{"endpoint": "<absent>"}),
		"endpoint without host":  with(map[string]any{"endpoint": "api.openai.com/v1"}),
		"endpoint not a URL":     with(map[string]any{"endpoint": "not a url"}),
		"endpoint is an object":  with(map[string]any{"endpoint": map[string]any{}}),
		"missing secret":         with(map[string]any{"secret": "<absent>"}),
		"null secret":            with(map[string]any{"secret": nil}),
		"empty secret":           with(map[string]any{"secret": ""}),
		"empty apiKeyUuid":       with(map[string]any{"apiKeyUuid": ""}),
		"key is a boolean":       with(map[string]any{"key": true}),
		"workspaceId is numeric": with(map[string]any{"workspaceId": 7}),
	}
	for label, body := range cases {
		t.Run(label, func(t *testing.T) {
			expectError(t, h.do(http.MethodPost, "/ai/llm", body), http.StatusBadRequest)
		})
	}
	if stored := h.emu.LLMs(""); len(stored) != 0 {
		t.Fatalf("invalid bodies stored %+v", stored)
	}
	// The base body is valid, so each case failed for its own reason.
	expectOK(t, h.do(http.MethodPost, "/ai/llm", with(nil)), &wireLLMID{})
}

func TestLLMNameIsUniqueInItsWorkspace(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	a := h.createLLM("ws-1", "a")
	b := h.createLLM("ws-1", "b")

	expectErrorMentioning(t, h.do(http.MethodPost, "/ai/llm", llmBody("ws-1", "a")), http.StatusBadRequest, `"a"`, "ws-1")
	h.createLLM("ws-2", "a")
	expectErrorMentioning(t, h.do(http.MethodPut, llmPath(b), `{"name":"a"}`), http.StatusBadRequest, `"a"`)
	// Keeping one's own name is no conflict.
	expectOK(t, h.do(http.MethodPut, llmPath(a), `{"name":"a","endpoint":"https://a.example/v1"}`), &wireLLMID{})
	if got := llmNames(h.listLLMs("?workspaceId=ws-1")); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("ws-1 = %v, want the rejected rename not applied", got)
	}
}

func TestLLMWorkspaceAccess(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	for _, ws := range []string{"ws-x", "unknown"} {
		expectErrorMentioning(t, h.do(http.MethodPost, "/ai/llm", llmBody(ws, "x")), http.StatusForbidden, ws)
		expectErrorMentioning(t, h.do(http.MethodGet, "/ai/llm?workspaceId="+ws, ""), http.StatusForbidden, ws)
	}
	expectErrorMentioning(t, h.do(http.MethodGet, "/ai/llm?workspaceId=", ""), http.StatusBadRequest, "workspaceId")
	if got := h.listLLMs("?workspaceId=ws-2"); len(got) != 0 {
		t.Errorf("an empty workspace lists %+v", got)
	}
	if stored := h.emu.LLMs(""); len(stored) != 0 {
		t.Errorf("forbidden creates stored %+v", stored)
	}
}

func TestLLMUpdate(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	id := h.createLLM("ws-1", "original")

	var updated wireLLMID
	expectOK(t, h.do(http.MethodPut, llmPath(id), `{"name":"renamed","endpoint":"https://api.openai.com/v2"}`), &updated)
	if !updated.Success || updated.AILLMID != id {
		t.Errorf("update body %+v, want success and the id", updated)
	}
	got := h.listLLMs("?workspaceId=ws-1")
	if len(got) != 1 || got[0].Name != "renamed" || *got[0].Endpoint != "https://api.openai.com/v2" || got[0].AIType != "OPENAI" {
		t.Fatalf("after update list = %+v", got)
	}
	if l := h.emu.LLMs("ws-1")[0]; l.Secret != "sk-original" || l.Key != "access-original" {
		t.Errorf("an update without secret or key changed them: %+v", l)
	}

	// null is absent: only the fields with values change.
	expectOK(t, h.do(http.MethodPut, llmPath(id), `{"name":null,"endpoint":null,"key":null,"secret":"sk-new","aiType":"AWS"}`), &wireLLMID{})
	l := h.emu.LLMs("ws-1")[0]
	if l.Name != "renamed" || l.Endpoint != "https://api.openai.com/v2" || l.Key != "access-original" || l.Secret != "sk-new" || l.AIType != "AWS" {
		t.Errorf("after a PUT with nulls = %+v", l)
	}
	expectOK(t, h.do(http.MethodPut, llmPath(id), `{"key":"access-new"}`), &wireLLMID{})
	if l := h.emu.LLMs("ws-1")[0]; l.Key != "access-new" {
		t.Errorf("key = %q after PUT key", l.Key)
	}

	before := h.emu.LLMs("ws-1")[0]
	cases := map[string]string{
		"empty object":        `{}`,
		"only nulls":          `{"name":null,"secret":null}`,
		"only unknown fields": `{"other":1}`,
		"empty body":          ``,
		"workspaceId":         `{"name":"x","workspaceId":"ws-2"}`,
		"null workspaceId":    `{"name":"x","workspaceId":null}`,
		"empty name":          `{"name":""}`,
		"unknown aiType":      `{"aiType":"AZURE"}`,
		"bad endpoint":        `{"endpoint":"nowhere"}`,
		"empty secret":        `{"secret":""}`,
	}
	for label, body := range cases {
		t.Run(label, func(t *testing.T) {
			expectError(t, h.do(http.MethodPut, llmPath(id), body), http.StatusBadRequest)
		})
	}
	if after := h.emu.LLMs("ws-1")[0]; after != before {
		t.Errorf("rejected updates changed %+v into %+v", before, after)
	}
	expectError(t, h.do(http.MethodPut, llmPath("unknown"), `{"name":"x"}`), http.StatusNotFound)
}

func TestLLMDeleteIsHard(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	id := h.createLLM("ws-1", "doomed")
	kept := h.createLLM("ws-1", "kept")

	var deleted wireMessage
	expectOK(t, h.do(http.MethodDelete, llmPath(id), ""), &deleted)
	if !deleted.Success {
		t.Errorf("delete body %+v", deleted)
	}
	if got := h.listLLMs("?workspaceId=ws-1"); len(got) != 1 || got[0].ID != kept {
		t.Fatalf("list after delete = %+v", got)
	}
	if stored := h.emu.LLMs(""); len(stored) != 1 || stored[0].ID != kept {
		t.Fatalf("the server still holds %+v: a hard delete removes it", stored)
	}
	expectError(t, h.do(http.MethodDelete, llmPath(id), ""), http.StatusNotFound)
	expectError(t, h.do(http.MethodPut, llmPath(id), `{"name":"x"}`), http.StatusNotFound)
	expectError(t, h.do(http.MethodPost, llmPath(id)+"/validate", ""), http.StatusNotFound)
	// The name is free again.
	h.createLLM("ws-1", "doomed")
}

func TestLLMDeleteRefusedWhileARepoUsesIt(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	id := h.createLLM("ws-1", "used")
	for _, repo := range []string{"repo-a", "repo-b"} {
		if err := h.emu.AttachLLM(repo, id); err != nil {
			t.Fatal(err)
		}
	}

	repos := h.listLLMs("?workspaceId=ws-1")[0].Repos
	if len(repos) != 2 || repos[0].ID != "repo-a" || repos[0].Name != "gateway" || repos[1].ID != "repo-b" ||
		!createdAtPattern.MatchString(repos[0].CreatedAt) {
		t.Fatalf("repos = %+v, want repo-a and repo-b with names and createdAt", repos)
	}
	expectErrorMentioning(t, h.do(http.MethodDelete, llmPath(id), ""), http.StatusForbidden,
		"in use", "repo-a (gateway)", "repo-b (batch)", "detach")
	if err := h.emu.DeleteLLM(id); !errors.Is(err, ErrLLMInUse) {
		t.Errorf("DeleteLLM of a used configuration = %v, want ErrLLMInUse", err)
	}
	if stored := h.emu.LLMs(""); len(stored) != 1 {
		t.Fatalf("a refused delete removed the configuration: %+v", stored)
	}

	for _, repo := range []string{"repo-a", "repo-b"} {
		if err := h.emu.DetachLLM(repo, id); err != nil {
			t.Fatal(err)
		}
	}
	if repos := h.listLLMs("?workspaceId=ws-1")[0].Repos; len(repos) != 0 {
		t.Errorf("repos after detaching = %+v", repos)
	}
	expectOK(t, h.do(http.MethodDelete, llmPath(id), ""), &wireMessage{})
}

func TestLLMValidate(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	upstream := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
	defer upstream.Close()

	h := newGateway(t, nil)
	var created wireLLMID
	expectOK(t, h.do(http.MethodPost, "/ai/llm", fmt.Sprintf(
		`{"name":"v","aiType":"OPENAI","endpoint":%q,"secret":"sk","workspaceId":"ws-1"}`, upstream.URL)), &created)
	id := created.AILLMID
	other := h.createLLM("ws-2", "never validated")

	if got := h.availableLLMs(); len(got) != 0 {
		t.Fatalf("available before any validate = %v", got)
	}
	if v := h.validateLLM(id); !v.Success || v.Message == "" {
		t.Fatalf("validate = %+v, want success and a message", v)
	}
	if calls.Load() != 0 {
		t.Errorf("validate called the configured endpoint %d times", calls.Load())
	}
	if got := h.availableLLMs(); !slices.Equal(got, []string{id}) {
		t.Fatalf("available = %v, want only the validated %s (not %s)", got, id, other)
	}
	// A rename keeps it validated; a new endpoint does not.
	expectOK(t, h.do(http.MethodPut, llmPath(id), `{"name":"renamed"}`), &wireLLMID{})
	if got := h.availableLLMs(); !slices.Equal(got, []string{id}) {
		t.Errorf("available after a rename = %v", got)
	}
	expectOK(t, h.do(http.MethodPut, llmPath(id), `{"endpoint":"ftp://files.example/llm"}`), &wireLLMID{})
	if got := h.availableLLMs(); len(got) != 0 {
		t.Errorf("available after an endpoint change = %v", got)
	}
	if v := h.validateLLM(id); v.Success || !strings.Contains(v.Message, "Validation failed") {
		t.Errorf("validate of an ftp endpoint = %+v, want success false with a message", v)
	}
	expectOK(t, h.do(http.MethodPut, llmPath(id), `{"endpoint":"https://api.openai.com/v1"}`), &wireLLMID{})
	if v := h.validateLLM(id); !v.Success {
		t.Fatalf("validate after fixing the endpoint = %+v", v)
	}

	h.emu.ForceValidationFailure(true)
	if v := h.validateLLM(id); v.Success {
		t.Errorf("validate with forced failure = %+v", v)
	}
	if got := h.availableLLMs(); len(got) != 0 {
		t.Errorf("available after a failed validate = %v", got)
	}
	h.emu.ForceValidationFailure(false)
	if v := h.validateLLM(id); !v.Success {
		t.Errorf("validate after forced failure ends = %+v", v)
	}
	expectError(t, h.do(http.MethodPost, llmPath("unknown")+"/validate", ""), http.StatusNotFound)
}

func TestLLMListLagHidesNewConfigurations(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now; o.ListLag = 10 * time.Second })
	id := h.createLLM("ws-1", "fresh")
	if v := h.validateLLM(id); !v.Success {
		t.Fatal("validate failed")
	}
	if got := h.listLLMs("?workspaceId=ws-1"); len(got) != 0 {
		t.Fatalf("a brand-new configuration is listed despite ListLag: %+v", got)
	}
	if got := h.availableLLMs(); len(got) != 0 {
		t.Fatalf("a brand-new configuration is available despite ListLag: %v", got)
	}
	if len(h.emu.LLMs("ws-1")) != 1 {
		t.Fatal("LLMs must ignore ListLag")
	}
	expectOK(t, h.do(http.MethodPut, llmPath(id), `{"name":"renamed"}`), &wireLLMID{})
	clock.Advance(10 * time.Second)
	if got := llmNames(h.listLLMs("?workspaceId=ws-1")); !slices.Equal(got, []string{"renamed"}) {
		t.Errorf("list after ListLag = %v", got)
	}
	if got := h.availableLLMs(); !slices.Equal(got, []string{id}) {
		t.Errorf("available after ListLag = %v", got)
	}
}

func TestLLMOutOfBandChanges(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	id := h.createLLM("ws-1", "a")
	h.createLLM("ws-1", "b")
	if v := h.validateLLM(id); !v.Success {
		t.Fatal("validate failed")
	}

	if err := h.emu.UpdateLLM(id, func(l *LLM) { l.Name = "renamed in UI" }); err != nil {
		t.Fatal(err)
	}
	if got := h.availableLLMs(); !slices.Equal(got, []string{id}) {
		t.Errorf("a rename in the UI unvalidated the configuration: %v", got)
	}
	if err := h.emu.UpdateLLM(id, func(l *LLM) { l.Endpoint = "https://elsewhere.example/v1" }); err != nil {
		t.Fatal(err)
	}
	got := h.listLLMs("?workspaceId=ws-1")
	if i := slices.IndexFunc(got, func(l wireLLM) bool { return l.ID == id }); i < 0 || got[i].Name != "renamed in UI" || *got[i].Endpoint != "https://elsewhere.example/v1" {
		t.Errorf("list after UpdateLLM = %+v", got)
	}
	if got := h.availableLLMs(); len(got) != 0 {
		t.Errorf("an endpoint change in the UI kept the configuration validated: %v", got)
	}

	for label, change := range map[string]func(*LLM){
		"duplicate name": func(l *LLM) { l.Name = "b" },
		"empty name":     func(l *LLM) { l.Name = "" },
		"bad endpoint":   func(l *LLM) { l.Endpoint = "nowhere" },
		"unknown type":   func(l *LLM) { l.AIType = "AZURE" },
		"move":           func(l *LLM) { l.WorkspaceID = "ws-2" },
		"validated":      func(l *LLM) { l.Validated = true },
	} {
		if err := h.emu.UpdateLLM(id, change); err == nil {
			t.Errorf("UpdateLLM accepted a change of %s", label)
		}
	}
	if l := h.emu.LLMs("ws-1"); l[len(l)-1].Name != "renamed in UI" || l[len(l)-1].WorkspaceID != "ws-1" {
		t.Errorf("refused changes were applied: %+v", l)
	}

	if err := h.emu.DeleteLLM(id); err != nil {
		t.Fatal(err)
	}
	if got := llmNames(h.listLLMs("?workspaceId=ws-1")); !slices.Equal(got, []string{"b"}) {
		t.Errorf("list after DeleteLLM = %v", got)
	}
	for _, err := range []error{h.emu.DeleteLLM(id), h.emu.UpdateLLM(id, func(*LLM) {})} {
		if !errors.Is(err, ErrLLMNotFound) {
			t.Errorf("err = %v, want ErrLLMNotFound", err)
		}
	}
}
