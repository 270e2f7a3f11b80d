package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Operations on AI policies, as used by Fault.Op and Requests.
const (
	OpPolicyList   = "policy.list"
	OpPolicyGet    = "policy.get"
	OpPolicyCreate = "policy.create"
	OpPolicyUpdate = "policy.update"
	OpPolicyDelete = "policy.delete"
)

// ErrPolicyNotFound is returned by the policy hooks for an id that is unknown or
// already deleted: the cases in which the API answers 404.
var ErrPolicyNotFound = errors.New("AI policy not found")

// RiskTypes are the values the API accepts for a policy's riskType.
var RiskTypes = []string{"LOW", "MEDIUM", "HIGH"}

// MaxActionType is the largest actionType: 0 log, 1 alert, 2 block.
const MaxActionType = 2

// Policy is one stored AI policy, soft-deleted ones included. WorkspaceID and
// RepoID are "" where the scope is higher (null on the wire). Its JSON form is
// the data file's, not the wire's.
type Policy struct {
	ID            string     `json:"id"`
	OrgID         string     `json:"orgId"`
	WorkspaceID   string     `json:"workspaceId"`
	RepoID        string     `json:"repoId"`
	Name          string     `json:"name"`
	Content       string     `json:"content"`
	RiskType      string     `json:"riskType"`
	ActionType    int        `json:"actionType"`
	CreatedAt     time.Time  `json:"createdAt"`
	LastUpdatedAt time.Time  `json:"lastUpdatedAt"`
	DeletedAt     *time.Time `json:"deletedAt"`
}

type policyRecord struct {
	Policy
	Seq uint64 `json:"seq"`
}

func (p *policyRecord) live() bool { return p.DeletedAt == nil }

func policyRoutes() []route {
	return []route{
		{path: "/policy", endpoints: []endpoint{
			{method: http.MethodGet, op: OpPolicyList, handle: (*Server).listPolicies},
			{method: http.MethodPost, op: OpPolicyCreate, handle: (*Server).createPolicy},
		}},
		{path: "/policy/{policyId}", endpoints: []endpoint{
			{method: http.MethodGet, op: OpPolicyGet, handle: (*Server).getPolicy},
			{method: http.MethodPut, op: OpPolicyUpdate, handle: (*Server).updatePolicy},
			{method: http.MethodDelete, op: OpPolicyDelete, handle: (*Server).deletePolicy},
		}},
	}
}

// policyChange is what a create or update body sets; nil fields were not sent
// (or sent as null).
type policyChange struct {
	name, content, riskType *string
	actionType              *int
}

func readPolicyChange(f *fields) (policyChange, error) {
	c := policyChange{
		name:     optional(f, "name"),
		content:  optional(f, "content"),
		riskType: optional(f, "riskType"),
	}
	if v, ok := f.integer("actionType"); ok {
		c.actionType = &v
	}
	if f.err != nil {
		return c, f.err
	}
	return c, c.validate()
}

func (c policyChange) validate() error {
	if c.name != nil {
		if err := validateName(*c.name); err != nil {
			return err
		}
	}
	if c.content != nil && *c.content == "" {
		return errors.New("content must not be empty")
	}
	if c.riskType != nil && !slices.Contains(RiskTypes, *c.riskType) {
		return fmt.Errorf("riskType %q is not one of %v", *c.riskType, RiskTypes)
	}
	if c.actionType != nil && (*c.actionType < 0 || *c.actionType > MaxActionType) {
		return fmt.Errorf("actionType %d is not 0 (log), 1 (alert) or 2 (block)", *c.actionType)
	}
	return nil
}

func (c policyChange) empty() bool {
	return c.name == nil && c.content == nil && c.riskType == nil && c.actionType == nil
}

func (c policyChange) apply(p *Policy) {
	if c.name != nil {
		p.Name = *c.name
	}
	if c.content != nil {
		p.Content = *c.content
	}
	if c.riskType != nil {
		p.RiskType = *c.riskType
	}
	if c.actionType != nil {
		p.ActionType = *c.actionType
	}
}

