package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Risk types of an AI policy.
const (
	AIPolicyRiskLow    = "LOW"
	AIPolicyRiskMedium = "MEDIUM"
	AIPolicyRiskHigh   = "HIGH"
)

// AIPolicyRiskTypes lists every risk type, in the order the API documents them.
func AIPolicyRiskTypes() []string {
	return []string{AIPolicyRiskLow, AIPolicyRiskMedium, AIPolicyRiskHigh}
}

// AIPolicyAction is what the gateway does with traffic that breaks a policy.
// It is an integer on the wire.
type AIPolicyAction int

const (
	// AIPolicyActionLog only logs.
	AIPolicyActionLog AIPolicyAction = 0
	// AIPolicyActionAlert logs and notifies the administrators.
	AIPolicyActionAlert AIPolicyAction = 1
	// AIPolicyActionBlock stops the request and alerts.
	AIPolicyActionBlock AIPolicyAction = 2
)

// aiPolicyActionNames are the words Flashback itself uses for the actions
// (POST /policy/recommend), indexed by the wire value.
var aiPolicyActionNames = []string{"log", "alert", "block"}

// AIPolicyActionNames lists the actions' names in the order of their values.
func AIPolicyActionNames() []string {
	return append([]string(nil), aiPolicyActionNames...)
}

// String returns the action's name, or its number for a value the API does
// not document.
func (a AIPolicyAction) String() string {
	if a >= 0 && int(a) < len(aiPolicyActionNames) {
		return aiPolicyActionNames[a]
	}
	return strconv.Itoa(int(a))
}

// ParseAIPolicyAction returns the action named name ("log", "alert" or
// "block").
func ParseAIPolicyAction(name string) (AIPolicyAction, bool) {
	for i, n := range aiPolicyActionNames {
		if n == name {
			return AIPolicyAction(i), true
		}
	}
	return 0, false
}

// AIPolicies is the AI policy service. A policy's scope (organization,
// workspace, repository) is fixed when it is created.
type AIPolicies struct{ c *Client }

// AIPolicy is a policy as the API returns it. WorkspaceID and RepoID are
// empty above the scope they name (null on the wire).
type AIPolicy struct {
	ID            string
	OrgID         string
	WorkspaceID   string
	RepoID        string
	Name          string
	Content       string
	RiskType      string
	ActionType    AIPolicyAction
	CreatedAt     string
	LastUpdatedAt string
}

// aiPolicyWire tells an actionType of 0 from a missing one, and decodes only
// what AIPolicy holds (not who created or changed the policy).
type aiPolicyWire struct {
	ID            string          `json:"id"`
	OrgID         string          `json:"orgId"`
	WorkspaceID   string          `json:"workspaceId"`
	RepoID        string          `json:"repoId"`
	Name          string          `json:"name"`
	Content       string          `json:"content"`
	RiskType      string          `json:"riskType"`
	ActionType    *AIPolicyAction `json:"actionType"`
	CreatedAt     string          `json:"createdAt"`
	LastUpdatedAt string          `json:"lastUpdatedAt"`
}

// required are the fields every policy has: a policy without them is a
// broken answer, not drift.
func (w *aiPolicyWire) required() []field {
	action := "set"
	if w.ActionType == nil {
		action = ""
	}
	return []field{{"id", w.ID}, {"orgId", w.OrgID}, {"name", w.Name}, {"content", w.Content},
		{"riskType", w.RiskType}, {"actionType", action}}
}

func (w *aiPolicyWire) policy() AIPolicy {
	p := AIPolicy{ID: w.ID, OrgID: w.OrgID, WorkspaceID: w.WorkspaceID, RepoID: w.RepoID, Name: w.Name, Content: w.Content,
		RiskType: w.RiskType, CreatedAt: w.CreatedAt, LastUpdatedAt: w.LastUpdatedAt}
	if w.ActionType != nil {
		p.ActionType = *w.ActionType
	}
	return p
}

