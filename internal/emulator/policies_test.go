package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The policy wire shapes as the contract spells them.
type wirePolicy struct {
	ID            string       `json:"id"`
	OrgID         string       `json:"orgId"`
	Name          string       `json:"name"`
	Content       string       `json:"content"`
	RiskType      string       `json:"riskType"`
	ActionType    int          `json:"actionType"`
	CreatedBy     wireUserRef  `json:"createdBy"`
	CreatedAt     string       `json:"createdAt"`
	LastUpdatedBy wireUserRef  `json:"lastUpdatedBy"`
	LastUpdatedAt string       `json:"lastUpdatedAt"`
	WorkspaceID   *string      `json:"workspaceId"`
	RepoID        *string      `json:"repoId"`
	Workspace     *wireNameRef `json:"workspace"`
	Repo          *wireNameRef `json:"repo"`
}

type wireUserRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	LastName string `json:"lastName"`
	Email    string `json:"email"`
}

type wireNameRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type wirePolicyBody struct {
	Success bool       `json:"success"`
	Policy  wirePolicy `json:"policy"`
}

type wirePolicyList struct {
	Success  bool         `json:"success"`
	Policies []wirePolicy `json:"policies"`
}

func policyPath(id string) string { return "/policy/" + url.PathEscape(id) }

// policyCreateBody is a valid create body; workspaceID and repoID "" are sent as null.
func policyCreateBody(name, workspaceID, repoID string) string {
	body := map[string]any{
		"name": name, "content": "Do not share personal data", "riskType": "HIGH", "actionType": 2,
		"orgId": "org-1", "workspaceId": nil, "repoId": nil,
	}
	if workspaceID != "" {
		body["workspaceId"] = workspaceID
	}
	if repoID != "" {
		body["repoId"] = repoID
	}
	data, _ := json.Marshal(body)
	return string(data)
}

func (h *harness) createPolicy(name, workspaceID, repoID string) wirePolicy {
	h.t.Helper()
	var created wirePolicyBody
	expectOK(h.t, h.do(http.MethodPost, "/policy", policyCreateBody(name, workspaceID, repoID)), &created)
	if !created.Success || !uuidV4Pattern.MatchString(created.Policy.ID) {
		h.t.Fatalf("create %s: %+v, want success and a UUID", name, created)
	}
	return created.Policy
}

func (h *harness) getPolicy(id string) wirePolicy {
	h.t.Helper()
	var got wirePolicyBody
	expectOK(h.t, h.do(http.MethodGet, policyPath(id), ""), &got)
	return got.Policy
}

func (h *harness) listPolicies(query string) []string {
	h.t.Helper()
	var list wirePolicyList
	expectOK(h.t, h.do(http.MethodGet, "/policy?"+query, ""), &list)
	var out []string
	for _, p := range list.Policies {
		out = append(out, p.Name)
	}
	return out
}

func TestPolicyCreateGetRoundTrip(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now })
	user := wireUserRef{ID: userID, Name: userName, LastName: userLastName, Email: userEmail}

	org := h.createPolicy("org rule", "", "")
	want := wirePolicy{
		ID: org.ID, OrgID: "org-1", Name: "org rule", Content: "Do not share personal data",
		RiskType: "HIGH", ActionType: 2, CreatedBy: user, CreatedAt: "2024-01-15T10:30:00.000Z",
		LastUpdatedBy: user, LastUpdatedAt: "2024-01-15T10:30:00.000Z",
	}
	if !reflect.DeepEqual(org, want) {
		t.Errorf("created org policy = %+v, want %+v", org, want)
	}
	if got := h.getPolicy(org.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("GET org policy = %+v, want %+v", got, want)
	}

	ws := h.createPolicy("workspace rule", "ws-1", "")
	if ws.WorkspaceID == nil || *ws.WorkspaceID != "ws-1" || ws.RepoID != nil ||
		!reflect.DeepEqual(ws.Workspace, &wireNameRef{ID: "ws-1", Name: "Production"}) || ws.Repo != nil {
		t.Errorf("workspace policy scope = %+v", ws)
	}
	repo := h.createPolicy("repo rule", "ws-1", "repo-a")
	if *repo.WorkspaceID != "ws-1" || repo.RepoID == nil || *repo.RepoID != "repo-a" ||
		!reflect.DeepEqual(repo.Repo, &wireNameRef{ID: "repo-a", Name: "gateway"}) {
		t.Errorf("repo policy scope = %+v", repo)
	}
	if got := h.getPolicy(repo.ID); !reflect.DeepEqual(got, repo) {
		t.Errorf("GET repo policy = %+v, want %+v", got, repo)
	}

	stored := h.emu.Policies()
	if len(stored) != 3 || stored[0].ID != repo.ID || stored[0].RepoID != "repo-a" || stored[2].WorkspaceID != "" {
		t.Errorf("Policies() = %+v, want three, newest first", stored)
	}
	expectError(t, h.do(http.MethodGet, policyPath("unknown"), ""), http.StatusNotFound)
}