// policyScopeLocked checks a scope that a create or a list names: 403 for an
// organization or workspace of which the caller is not a member, 404 for an
// unknown workspace or repo, 400 for a repo outside the workspace.
func (s *Server) policyScopeLocked(orgID, workspaceID, repoID string) (result, bool) {
	if orgID != s.orgID {
		return errorResult(http.StatusForbidden, "insufficient permissions: not a member of organization %s", orgID), false
	}
	if workspaceID == "" {
		return result{}, true
	}
	ws, ok := s.store.workspaces[workspaceID]
	if !ok || !ws.live() {
		return errorResult(http.StatusNotFound, "workspace %s not found", workspaceID), false
	}
	if ws.OrgID != orgID {
		return errorResult(http.StatusForbidden, "insufficient permissions for workspace %s", workspaceID), false
	}
	if repoID == "" {
		return result{}, true
	}
	repo, ok := s.store.repos[repoID]
	if !ok || !repo.live() {
		return errorResult(http.StatusNotFound, "repo %s not found", repoID), false
	}
	if repo.WorkspaceID != workspaceID {
		return errorResult(http.StatusBadRequest, "repo %s is not in workspace %s", repoID, workspaceID), false
	}
	return result{}, true
}

// policyLocked finds a live policy the caller may see: 404 if it is unknown or
// deleted, 403 if its organization or workspace is out of reach.
func (s *Server) policyLocked(id string) (*policyRecord, result, bool) {
	rec, ok := s.store.policies[id]
	if !ok || !rec.live() {
		return nil, errorResult(http.StatusNotFound, "%v: %s", ErrPolicyNotFound, id), false
	}
	if rec.OrgID != s.orgID || (rec.WorkspaceID != "" && !s.workspaceAccessibleLocked(rec.WorkspaceID)) {
		return nil, errorResult(http.StatusForbidden, "insufficient permissions for AI policy %s", id), false
	}
	return rec, result{}, true
}

type policyDTO struct {
	ID            string   `json:"id"`
	OrgID         string   `json:"orgId"`
	Name          string   `json:"name"`
	Content       string   `json:"content"`
	RiskType      string   `json:"riskType"`
	ActionType    int      `json:"actionType"`
	CreatedBy     userRef  `json:"createdBy"`
	CreatedAt     string   `json:"createdAt"`
	LastUpdatedBy userRef  `json:"lastUpdatedBy"`
	LastUpdatedAt string   `json:"lastUpdatedAt"`
	WorkspaceID   *string  `json:"workspaceId"`
	RepoID        *string  `json:"repoId"`
	Workspace     *nameRef `json:"workspace"`
	Repo          *nameRef `json:"repo"`
}

type userRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	LastName string `json:"lastName"`
	Email    string `json:"email"`
}

type nameRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

var theUser = userRef{ID: userID, Name: userName, LastName: userLastName, Email: userEmail}

func (s *Server) newPolicyDTOLocked(p *Policy) policyDTO {
	dto := policyDTO{
		ID:            p.ID,
		OrgID:         p.OrgID,
		Name:          p.Name,
		Content:       p.Content,
		RiskType:      p.RiskType,
		ActionType:    p.ActionType,
		CreatedBy:     theUser,
		CreatedAt:     formatTime(p.CreatedAt),
		LastUpdatedBy: theUser,
		LastUpdatedAt: formatTime(p.LastUpdatedAt),
	}
	if p.WorkspaceID != "" {
		dto.WorkspaceID = &p.WorkspaceID
		if ws, ok := s.store.workspaces[p.WorkspaceID]; ok {
			dto.Workspace = &nameRef{ID: ws.ID, Name: ws.Name}
		}
	}
	if p.RepoID != "" {
		dto.RepoID = &p.RepoID
		if repo, ok := s.store.repos[p.RepoID]; ok {
			dto.Repo = &nameRef{ID: repo.ID, Name: repo.Name}
		}
	}
	return dto
}