// CreateAIPolicyRequest is a new policy. OrgID, Name, Content and RiskType are
// required; WorkspaceID narrows the scope to a workspace, and RepoID, which
// needs WorkspaceID, to one repository of it.
type CreateAIPolicyRequest struct {
	OrgID       string         `json:"orgId"`
	WorkspaceID string         `json:"workspaceId,omitempty"`
	RepoID      string         `json:"repoId,omitempty"`
	Name        string         `json:"name"`
	Content     string         `json:"content"`
	RiskType    string         `json:"riskType"`
	ActionType  AIPolicyAction `json:"actionType"`
}

// UpdateAIPolicyRequest changes the fields that are set. The scope cannot
// change, so it has no scope fields.
type UpdateAIPolicyRequest struct {
	Name       *string         `json:"name,omitempty"`
	Content    *string         `json:"content,omitempty"`
	RiskType   *string         `json:"riskType,omitempty"`
	ActionType *AIPolicyAction `json:"actionType,omitempty"`
}

type aiPolicyResponse struct {
	Policy *aiPolicyWire `json:"policy"`
}

const aiPoliciesPath = "/policy"

func aiPolicyPath(id string) (string, error) {
	seg, err := pathSegment("AI policy", id)
	return aiPoliciesPath + "/" + seg, err
}

// policyQuery is the query of a list of one scope.
func policyQuery(orgID, workspaceID, repoID string) url.Values {
	q := url.Values{"orgId": {orgID}}
	if workspaceID != "" {
		q.Set("workspaceId", workspaceID)
	}
	if repoID != "" {
		q.Set("repoId", repoID)
	}
	return q
}

// AIPolicyScopeKey names the scope (organization, workspace or repository) of
// a list of policies, so that a ListCache keyed by it can serve ListScope.
func AIPolicyScopeKey(orgID, workspaceID, repoID string) string {
	return policyQuery(orgID, workspaceID, repoID).Encode()
}

// ListScope lists the scope that key, from AIPolicyScopeKey, names. Its
// signature is a ListFunc.
func (s *AIPolicies) ListScope(ctx context.Context, key string) ([]AIPolicy, error) {
	q, err := url.ParseQuery(key)
	if err != nil {
		return nil, fmt.Errorf("%q is not an AI policy scope key: %w", key, err)
	}
	return s.List(ctx, q.Get("orgId"), q.Get("workspaceId"), q.Get("repoId"))
}

// checkScope refuses a scope the API does not define before anything is sent.
func checkScope(orgID, workspaceID, repoID string) error {
	if orgID == "" {
		return errors.New("an AI policy scope needs an organization id")
	}
	if repoID != "" && workspaceID == "" {
		return fmt.Errorf("an AI policy scope with repository %s needs that repository's workspace id", repoID)
	}
	return nil
}

// Create makes a policy and returns it as the server stored it. On a
// *ResponseError the policy is non-nil, with only its ID, when the body named
// it. An error for which IsOutcomeUnknown is true means the server may have
// made a policy whose response was lost.
func (s *AIPolicies) Create(ctx context.Context, req CreateAIPolicyRequest) (*AIPolicy, error) {
	if err := checkScope(req.OrgID, req.WorkspaceID, req.RepoID); err != nil {
		return nil, err
	}
	if m := missing(field{"name", req.Name}, field{"content", req.Content}, field{"riskType", req.RiskType}); m != "" {
		return nil, fmt.Errorf("cannot create an AI policy without %s", m)
	}
	var out aiPolicyResponse
	status, err := s.c.create(ctx, aiPoliciesPath, req, &out)
	if err != nil {
		var respErr *ResponseError
		if errors.As(err, &respErr) && out.Policy != nil && out.Policy.ID != "" {
			return &AIPolicy{ID: out.Policy.ID}, err
		}
		return nil, err
	}
	return onePolicy(status, http.MethodPost, aiPoliciesPath, "the create response", "", out.Policy)
}

