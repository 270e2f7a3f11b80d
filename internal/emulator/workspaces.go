package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Operations on workspaces, as used by Fault.Op and Requests.
const (
	OpWorkspaceList   = "workspace.list"
	OpWorkspaceGet    = "workspace.get"
	OpWorkspaceCreate = "workspace.create"
	OpWorkspaceUpdate = "workspace.update"
	OpWorkspaceDelete = "workspace.delete"
)

// The organization and workspace that Options use when they name none.
const (
	DefaultOrgID         = "emulator-org"
	DefaultOrgName       = "Emulated Organization"
	DefaultWorkspaceID   = "emulator-workspace"
	DefaultWorkspaceName = "Default Workspace"
)

// ErrWorkspaceNotFound is returned by the hooks for a workspace that does not
// exist (any more).
var ErrWorkspaceNotFound = errors.New("workspace not found")

// Workspace declares a workspace in Options.Workspaces, and is what Workspaces
// returns.
type Workspace struct {
	ID string
	// Name defaults to ID.
	Name string
	// OrgID is the workspace's organization; "" means Options.OrgID. The token
	// cannot access a workspace of another organization, nor its repos.
	OrgID string
}

// workspaceRecord is a stored workspace. Its JSON form is the data file's.
type workspaceRecord struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	OrgID     string     `json:"orgId"`
	CreatedAt time.Time  `json:"createdAt"`
	DeletedAt *time.Time `json:"deletedAt,omitempty"`
	// ViaAPI marks a workspace made by POST /workspace: ListLag hides only
	// those, never one that Options declared.
	ViaAPI bool   `json:"viaApi,omitempty"`
	Seq    uint64 `json:"seq"`
}

func (w *workspaceRecord) live() bool { return w.DeletedAt == nil }

// workspaceAccessibleLocked reports whether the caller can use a workspace: it
// exists, is not deleted and belongs to the caller's organization.
func (s *Server) workspaceAccessibleLocked(id string) bool {
	ws, ok := s.store.workspaces[id]
	return ok && ws.live() && ws.OrgID == s.orgID
}

// repoAccessibleLocked reports whether the caller can use a repo: it exists, is
// not deleted, and its workspace is accessible.
func (s *Server) repoAccessibleLocked(id string) bool {
	repo, ok := s.store.repos[id]
	return ok && repo.live() && s.workspaceAccessibleLocked(repo.WorkspaceID)
}

// workspaceForbiddenLocked answers 403 for a workspace the caller cannot access,
// existing or not, as AI LLM configurations and repo lists do.
func (s *Server) workspaceForbiddenLocked(id string) (result, bool) {
	if s.workspaceAccessibleLocked(id) {
		return result{}, false
	}
	return errorResult(http.StatusForbidden, "insufficient permissions for workspace %s", id), true
}

func workspaceRoutes() []route {
	return []route{
		{path: "/workspace", endpoints: []endpoint{
			{method: http.MethodGet, op: OpWorkspaceList, handle: (*Server).listWorkspaces},
			{method: http.MethodPost, op: OpWorkspaceCreate, handle: (*Server).createWorkspace},
		}},
		{path: "/workspace/{id}", endpoints: []endpoint{
			{method: http.MethodGet, op: OpWorkspaceGet, handle: (*Server).getWorkspace},
			{method: http.MethodPut, op: OpWorkspaceUpdate, handle: (*Server).updateWorkspace},
			{method: http.MethodDelete, op: OpWorkspaceDelete, handle: (*Server).deleteWorkspace},
		}},
	}
}

type workspaceDTO struct {
	ID    string             `json:"id"`
	Name  string             `json:"name"`
	OrgID string             `json:"orgId"`
	Users []workspaceUserDTO `json:"users"`
}

// workspaceRefDTO is the workspace as writes answer with it: without users.
type workspaceRefDTO struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	OrgID string `json:"orgId"`
}

type workspaceUserDTO struct {
	UserID string        `json:"userId"`
	Role   string        `json:"role"`
	User   workspaceUser `json:"user"`
}

type workspaceUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	LastName string `json:"lastName"`
	Email    string `json:"email"`
	OrgRole  int    `json:"orgRole"`
}

func newWorkspaceDTO(ws *workspaceRecord) workspaceDTO {
	return workspaceDTO{
		ID:    ws.ID,
		Name:  ws.Name,
		OrgID: ws.OrgID,
		Users: []workspaceUserDTO{{
			UserID: userID,
			Role:   "ADMIN",
			User:   workspaceUser{ID: userID, Name: userName, LastName: userLastName, Email: userEmail, OrgRole: userOrgRole},
		}},
	}
}

type workspaceListBody struct {
	Success    bool           `json:"success"`
	Workspaces []workspaceDTO `json:"workspaces"`
}

type workspaceBody struct {
	Success   bool         `json:"success"`
	Workspace workspaceDTO `json:"workspace"`
}

type workspaceWrittenBody struct {
	Success   bool            `json:"success"`
	Workspace workspaceRefDTO `json:"workspace"`
}

func (s *Server) sortedWorkspacesLocked() []*workspaceRecord {
	return oldestFirst(s.store.workspaces, func(w *workspaceRecord) uint64 { return w.Seq })
}

