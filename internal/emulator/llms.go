package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Operations on AI LLM configurations, as used by Fault.Op and Requests.
const (
	OpLLMList      = "llm.list"
	OpLLMAvailable = "llm.available"
	OpLLMCreate    = "llm.create"
	OpLLMUpdate    = "llm.update"
	OpLLMDelete    = "llm.delete"
	OpLLMValidate  = "llm.validate"
)

var (
	// ErrLLMNotFound is returned by the hooks for an AI LLM configuration id that
	// does not exist (any more): the cases in which the API answers 404.
	ErrLLMNotFound = errors.New("AI LLM configuration not found")
	// ErrLLMInUse is returned by DeleteLLM while a repo references the
	// configuration: the case in which the API answers 403.
	ErrLLMInUse = errors.New("AI LLM configuration is in use")
)

// LLM is one stored AI LLM configuration, including what the API never shows
// (Secret, Key). Its JSON form is the data file's, not the wire's.
type LLM struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"orgId"`
	WorkspaceID string    `json:"workspaceId"`
	UserID      string    `json:"userId"`
	Name        string    `json:"name"`
	AIType      string    `json:"aiType"`
	Endpoint    string    `json:"endpoint"`
	Key         string    `json:"key"`
	Secret      string    `json:"secret"`
	APIKeyUUID  string    `json:"apiKeyUuid,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	// Validated is true while the last validate succeeded and neither the type,
	// the endpoint nor a credential has changed since: GET /ai/llm/available lists
	// exactly these.
	Validated bool `json:"validated"`
}

type llmRecord struct {
	LLM
	Seq uint64 `json:"seq"`
}

func llmRoutes() []route {
	return []route{
		{path: "/ai/llm", endpoints: []endpoint{
			{method: http.MethodGet, op: OpLLMList, handle: (*Server).listLLMs},
			{method: http.MethodPost, op: OpLLMCreate, handle: (*Server).createLLM},
		}},
		{path: "/ai/llm/available", endpoints: []endpoint{
			{method: http.MethodGet, op: OpLLMAvailable, handle: (*Server).listAvailableLLMs},
		}},
		{path: "/ai/llm/{id}", endpoints: []endpoint{
			{method: http.MethodPut, op: OpLLMUpdate, handle: (*Server).updateLLM},
			{method: http.MethodDelete, op: OpLLMDelete, handle: (*Server).deleteLLM},
			{method: http.MethodGet, absent: "AI LLM configurations cannot be read one by one; list them with GET /ai/llm?workspaceId="},
		}},
		{path: "/ai/llm/{id}/validate", endpoints: []endpoint{
			{method: http.MethodPost, op: OpLLMValidate, handle: (*Server).validateLLM},
		}},
	}
}

// llmChange is what a create or update body sets; nil fields were not sent (or
// sent as null).
type llmChange struct {
	name, aiType, endpoint, key, secret, apiKeyUUID *string
}

func (c llmChange) empty() bool {
	return c.name == nil && c.aiType == nil && c.endpoint == nil && c.key == nil && c.secret == nil && c.apiKeyUUID == nil
}

func optional(f *fields, name string) *string {
	if v, ok := f.str(name); ok {
		return &v
	}
	return nil
}

func readLLMChange(f *fields) (llmChange, error) {
	c := llmChange{
		name:       optional(f, "name"),
		aiType:     optional(f, "aiType"),
		endpoint:   optional(f, "endpoint"),
		key:        optional(f, "key"),
		secret:     optional(f, "secret"),
		apiKeyUUID: optional(f, "apiKeyUuid"),
	}
	if f.err != nil {
		return c, f.err
	}
	if c.name != nil {
		if err := validateName(*c.name); err != nil {
			return c, err
		}
	}
	if c.aiType != nil {
		if err := validateAIType(*c.aiType); err != nil {
			return c, err
		}
	}
	if c.endpoint != nil {
		if err := validateEndpoint(*c.endpoint); err != nil {
			return c, err
		}
	}
	if c.secret != nil && *c.secret == "" {
		return c, errors.New("secret must not be empty")
	}
	if c.apiKeyUUID != nil && *c.apiKeyUUID == "" {
		return c, errors.New("apiKeyUuid must not be empty")
	}
	return c, nil
}

func validateEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("endpoint %q must be an absolute URL, such as https://api.openai.com/v1", endpoint)
	}
	return nil
}

// apply sets what c carries, and reports whether anything that validation
// checked (all but the name) changed.
func (c llmChange) apply(l *LLM) (revalidate bool) {
	set := func(dst *string, src *string) {
		if src != nil && *dst != *src {
			*dst = *src
			revalidate = true
		}
	}
	if c.name != nil {
		l.Name = *c.name
	}
	set(&l.AIType, c.aiType)
	set(&l.Endpoint, c.endpoint)
	set(&l.Key, c.key)
	set(&l.Secret, c.secret)
	set(&l.APIKeyUUID, c.apiKeyUUID)
	return revalidate
}

// validation is what POST /ai/llm/{id}/validate concludes, without calling out:
// an http(s) endpoint and a secret pass.
func validation(l *LLM) (ok bool, message string) {
	u, err := url.Parse(l.Endpoint)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return false, "Validation failed: endpoint unreachable (the emulator needs an absolute http or https URL)"
	case l.Secret == "":
		return false, "Validation failed: invalid API key (no secret is set)"
	}
	return true, "Connection established and credentials verified."
}

// llmNamedLocked finds another configuration of the workspace with the name.
func (s *Server) llmNamedLocked(workspaceID, name, exceptID string) *llmRecord {
	for _, rec := range s.store.llms {
		if rec.WorkspaceID == workspaceID && rec.Name == name && rec.ID != exceptID {
			return rec
		}
	}
	return nil
}

// llmUsersLocked returns the live repos that reference the configuration,
// whether the attachment came from a PUT /repo, a declaration or AttachLLM.
func (s *Server) llmUsersLocked(id string) []*repoRecord {
	var users []*repoRecord
	for _, repo := range s.sortedReposLocked() {
		if repo.live() && slices.Contains(s.store.attachments[repo.ID], id) {
			users = append(users, repo)
		}
	}
	return users
}

func (s *Server) sortedLLMsLocked() []*llmRecord {
	out := make([]*llmRecord, 0, len(s.store.llms))
	for _, rec := range s.store.llms {
		out = append(out, rec)
	}
	newestFirst(out, func(r *llmRecord) time.Time { return r.CreatedAt }, func(r *llmRecord) uint64 { return r.Seq })
	return out
}

type llmDTO struct {
	ID          string       `json:"id"`
	OrgID       string       `json:"orgId"`
	WorkspaceID string       `json:"workspaceId"`
	UserID      string       `json:"userId"`
	Name        string       `json:"name"`
	AIType      string       `json:"aiType"`
	Endpoint    *string      `json:"endpoint"`
	Key         *string      `json:"key"`
	APIKeyID    string       `json:"apiKeyId,omitempty"`
	CreatedAt   string       `json:"createdAt"`
	Repos       []llmRepoDTO `json:"repos"`
}

type llmRepoDTO struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
}

// newLLMDTOLocked shows a configuration as lists do: key always null, the secret
// never.
func (s *Server) newLLMDTOLocked(rec *llmRecord) llmDTO {
	var endpoint *string
	if rec.Endpoint != "" {
		endpoint = &rec.Endpoint
	}
	repos := make([]llmRepoDTO, 0)
	for _, repo := range s.llmUsersLocked(rec.ID) {
		repos = append(repos, llmRepoDTO{ID: repo.ID, Name: repo.Name, CreatedAt: formatTime(repo.CreatedAt)})
	}
	return llmDTO{
		ID:          rec.ID,
		OrgID:       rec.OrgID,
		WorkspaceID: rec.WorkspaceID,
		UserID:      rec.UserID,
		Name:        rec.Name,
		AIType:      rec.AIType,
		Endpoint:    endpoint,
		APIKeyID:    rec.APIKeyUUID,
		CreatedAt:   formatTime(rec.CreatedAt),
		Repos:       repos,
	}
}

type llmListBody struct {
	Success bool     `json:"success"`
	AILLMs  []llmDTO `json:"aiLlms"`
}

type llmIDBody struct {
	Success bool   `json:"success"`
	AILLMID string `json:"aiLlmId"`
	Message string `json:"message"`
}

