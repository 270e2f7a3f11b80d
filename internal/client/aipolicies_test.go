package client

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

var wantPolicy = AIPolicy{ID: "pol/1?", OrgID: "org-1", WorkspaceID: "ws-1", Name: "PII Protection Policy",
	Content: "Do not allow sharing of personal data", RiskType: AIPolicyRiskHigh, ActionType: AIPolicyActionBlock,
	CreatedAt: "2024-01-15T10:30:00.000Z", LastUpdatedAt: "2024-01-16T10:30:00.000Z"}

func TestAIPolicyAction_namesAndWireValues(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a    AIPolicyAction
		name string
		wire int
	}{{AIPolicyActionLog, "log", 0}, {AIPolicyActionAlert, "alert", 1}, {AIPolicyActionBlock, "block", 2}} {
		if int(tt.a) != tt.wire || tt.a.String() != tt.name {
			t.Errorf("%v: value %d, name %q; want %d, %q", tt.a, int(tt.a), tt.a.String(), tt.wire, tt.name)
		}
		if got, ok := ParseAIPolicyAction(tt.name); !ok || got != tt.a {
			t.Errorf("ParseAIPolicyAction(%q) = %v, %v", tt.name, got, ok)
		}
	}
	for _, bad := range []string{"", "LOG", "Block", "2", "deny"} {
		if got, ok := ParseAIPolicyAction(bad); ok {
			t.Errorf("ParseAIPolicyAction(%q) = %v, want no action", bad, got)
		}
	}
	if got := AIPolicyAction(7).String(); got != "7" {
		t.Errorf("an undocumented action prints as %q, want its number", got)
	}
	names := AIPolicyActionNames()
	names[0] = "changed"
	if got := AIPolicyActionNames(); !slices.Equal(got, []string{"log", "alert", "block"}) {
		t.Errorf("AIPolicyActionNames = %v after a caller changed its copy", got)
	}
	if got := AIPolicyRiskTypes(); !slices.Equal(got, []string{"LOW", "MEDIUM", "HIGH"}) {
		t.Errorf("AIPolicyRiskTypes = %v", got)
	}
}