func TestPolicyListMatchesTheScopeExactly(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	h.createPolicy("org", "", "")
	h.createPolicy("ws-1", "ws-1", "")
	h.createPolicy("ws-2", "ws-2", "")
	h.createPolicy("repo-a", "ws-1", "repo-a")
	h.createPolicy("repo-a again", "ws-1", "repo-a")
	h.createPolicy("repo-b", "ws-1", "repo-b")

	cases := map[string][]string{
		"orgId=org-1":                                {"org"},
		"orgId=org-1&workspaceId=ws-1":               {"ws-1"},
		"orgId=org-1&workspaceId=ws-2":               {"ws-2"},
		"orgId=org-1&workspaceId=ws-1&repoId=repo-a": {"repo-a again", "repo-a"},
		"orgId=org-1&workspaceId=ws-2&repoId=repo-c": nil,
	}
	for query, want := range cases {
		if got := h.listPolicies(query); !slices.Equal(got, want) {
			t.Errorf("%s lists %v, want %v", query, got, want)
		}
	}

	refused := []struct {
		query  string
		status int
	}{
		{"", http.StatusBadRequest},
		{"orgId=", http.StatusBadRequest},
		{"workspaceId=ws-1", http.StatusBadRequest},
		{"orgId=org-1&repoId=repo-a", http.StatusBadRequest},
		{"orgId=org-1&workspaceId=", http.StatusBadRequest},
		{"orgId=org-1&workspaceId=ws-2&repoId=repo-a", http.StatusBadRequest},
		{"orgId=org-x", http.StatusForbidden},
		{"orgId=org-1&workspaceId=ws-x", http.StatusForbidden},
		{"orgId=org-1&workspaceId=unknown", http.StatusNotFound},
		{"orgId=org-1&workspaceId=ws-1&repoId=unknown", http.StatusNotFound},
	}
	for _, c := range refused {
		t.Run(c.query, func(t *testing.T) {
			expectError(t, h.do(http.MethodGet, "/policy?"+c.query, ""), c.status)
		})
	}
}

func TestPolicyCreateRejects(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	with := func(changes map[string]any) string {
		body := map[string]any{"name": "p", "content": "c", "riskType": "LOW", "actionType": 0, "orgId": "org-1"}
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
	cases := []struct {
		label  string
		body   string
		status int
	}{
		{"not JSON", `{`, http.StatusBadRequest},
		{"missing name", with(map[string]any{"name": "<absent>"}), http.StatusBadRequest},
		{"empty name", with(map[string]any{"name": ""}), http.StatusBadRequest},
		{"missing content", with(map[string]any{"content": "<absent>"}), http.StatusBadRequest},
		{"empty content", with(map[string]any{"content": ""}), http.StatusBadRequest},
		{"missing riskType", with(map[string]any{"riskType": "<absent>"}), http.StatusBadRequest},
		{"lower-case riskType", with(map[string]any{"riskType": "low"}), http.StatusBadRequest},
		{"missing actionType", with(map[string]any{"actionType": "<absent>"}), http.StatusBadRequest},
		{"actionType 3", with(map[string]any{"actionType": 3}), http.StatusBadRequest},
		{"actionType -1", with(map[string]any{"actionType": -1}), http.StatusBadRequest},
		{"actionType 1.5", with(map[string]any{"actionType": 1.5}), http.StatusBadRequest},
		{"actionType as a string", with(map[string]any{"actionType": "2"}), http.StatusBadRequest},
		{"actionType as a word", with(map[string]any{"actionType": "block"}), http.StatusBadRequest},
		{"missing orgId", with(map[string]any{"orgId": "<absent>"}), http.StatusBadRequest},
		{"empty workspaceId", with(map[string]any{"workspaceId": ""}), http.StatusBadRequest},
		{"repoId without workspaceId", with(map[string]any{"repoId": "repo-a"}), http.StatusBadRequest},
		{"repoId with null workspaceId", with(map[string]any{"repoId": "repo-a", "workspaceId": nil}), http.StatusBadRequest},
		{"empty repoId", with(map[string]any{"workspaceId": "ws-1", "repoId": ""}), http.StatusBadRequest},
		{"repo outside the workspace", with(map[string]any{"workspaceId": "ws-2", "repoId": "repo-a"}), http.StatusBadRequest},
		{"another organization", with(map[string]any{"orgId": "org-x"}), http.StatusForbidden},
		{"another organization's workspace", with(map[string]any{"workspaceId": "ws-x"}), http.StatusForbidden},
		{"unknown workspace", with(map[string]any{"workspaceId": "unknown"}), http.StatusNotFound},
		{"unknown repo", with(map[string]any{"workspaceId": "ws-1", "repoId": "unknown"}), http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			expectError(t, h.do(http.MethodPost, "/policy", c.body), c.status)
		})
	}
	if stored := h.emu.Policies(); len(stored) != 0 {
		t.Fatalf("rejected creates stored %+v", stored)
	}
	// The base body is valid, so each case failed for its own reason.
	for _, action := range []int{0, 1, 2} {
		expectOK(t, h.do(http.MethodPost, "/policy", with(map[string]any{"actionType": action})), &wirePolicyBody{})
	}
}