func (s *Server) listWorkspaces(_ *http.Request, _ map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]workspaceDTO, 0)
	for _, ws := range s.sortedWorkspacesLocked() {
		if s.workspaceAccessibleLocked(ws.ID) && (!ws.ViaAPI || s.listed(ws.CreatedAt, now)) {
			out = append(out, newWorkspaceDTO(ws))
		}
	}
	return okResult(workspaceListBody{Success: true, Workspaces: out})
}

// workspaceLocked finds a workspace the caller may read or change. It answers
// 404 for one the caller cannot access, as for one that does not exist or was
// deleted: the contract documents one 404 for both.
func (s *Server) workspaceLocked(id string) (*workspaceRecord, result, bool) {
	if !s.workspaceAccessibleLocked(id) {
		return nil, errorResult(http.StatusNotFound, "workspace %s not found or access denied", id), false
	}
	return s.store.workspaces[id], result{}, true
}

func (s *Server) getWorkspace(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, res, ok := s.workspaceLocked(p["id"])
	if !ok {
		return res
	}
	return okResult(workspaceBody{Success: true, Workspace: newWorkspaceDTO(ws)})
}

// createWorkspace answers 201, unlike every other create of the emulator, as
// the contract documents. Names need not be unique.
func (s *Server) createWorkspace(r *http.Request, _ map[string]string) result {
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	name, hasName := f.str("name")
	switch {
	case f.err != nil:
		return errorResult(http.StatusBadRequest, "%v", f.err)
	case !hasName:
		return errorResult(http.StatusBadRequest, "name is required")
	}
	if err := validateName(name); err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ws := &workspaceRecord{ID: newUUID(), Name: name, OrgID: s.orgID, CreatedAt: s.wireNow(), ViaAPI: true, Seq: s.store.nextSeq()}
	s.store.workspaces[ws.ID] = ws
	if err := s.persistLocked(func() { delete(s.store.workspaces, ws.ID) }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return result{
		status:    http.StatusCreated,
		body:      workspaceWrittenBody{Success: true, Workspace: workspaceRefDTO{ID: ws.ID, Name: ws.Name, OrgID: ws.OrgID}},
		createdID: ws.ID,
	}
}

func (s *Server) updateWorkspace(r *http.Request, p map[string]string) result {
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if f.present("orgId") {
		return errorResult(http.StatusBadRequest, "orgId cannot be changed: a workspace stays in its organization")
	}
	name, hasName := f.str("name")
	switch {
	case f.err != nil:
		return errorResult(http.StatusBadRequest, "%v", f.err)
	case !hasName:
		return errorResult(http.StatusBadRequest, "the body changes nothing; send the workspace's name")
	}
	if err := validateName(name); err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ws, res, ok := s.workspaceLocked(p["id"])
	if !ok {
		return res
	}
	old := ws.Name
	ws.Name = name
	if err := s.persistLocked(func() { ws.Name = old }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(workspaceWrittenBody{Success: true, Workspace: workspaceRefDTO{ID: ws.ID, Name: ws.Name, OrgID: ws.OrgID}})
}

// deleteWorkspace soft-deletes a workspace that holds no live repo or bucket.
// The refusal names what is left, so that whoever reads it knows what to
// delete first; AI LLM configurations and policies do not block it.
func (s *Server) deleteWorkspace(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws, res, ok := s.workspaceLocked(p["id"])
	if !ok {
		return res
	}
	if left := s.workspaceContentsLocked(ws.ID); left != "" {
		return errorResult(http.StatusBadRequest, "Cannot delete workspace with existing buckets or repos: workspace %s still holds %s", ws.ID, left)
	}
	deletedAt := s.wireNow()
	ws.DeletedAt = &deletedAt
	if err := s.persistLocked(func() { ws.DeletedAt = nil }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(messageBody{Success: true, Message: "Workspace deleted successfully"})
}

// workspaceContentsLocked describes the live repos and buckets of a workspace,
// or returns "" when it holds none.
func (s *Server) workspaceContentsLocked(id string) string {
	var repos, buckets []string
	for _, repo := range s.sortedReposLocked() {
		if repo.live() && repo.WorkspaceID == id {
			repos = append(repos, fmt.Sprintf("%s (%s)", repo.ID, repo.Name))
		}
	}
	for _, b := range s.sortedBucketsLocked() {
		if b.live() && b.WorkspaceID == id {
			buckets = append(buckets, fmt.Sprintf("%s (%s)", b.ID, b.Name))
		}
	}
	var parts []string
	if len(repos) > 0 {
		parts = append(parts, "repos "+strings.Join(repos, ", "))
	}
	if len(buckets) > 0 {
		parts = append(parts, "buckets "+strings.Join(buckets, ", "))
	}
	return strings.Join(parts, " and ")
}

// Workspaces returns the live workspaces of every organization, in the order
// GET /workspace lists them. ListLag does not hide any of them.
func (s *Server) Workspaces() []Workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Workspace
	for _, ws := range s.sortedWorkspacesLocked() {
		if ws.live() {
			out = append(out, Workspace{ID: ws.ID, Name: ws.Name, OrgID: ws.OrgID})
		}
	}
	return out
}