type policyBody struct {
	Success bool      `json:"success"`
	Policy  policyDTO `json:"policy"`
}

type policyListBody struct {
	Success  bool        `json:"success"`
	Policies []policyDTO `json:"policies"`
}

// listPolicies returns exactly the policies whose scope is the query's: a
// workspace query does not return the organization's policies, nor a repo query
// the workspace's.
func (s *Server) listPolicies(r *http.Request, _ map[string]string) result {
	orgID, hasOrg, err := queryID(r, "orgId")
	if err == nil && !hasOrg {
		err = errors.New("query parameter orgId is required")
	}
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	workspaceID, _, err := queryID(r, "workspaceId")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	repoID, _, err := queryID(r, "repoId")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if repoID != "" && workspaceID == "" {
		return errorResult(http.StatusBadRequest, "repoId needs workspaceId: give the repo's workspace too")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if res, ok := s.policyScopeLocked(orgID, workspaceID, repoID); !ok {
		return res
	}
	now := s.now()
	out := make([]policyDTO, 0)
	for _, rec := range s.sortedPoliciesLocked() {
		if rec.live() && rec.OrgID == orgID && rec.WorkspaceID == workspaceID && rec.RepoID == repoID && s.listed(rec.CreatedAt, now) {
			out = append(out, s.newPolicyDTOLocked(&rec.Policy))
		}
	}
	return okResult(policyListBody{Success: true, Policies: out})
}

func (s *Server) sortedPoliciesLocked() []*policyRecord {
	out := make([]*policyRecord, 0, len(s.store.policies))
	for _, rec := range s.store.policies {
		out = append(out, rec)
	}
	newestFirst(out, func(r *policyRecord) time.Time { return r.CreatedAt }, func(r *policyRecord) uint64 { return r.Seq })
	return out
}

func (s *Server) createPolicy(r *http.Request, _ map[string]string) result {
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	orgID, _ := f.str("orgId")
	workspaceID, hasWorkspace := f.str("workspaceId")
	repoID, hasRepo := f.str("repoId")
	c, err := readPolicyChange(f)
	switch {
	case err != nil:
		return errorResult(http.StatusBadRequest, "%v", err)
	case c.name == nil:
		return errorResult(http.StatusBadRequest, "name is required")
	case c.content == nil:
		return errorResult(http.StatusBadRequest, "content is required")
	case c.riskType == nil:
		return errorResult(http.StatusBadRequest, "riskType is required")
	case c.actionType == nil:
		return errorResult(http.StatusBadRequest, "actionType is required")
	case orgID == "":
		return errorResult(http.StatusBadRequest, "orgId is required")
	case hasWorkspace && workspaceID == "":
		return errorResult(http.StatusBadRequest, "workspaceId must not be empty; send null for an organization policy")
	case hasRepo && repoID == "":
		return errorResult(http.StatusBadRequest, "repoId must not be empty; send null for an organization or workspace policy")
	case hasRepo && !hasWorkspace:
		return errorResult(http.StatusBadRequest, "repoId needs workspaceId: give the repo's workspace too")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if res, ok := s.policyScopeLocked(orgID, workspaceID, repoID); !ok {
		return res
	}
	now := s.wireNow()
	rec := &policyRecord{
		Policy: Policy{
			ID:            newUUID(),
			OrgID:         orgID,
			WorkspaceID:   workspaceID,
			RepoID:        repoID,
			CreatedAt:     now,
			LastUpdatedAt: now,
		},
		Seq: s.store.nextSeq(),
	}
	c.apply(&rec.Policy)
	s.store.policies[rec.ID] = rec
	if err := s.persistLocked(func() { delete(s.store.policies, rec.ID) }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return result{
		status:    http.StatusOK,
		body:      policyBody{Success: true, Policy: s.newPolicyDTOLocked(&rec.Policy)},
		createdID: rec.ID,
	}
}

func (s *Server) getPolicy(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, res, ok := s.policyLocked(p["policyId"])
	if !ok {
		return res
	}
	return okResult(policyBody{Success: true, Policy: s.newPolicyDTOLocked(&rec.Policy)})
}

func (s *Server) updatePolicy(r *http.Request, p map[string]string) result {
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	for _, scope := range []string{"orgId", "workspaceId", "repoId"} {
		if f.present(scope) {
			return errorResult(http.StatusBadRequest, "%s cannot be changed: a policy's scope is fixed at creation", scope)
		}
	}
	c, err := readPolicyChange(f)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if c.empty() {
		return errorResult(http.StatusBadRequest, "the body changes nothing; send at least one of name, content, riskType, actionType")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, res, ok := s.policyLocked(p["policyId"])
	if !ok {
		return res
	}
	old := rec.Policy
	c.apply(&rec.Policy)
	rec.LastUpdatedAt = s.wireNow()
	if err := s.persistLocked(func() { rec.Policy = old }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(policyBody{Success: true, Policy: s.newPolicyDTOLocked(&rec.Policy)})
}

func (s *Server) deletePolicy(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, res, ok := s.policyLocked(p["policyId"])
	if !ok {
		return res
	}
	if err := s.deletePolicyLocked(rec); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(messageBody{Success: true, Message: "AI policy deleted successfully"})
}

func (s *Server) deletePolicyLocked(rec *policyRecord) error {
	deletedAt := s.wireNow()
	rec.DeletedAt = &deletedAt
	return s.persistLocked(func() { rec.DeletedAt = nil })
}

// livePolicyLocked finds a policy the hooks may change, whatever its scope.
func (s *Server) livePolicyLocked(id string) (*policyRecord, error) {
	rec, ok := s.store.policies[id]
	if !ok || !rec.live() {
		return nil, fmt.Errorf("%w: %s", ErrPolicyNotFound, id)
	}
	return rec, nil
}

// Policies returns copies of every AI policy, soft-deleted ones included (with
// DeletedAt set), newest first. ListLag does not hide any of them.
func (s *Server) Policies() []Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Policy
	for _, rec := range s.sortedPoliciesLocked() {
		out = append(out, rec.Policy)
	}
	return out
}

// DeletePolicy soft-deletes a policy as someone using the Flashback UI would. It
// returns an error wrapping ErrPolicyNotFound for an unknown or deleted id.
func (s *Server) DeletePolicy(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.livePolicyLocked(id)
	if err != nil {
		return err
	}
	return s.deletePolicyLocked(rec)
}

// UpdatePolicy changes a policy as someone using the Flashback UI would: change
// edits a copy, of which the name, content, riskType and actionType may change,
// under the API's rules; lastUpdatedAt is refreshed. It returns an error
// wrapping ErrPolicyNotFound for an unknown or deleted id.
func (s *Server) UpdatePolicy(id string, change func(*Policy)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.livePolicyLocked(id)
	if err != nil {
		return err
	}
	edited := rec.Policy
	change(&edited)
	fixed := func(p Policy) Policy {
		p.Name, p.Content, p.RiskType, p.ActionType = "", "", "", 0
		return p
	}
	if fixed(edited) != fixed(rec.Policy) {
		return fmt.Errorf("UpdatePolicy may change only the name, content, riskType and actionType of %s", id)
	}
	c := policyChange{name: &edited.Name, content: &edited.Content, riskType: &edited.RiskType, actionType: &edited.ActionType}
	if err := c.validate(); err != nil {
		return err
	}
	old := rec.Policy
	c.apply(&rec.Policy)
	rec.LastUpdatedAt = s.wireNow()
	return s.persistLocked(func() { rec.Policy = old })
}