func TestPolicyUpdate(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now })
	created := h.createPolicy("original", "ws-1", "repo-a")

	clock.Advance(time.Minute)
	var updated wirePolicyBody
	expectOK(t, h.do(http.MethodPut, policyPath(created.ID), `{"name":"renamed","riskType":"LOW","actionType":0}`), &updated)
	want := created
	want.Name, want.RiskType, want.ActionType = "renamed", "LOW", 0
	want.LastUpdatedAt = "2024-01-15T10:31:00.000Z"
	if !updated.Success || !reflect.DeepEqual(updated.Policy, want) {
		t.Fatalf("update answered %+v, want %+v", updated.Policy, want)
	}
	if got := h.getPolicy(created.ID); !reflect.DeepEqual(got, want) {
		t.Errorf("GET after update = %+v", got)
	}
	expectOK(t, h.do(http.MethodPut, policyPath(created.ID), `{"content":"new rule","name":null}`), &updated)
	if updated.Policy.Content != "new rule" || updated.Policy.Name != "renamed" {
		t.Errorf("after a PUT of content = %+v", updated.Policy)
	}

	before := h.emu.Policies()
	cases := map[string]string{
		"empty object":     `{}`,
		"only nulls":       `{"name":null}`,
		"empty body":       ``,
		"orgId":            `{"name":"x","orgId":"org-1"}`,
		"workspaceId":      `{"name":"x","workspaceId":"ws-1"}`,
		"null workspaceId": `{"name":"x","workspaceId":null}`,
		"repoId":           `{"name":"x","repoId":"repo-b"}`,
		"actionType 3":     `{"actionType":3}`,
		"actionType 0.5":   `{"actionType":0.5}`,
		"bad riskType":     `{"riskType":"SEVERE"}`,
		"empty name":       `{"name":""}`,
		"empty content":    `{"content":""}`,
	}
	for label, body := range cases {
		t.Run(label, func(t *testing.T) {
			expectError(t, h.do(http.MethodPut, policyPath(created.ID), body), http.StatusBadRequest)
		})
	}
	if after := h.emu.Policies(); !reflect.DeepEqual(after, before) {
		t.Errorf("rejected updates changed %+v into %+v", before, after)
	}
	expectError(t, h.do(http.MethodPut, policyPath("unknown"), `{"name":"x"}`), http.StatusNotFound)
}