// onePolicy checks the policy of a create, read or update answer. want, when
// set, is the ID the policy must have.
func onePolicy(status int, method, path, what, want string, w *aiPolicyWire) (*AIPolicy, error) {
	if w == nil {
		return nil, lacks(status, method, path, what, "policy")
	}
	if m := missing(w.required()...); m != "" {
		respErr := &ResponseError{StatusCode: status, Method: method, Path: path, Reason: fmt.Sprintf("the policy in %s has no %s", what, m)}
		if want == "" && w.ID != "" {
			return &AIPolicy{ID: w.ID}, respErr
		}
		return nil, respErr
	}
	if want != "" && w.ID != want {
		return nil, &ResponseError{StatusCode: status, Method: method, Path: path,
			Reason: fmt.Sprintf("%s is for policy %q, not %q", what, w.ID, want)}
	}
	p := w.policy()
	return &p, nil
}

// List returns the policies of one scope: the organization's when workspaceID
// is empty, a workspace's when repoID is empty, else a repository's. Whether
// the server also returns policies of other scopes is not documented: callers
// match on ID and scope, and read a policy they miss with Get before they
// conclude it is gone.
func (s *AIPolicies) List(ctx context.Context, orgID, workspaceID, repoID string) ([]AIPolicy, error) {
	if err := checkScope(orgID, workspaceID, repoID); err != nil {
		return nil, err
	}
	var out struct {
		Policies *[]aiPolicyWire `json:"policies"`
	}
	status, err := s.c.doQuery(ctx, http.MethodGet, aiPoliciesPath, policyQuery(orgID, workspaceID, repoID), nil, &out)
	if err != nil {
		return nil, err
	}
	if out.Policies == nil {
		return nil, lacks(status, http.MethodGet, aiPoliciesPath, "the list response", "policies")
	}
	err = checkEntries(status, http.MethodGet, aiPoliciesPath, "policy", *out.Policies, func(w aiPolicyWire) []field {
		return w.required()
	})
	if err != nil {
		return nil, err
	}
	policies := make([]AIPolicy, len(*out.Policies))
	for i := range *out.Policies {
		policies[i] = (*out.Policies)[i].policy()
	}
	return policies, nil
}

// Get reads one policy. A deleted or unknown policy is a 404.
func (s *AIPolicies) Get(ctx context.Context, id string) (*AIPolicy, error) {
	path, err := aiPolicyPath(id)
	if err != nil {
		return nil, err
	}
	var out aiPolicyResponse
	status, err := s.c.do(ctx, http.MethodGet, path, nil, &out)
	if err != nil {
		return nil, err
	}
	return onePolicy(status, http.MethodGet, path, "the read response", id, out.Policy)
}

// Update changes the fields of req that are set and returns the policy as the
// server stored it. It refuses, before sending anything, a request that sets
// nothing or sets a text field to "".
func (s *AIPolicies) Update(ctx context.Context, id string, req UpdateAIPolicyRequest) (*AIPolicy, error) {
	path, err := aiPolicyPath(id)
	if err != nil {
		return nil, err
	}
	err = checkUpdate("AI policy", id, req.ActionType != nil,
		optional{"name", req.Name}, optional{"content", req.Content}, optional{"riskType", req.RiskType})
	if err != nil {
		return nil, err
	}
	var out aiPolicyResponse
	status, err := s.c.do(ctx, http.MethodPut, path, req, &out)
	if err != nil {
		return nil, err
	}
	return onePolicy(status, http.MethodPut, path, "the update response", id, out.Policy)
}

// Delete removes a policy: it stops being enforced and leaves lists and reads,
// while its history stays. Deleting it again is a 404.
func (s *AIPolicies) Delete(ctx context.Context, id string) error {
	path, err := aiPolicyPath(id)
	if err != nil {
		return err
	}
	_, err = s.c.do(ctx, http.MethodDelete, path, nil, nil)
	return err
}