func TestAIPolicies_createSendsTheScopeAndTheActionAsANumber(t *testing.T) {
	t.Parallel()
	base := CreateAIPolicyRequest{OrgID: "org-1", Name: "n", Content: "c", RiskType: AIPolicyRiskLow}
	for _, tt := range []struct {
		name        string
		workspaceID string
		repoID      string
		action      AIPolicyAction
		body        string
	}{
		// An action of 0 is sent, not left out as a zero value.
		{"organization, log", "", "", AIPolicyActionLog, `{"orgId":"org-1","name":"n","content":"c","riskType":"LOW","actionType":0}`},
		{"workspace, alert", "ws-1", "", AIPolicyActionAlert, `{"orgId":"org-1","workspaceId":"ws-1","name":"n","content":"c","riskType":"LOW","actionType":1}`},
		{"repository, block", "ws-1", "repo-1", AIPolicyActionBlock, `{"orgId":"org-1","workspaceId":"ws-1","repoId":"repo-1","name":"n","content":"c","riskType":"LOW","actionType":2}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, validPolicyBody)
			c := newTestClient(t, srv.URL)
			req := base
			req.WorkspaceID, req.RepoID, req.ActionType = tt.workspaceID, tt.repoID, tt.action
			got, err := c.AIPolicies.Create(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, srv.requests()[0].Body, tt.body)
			// The answer is the policy as stored, not the request echoed.
			if *got != wantPolicy {
				t.Errorf("Create = %+v, want %+v", *got, wantPolicy)
			}
		})
	}
}

func TestAIPolicies_createRefusesIncompleteRequestsBeforeSending(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validPolicyBody)
	c := newTestClient(t, srv.URL)
	full := CreateAIPolicyRequest{OrgID: "org-1", WorkspaceID: "ws-1", RepoID: "repo-1", Name: "n", Content: "c", RiskType: AIPolicyRiskLow}
	for _, tt := range []struct {
		name string
		edit func(*CreateAIPolicyRequest)
		want string
	}{
		{"no org", func(r *CreateAIPolicyRequest) { r.OrgID = "" }, "organization"},
		{"repo without workspace", func(r *CreateAIPolicyRequest) { r.WorkspaceID = "" }, "repo-1"},
		{"no name", func(r *CreateAIPolicyRequest) { r.Name = "" }, `"name"`},
		{"no content or risk", func(r *CreateAIPolicyRequest) { r.Content, r.RiskType = "", "" }, `"content", "riskType"`},
	} {
		req := full
		tt.edit(&req)
		got, err := c.AIPolicies.Create(context.Background(), req)
		if got != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Create = %+v, %v; want an error mentioning %s", tt.name, got, err, tt.want)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestAIPolicies_createUnusableResponses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body string
		// wantID is the ID of the partial policy returned; "" wants none.
		wantID, reason string
	}{
		{"no policy", `{"success":true}`, "", `"policy"`},
		{"policy null", `{"success":true,"policy":null}`, "", `"policy"`},
		{"policy without id", `{"success":true,"policy":{"orgId":"o","name":"n","content":"c","riskType":"LOW","actionType":0}}`, "", `"id"`},
		{"policy without actionType", `{"success":true,"policy":{"id":"p9","orgId":"o","name":"n","content":"c","riskType":"LOW"}}`, "p9", `"actionType"`},
		{"policy without name and content", `{"success":true,"policy":{"id":"p9","orgId":"o","riskType":"LOW","actionType":1}}`, "p9", `"name", "content"`},
		{"field of the wrong type", `{"success":true,"policy":{"id":"p9","orgId":"o","name":7,"content":"c","riskType":"LOW","actionType":1}}`, "p9", "name"},
		{"actionType not an integer", `{"success":true,"policy":{"id":"p9","orgId":"o","name":"n","content":"c","riskType":"LOW","actionType":"block"}}`, "p9", "actionType"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			got, err := c.AIPolicies.Create(context.Background(), CreateAIPolicyRequest{OrgID: "o", Name: "n", Content: "c", RiskType: AIPolicyRiskLow})
			respErr := asResponseError(t, err)
			if !strings.Contains(respErr.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %s", respErr.Reason, tt.reason)
			}
			switch {
			case tt.wantID == "" && got != nil:
				t.Errorf("Create returned %+v, want nil", *got)
			case tt.wantID != "" && (got == nil || *got != AIPolicy{ID: tt.wantID}):
				t.Errorf("Create returned %+v, want only the ID %q to clean up with", got, tt.wantID)
			}
			if IsOutcomeUnknown(err) {
				t.Error("IsOutcomeUnknown is true for an answered create")
			}
		})
	}
}

func TestAIPolicies_listQueriesOneScope(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, workspaceID, repoID string
		want                      url.Values
	}{
		{"organization", "", "", url.Values{"orgId": {"org-1"}}},
		{"workspace", "ws-1", "", url.Values{"orgId": {"org-1"}, "workspaceId": {"ws-1"}}},
		{"repository", "ws-1", "repo-1", url.Values{"orgId": {"org-1"}, "workspaceId": {"ws-1"}, "repoId": {"repo-1"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, validPolicyListBody)
			c := newTestClient(t, srv.URL)
			policies, err := c.AIPolicies.List(context.Background(), "org-1", tt.workspaceID, tt.repoID)
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.query(0); got != tt.want.Encode() {
				t.Errorf("query = %q, want %q", got, tt.want.Encode())
			}
			if len(policies) != 2 || policies[0] != wantPolicy {
				t.Fatalf("List = %+v", policies)
			}
			second := AIPolicy{ID: "pol-2", OrgID: "org-1", Name: "Log all", Content: "Log everything", RiskType: AIPolicyRiskLow,
				ActionType: AIPolicyActionLog, CreatedAt: "2024-01-15T10:30:00.000Z", LastUpdatedAt: "2024-01-15T10:30:00.000Z"}
			if policies[1] != second {
				t.Errorf("second policy = %+v, want %+v", policies[1], second)
			}
		})
	}
}

func TestAIPolicies_listBrokenAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, body, reason string }{
		{"policies missing", `{"success":true}`, `"policies"`},
		{"policies null", `{"success":true,"policies":null}`, `"policies"`},
		{"entry without id", `{"success":true,"policies":[{"orgId":"o","name":"n","content":"c","riskType":"LOW","actionType":0}]}`, `policy 0 of the list has no "id"`},
		// 0 is a real action: only a missing one is broken.
		{"entry without actionType", `{"success":true,"policies":[{"id":"p","orgId":"o","name":"n","content":"c","riskType":"LOW","actionType":0},` +
			`{"id":"p2","orgId":"o","name":"n","content":"c","riskType":"LOW"}]}`, `policy 1 of the list has no "actionType"`},
		{"entry without orgId and riskType", `{"success":true,"policies":[{"id":"p","name":"n","content":"c","actionType":0}]}`, `"orgId", "riskType"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, tt.body)
			c := newTestClient(t, srv.URL)
			policies, err := c.AIPolicies.List(context.Background(), "o", "", "")
			if policies != nil {
				t.Errorf("List returned %v with its error", policies)
			}
			if respErr := asResponseError(t, err); !strings.Contains(respErr.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %s", respErr.Reason, tt.reason)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		srv := answer(t, 200, `{"success":true,"policies":[]}`)
		c := newTestClient(t, srv.URL)
		if policies, err := c.AIPolicies.List(context.Background(), "o", "", ""); err != nil || policies == nil || len(policies) != 0 {
			t.Errorf("List = %v, %v; want an empty, non-nil list", policies, err)
		}
	})
}