func TestPolicyDeleteIsSoft(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now })
	doomed := h.createPolicy("doomed", "", "")
	h.createPolicy("kept", "", "")

	clock.Advance(time.Hour)
	var deleted wireMessage
	expectOK(t, h.do(http.MethodDelete, policyPath(doomed.ID), ""), &deleted)
	if !deleted.Success {
		t.Errorf("delete body %+v", deleted)
	}
	expectError(t, h.do(http.MethodGet, policyPath(doomed.ID), ""), http.StatusNotFound)
	if got := h.listPolicies("orgId=org-1"); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("list after delete = %v", got)
	}
	expectError(t, h.do(http.MethodDelete, policyPath(doomed.ID), ""), http.StatusNotFound)
	expectError(t, h.do(http.MethodPut, policyPath(doomed.ID), `{"name":"back"}`), http.StatusNotFound)

	stored := h.emu.Policies()
	i := slices.IndexFunc(stored, func(p Policy) bool { return p.ID == doomed.ID })
	if i < 0 || stored[i].DeletedAt == nil || !stored[i].DeletedAt.Equal(clock.Now()) {
		t.Fatalf("Policies() = %+v, want %s kept with DeletedAt %v", stored, doomed.ID, clock.Now())
	}
}

func TestPolicyListLagHidesNewPoliciesFromListsOnly(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now; o.ListLag = 5 * time.Second })
	p := h.createPolicy("fresh", "ws-1", "")
	if got := h.listPolicies("orgId=org-1&workspaceId=ws-1"); len(got) != 0 {
		t.Fatalf("listed despite ListLag: %v", got)
	}
	if got := h.getPolicy(p.ID); got.Name != "fresh" {
		t.Fatalf("GET during the lag = %+v", got)
	}
	clock.Advance(5 * time.Second)
	if got := h.listPolicies("orgId=org-1&workspaceId=ws-1"); !slices.Equal(got, []string{"fresh"}) {
		t.Errorf("list after ListLag = %v", got)
	}
}

func TestPolicyOutOfBandChanges(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now })
	p := h.createPolicy("a", "ws-1", "")

	clock.Advance(time.Minute)
	if err := h.emu.UpdatePolicy(p.ID, func(p *Policy) { p.ActionType = 1; p.Content = "changed in UI" }); err != nil {
		t.Fatal(err)
	}
	got := h.getPolicy(p.ID)
	if got.ActionType != 1 || got.Content != "changed in UI" || got.LastUpdatedAt != "2024-01-15T10:31:00.000Z" {
		t.Errorf("after UpdatePolicy = %+v", got)
	}
	for label, change := range map[string]func(*Policy){
		"actionType 3":  func(p *Policy) { p.ActionType = 3 },
		"riskType":      func(p *Policy) { p.RiskType = "low" },
		"empty content": func(p *Policy) { p.Content = "" },
		"scope":         func(p *Policy) { p.WorkspaceID = "ws-2" },
		"deletedAt":     func(p *Policy) { now := time.Now(); p.DeletedAt = &now },
	} {
		if err := h.emu.UpdatePolicy(p.ID, change); err == nil {
			t.Errorf("UpdatePolicy accepted a change of %s", label)
		}
	}
	if again := h.getPolicy(p.ID); !reflect.DeepEqual(again, got) {
		t.Errorf("refused changes were applied: %+v", again)
	}

	if err := h.emu.DeletePolicy(p.ID); err != nil {
		t.Fatal(err)
	}
	expectError(t, h.do(http.MethodGet, policyPath(p.ID), ""), http.StatusNotFound)
	for _, err := range []error{
		h.emu.DeletePolicy(p.ID),
		h.emu.UpdatePolicy(p.ID, func(*Policy) {}),
		h.emu.DeletePolicy("unknown"),
	} {
		if !errors.Is(err, ErrPolicyNotFound) {
			t.Errorf("err = %v, want ErrPolicyNotFound", err)
		}
	}
}

func TestPolicyErrorsNameTheCause(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	expectErrorMentioning(t, h.do(http.MethodPost, "/policy", policyCreateBody("p", "ws-2", "repo-a")), http.StatusBadRequest, "repo-a", "ws-2")
	expectErrorMentioning(t, h.do(http.MethodGet, "/policy", ""), http.StatusBadRequest, "orgId")
	expectErrorMentioning(t, h.do(http.MethodPut, policyPath("any"), `{"workspaceId":null}`), http.StatusBadRequest, "workspaceId", "scope")
	resp := h.do(http.MethodPost, "/policy", strings.Replace(policyCreateBody("p", "", ""), `"actionType":2`, `"actionType":7`, 1))
	expectErrorMentioning(t, resp, http.StatusBadRequest, "actionType", "7")
}