func (s *Server) listLLMs(r *http.Request, _ map[string]string) result {
	workspaceID, byWorkspace, err := queryID(r, "workspaceId")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if byWorkspace {
		if res, forbidden := s.workspaceForbiddenLocked(workspaceID); forbidden {
			return res
		}
	}
	return s.llmListLocked(func(rec *llmRecord) bool { return !byWorkspace || rec.WorkspaceID == workspaceID })
}

func (s *Server) listAvailableLLMs(_ *http.Request, _ map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.llmListLocked(func(rec *llmRecord) bool { return rec.Validated })
}

// llmListLocked lists, newest first, the configurations that keep selects among
// those of accessible workspaces that ListLag does not hide.
func (s *Server) llmListLocked(keep func(*llmRecord) bool) result {
	now := s.now()
	out := make([]llmDTO, 0)
	for _, rec := range s.sortedLLMsLocked() {
		if s.workspaceAccessibleLocked(rec.WorkspaceID) && s.listed(rec.CreatedAt, now) && keep(rec) {
			out = append(out, s.newLLMDTOLocked(rec))
		}
	}
	return okResult(llmListBody{Success: true, AILLMs: out})
}

func (s *Server) createLLM(r *http.Request, _ map[string]string) result {
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	workspaceID, hasWorkspace := f.str("workspaceId")
	c, err := readLLMChange(f)
	switch {
	case err != nil:
		return errorResult(http.StatusBadRequest, "%v", err)
	case c.name == nil:
		return errorResult(http.StatusBadRequest, "name is required")
	case c.aiType == nil:
		return errorResult(http.StatusBadRequest, "aiType is required")
	case !hasWorkspace || workspaceID == "":
		return errorResult(http.StatusBadRequest, "workspaceId is required")
	case c.apiKeyUUID == nil && (c.endpoint == nil || c.secret == nil):
		return errorResult(http.StatusBadRequest, "endpoint and secret are required (or apiKeyUuid, to use a stored provider API key)")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if res, forbidden := s.workspaceForbiddenLocked(workspaceID); forbidden {
		return res
	}
	if s.llmNamedLocked(workspaceID, *c.name, "") != nil {
		return errorResult(http.StatusBadRequest, "an AI LLM configuration named %q already exists in workspace %s", *c.name, workspaceID)
	}
	rec := &llmRecord{
		LLM: LLM{
			ID:          newUUID(),
			OrgID:       s.store.workspaces[workspaceID].OrgID,
			WorkspaceID: workspaceID,
			UserID:      userID,
			CreatedAt:   s.wireNow(),
		},
		Seq: s.store.nextSeq(),
	}
	c.apply(&rec.LLM)
	s.store.llms[rec.ID] = rec
	if err := s.persistLocked(func() { delete(s.store.llms, rec.ID) }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return result{
		status:    http.StatusOK,
		body:      llmIDBody{Success: true, AILLMID: rec.ID, Message: "AI LLM configuration created successfully"},
		createdID: rec.ID,
	}
}

// llmLocked finds a configuration the caller may change: 404 if it does not
// exist, 403 if its workspace is out of reach.
func (s *Server) llmLocked(id string) (*llmRecord, result, bool) {
	rec, ok := s.store.llms[id]
	if !ok {
		return nil, errorResult(http.StatusNotFound, "%v: %s", ErrLLMNotFound, id), false
	}
	if !s.workspaceAccessibleLocked(rec.WorkspaceID) {
		return nil, errorResult(http.StatusForbidden, "insufficient permissions for AI LLM configuration %s in workspace %s", id, rec.WorkspaceID), false
	}
	return rec, result{}, true
}

func (s *Server) updateLLM(r *http.Request, p map[string]string) result {
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if f.present("workspaceId") {
		return errorResult(http.StatusBadRequest, "workspaceId cannot be changed: an AI LLM configuration stays in its workspace")
	}
	c, err := readLLMChange(f)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if c.empty() {
		return errorResult(http.StatusBadRequest, "the body changes nothing; send at least one of name, aiType, endpoint, key, secret, apiKeyUuid")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec, res, ok := s.llmLocked(p["id"])
	if !ok {
		return res
	}
	if c.name != nil && s.llmNamedLocked(rec.WorkspaceID, *c.name, rec.ID) != nil {
		return errorResult(http.StatusBadRequest, "an AI LLM configuration named %q already exists in workspace %s", *c.name, rec.WorkspaceID)
	}
	old := rec.LLM
	if c.apply(&rec.LLM) {
		rec.Validated = false
	}
	if err := s.persistLocked(func() { rec.LLM = old }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(llmIDBody{Success: true, AILLMID: rec.ID, Message: "AI LLM configuration updated successfully"})
}

func (s *Server) deleteLLM(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, res, ok := s.llmLocked(p["id"])
	if !ok {
		return res
	}
	if err := s.deleteLLMLocked(rec); err != nil {
		if errors.Is(err, ErrLLMInUse) {
			return errorResult(http.StatusForbidden, "%v", err)
		}
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(messageBody{Success: true, Message: "AI LLM configuration deleted successfully"})
}

func (s *Server) deleteLLMLocked(rec *llmRecord) error {
	if users := s.llmUsersLocked(rec.ID); len(users) > 0 {
		return fmt.Errorf("%w: AI LLM configuration %s is used by repos %s; detach it from them first",
			ErrLLMInUse, rec.ID, repoNames(users))
	}
	delete(s.store.llms, rec.ID)
	return s.persistLocked(func() { s.store.llms[rec.ID] = rec })
}

type validateBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

func (s *Server) validateLLM(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, res, ok := s.llmLocked(p["id"])
	if !ok {
		return res
	}
	valid, message := validation(&rec.LLM)
	if s.failValidation {
		valid, message = false, "Validation failed: the emulator was told to fail every validation"
	}
	old := rec.Validated
	rec.Validated = valid
	if err := s.persistLocked(func() { rec.Validated = old }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(validateBody{Success: valid, Message: message})
}

// ForceValidationFailure makes every POST /ai/llm/{id}/validate fail (200 with
// success false) while on, whatever the configuration holds.
func (s *Server) ForceValidationFailure(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failValidation = on
}

// LLMs returns copies of the AI LLM configurations of a workspace ("" = every
// workspace), secrets and keys included, newest first. ListLag does not hide
// any of them.
func (s *Server) LLMs(workspaceID string) []LLM {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []LLM
	for _, rec := range s.sortedLLMsLocked() {
		if workspaceID == "" || rec.WorkspaceID == workspaceID {
			out = append(out, rec.LLM)
		}
	}
	return out
}

// DeleteLLM deletes an AI LLM configuration as someone using the Flashback UI
// would. It returns an error wrapping ErrLLMNotFound for an unknown id, or
// ErrLLMInUse while a repo references it.
func (s *Server) DeleteLLM(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.store.llms[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrLLMNotFound, id)
	}
	return s.deleteLLMLocked(rec)
}

// UpdateLLM changes an AI LLM configuration as someone using the Flashback UI
// would: change edits a copy, of which the name, type, endpoint, key, secret and
// apiKeyUuid may change, under the API's rules (a valid name unique in the
// workspace, a known type, an absolute endpoint URL). It returns an error
// wrapping ErrLLMNotFound for an unknown id.
func (s *Server) UpdateLLM(id string, change func(*LLM)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.store.llms[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrLLMNotFound, id)
	}
	edited := rec.LLM
	change(&edited)
	fixed := func(l LLM) LLM {
		l.Name, l.AIType, l.Endpoint, l.Key, l.Secret, l.APIKeyUUID = "", "", "", "", "", ""
		return l
	}
	if fixed(edited) != fixed(rec.LLM) {
		return fmt.Errorf("UpdateLLM may change only the name, type, endpoint, key, secret and apiKeyUuid of %s", id)
	}
	c := llmChange{name: &edited.Name, aiType: &edited.AIType, endpoint: &edited.Endpoint,
		key: &edited.Key, secret: &edited.Secret, apiKeyUUID: &edited.APIKeyUUID}
	if err := validateName(edited.Name); err != nil {
		return err
	}
	if err := validateAIType(edited.AIType); err != nil {
		return err
	}
	if edited.Endpoint != "" {
		if err := validateEndpoint(edited.Endpoint); err != nil {
			return err
		}
	}
	if s.llmNamedLocked(rec.WorkspaceID, edited.Name, id) != nil {
		return fmt.Errorf("an AI LLM configuration named %q already exists in workspace %s", edited.Name, rec.WorkspaceID)
	}
	old := rec.LLM
	if c.apply(&rec.LLM) {
		rec.Validated = false
	}
	return s.persistLocked(func() { rec.LLM = old })
}