func TestAIPolicies_scopeKeyServesAListCache(t *testing.T) {
	t.Parallel()
	// IDs that would collide in a naive "org/ws/repo" key.
	scopes := [][3]string{
		{"org-1", "", ""}, {"org-1", "ws-1", ""}, {"org-1", "ws-1", "repo-1"},
		{"a/b", "c", ""}, {"a", "b/c", ""}, {"o&x=1", "w y", "r+%z"},
	}
	keys := map[string]bool{}
	for _, s := range scopes {
		keys[AIPolicyScopeKey(s[0], s[1], s[2])] = true
	}
	if len(keys) != len(scopes) {
		t.Fatalf("%d keys for %d scopes: %v", len(keys), len(scopes), keys)
	}

	srv := answer(t, 200, validPolicyListBody)
	c := newTestClient(t, srv.URL)
	lc := NewListCache(c.AIPolicies.ListScope, time.Minute)
	for i, s := range scopes {
		for range 2 {
			if _, err := lc.List(context.Background(), AIPolicyScopeKey(s[0], s[1], s[2])); err != nil {
				t.Fatal(err)
			}
		}
		want := policyQuery(s[0], s[1], s[2]).Encode()
		if got := srv.query(i); got != want {
			t.Errorf("scope %q listed with query %q, want %q", s, got, want)
		}
	}
	if n := srv.count(); n != len(scopes) {
		t.Errorf("%d lists for %d scopes listed twice each, want one per scope", n, len(scopes))
	}
	if _, err := c.AIPolicies.ListScope(context.Background(), "%zz"); err == nil || !strings.Contains(err.Error(), "scope key") {
		t.Errorf("ListScope of a malformed key = %v", err)
	}
}

func TestAIPolicies_getReadsOnePolicy(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validPolicyBody)
	c := newTestClient(t, srv.URL)
	got, err := c.AIPolicies.Get(context.Background(), "pol/1?")
	if err != nil || *got != wantPolicy {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, wantPolicy)
	}
	_, err = c.AIPolicies.Get(context.Background(), "pol-other")
	if respErr := asResponseError(t, err); !strings.Contains(respErr.Reason, `"pol/1?", not "pol-other"`) {
		t.Errorf("Get of another policy's answer: Reason = %q", respErr.Reason)
	}
}

func TestAIPolicies_getBrokenAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, body, reason string }{
		{"no policy", `{"success":true}`, `"policy"`},
		{"no content", `{"success":true,"policy":{"id":"p","orgId":"o","name":"n","riskType":"LOW","actionType":0}}`, `"content"`},
	} {
		srv := answer(t, 200, tt.body)
		c := newTestClient(t, srv.URL)
		got, err := c.AIPolicies.Get(context.Background(), "p")
		if respErr := asResponseError(t, err); got != nil || !strings.Contains(respErr.Reason, tt.reason) {
			t.Errorf("%s: Get = %+v, %v; want no policy and a reason naming %s", tt.name, got, err, tt.reason)
		}
	}
}

func TestAIPolicies_updateSendsOnlyTheFieldsSetAndNeverTheScope(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		req  UpdateAIPolicyRequest
		body string
	}{
		{"name", UpdateAIPolicyRequest{Name: strPtr("n2")}, `{"name":"n2"}`},
		{"content", UpdateAIPolicyRequest{Content: strPtr("c2")}, `{"content":"c2"}`},
		// An action of 0 that is set is sent.
		{"action log", UpdateAIPolicyRequest{ActionType: actionPtr(AIPolicyActionLog)}, `{"actionType":0}`},
		{"all", UpdateAIPolicyRequest{Name: strPtr("n"), Content: strPtr("c"), RiskType: strPtr(AIPolicyRiskMedium), ActionType: actionPtr(AIPolicyActionAlert)},
			`{"name":"n","content":"c","riskType":"MEDIUM","actionType":1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, 200, validPolicyBody)
			c := newTestClient(t, srv.URL)
			got, err := c.AIPolicies.Update(context.Background(), "pol/1?", tt.req)
			if err != nil || *got != wantPolicy {
				t.Fatalf("Update = %+v, %v; want the policy from the answer", got, err)
			}
			sameJSON(t, srv.requests()[0].Body, tt.body)
		})
	}
}

func TestAIPolicies_updateRefusesNothingAndEmptyValuesBeforeSending(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validPolicyBody)
	c := newTestClient(t, srv.URL)
	for _, tt := range []struct {
		name string
		req  UpdateAIPolicyRequest
		want string
	}{
		{"nothing", UpdateAIPolicyRequest{}, "changes nothing"},
		{"empty name", UpdateAIPolicyRequest{Name: strPtr(""), ActionType: actionPtr(AIPolicyActionLog)}, `"name"`},
		{"empty content and risk", UpdateAIPolicyRequest{Content: strPtr(""), RiskType: strPtr("")}, `"content", "riskType"`},
	} {
		got, err := c.AIPolicies.Update(context.Background(), "p1", tt.req)
		if got != nil || err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "p1") {
			t.Errorf("%s: Update = %+v, %v; want an error naming p1 and %s", tt.name, got, err, tt.want)
		}
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestAIPolicies_updateAnswerForAnotherPolicyIsBroken(t *testing.T) {
	t.Parallel()
	srv := answer(t, 200, validPolicyBody)
	c := newTestClient(t, srv.URL)
	got, err := c.AIPolicies.Update(context.Background(), "p1", UpdateAIPolicyRequest{Name: strPtr("n")})
	if respErr := asResponseError(t, err); got != nil || !strings.Contains(respErr.Reason, `not "p1"`) {
		t.Errorf("Update = %+v, %v", got, err)
	}
}
