package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Operations on workspaces, as used by Fault.Op and Requests.
const (
	OpWorkspaceList = "workspace.list"
	OpWorkspaceGet  = "workspace.get"
)

// The organization and workspace that Options use when they name none.
const (
	DefaultOrgID         = "emulator-org"
	DefaultOrgName       = "Emulated Organization"
	DefaultWorkspaceID   = "emulator-workspace"
	DefaultWorkspaceName = "Default Workspace"
)

// Workspace declares a workspace in Options.Workspaces.
type Workspace struct {
	ID string
	// Name defaults to ID.
	Name string
	// OrgID is the workspace's organization; "" means Options.OrgID. The token
	// cannot access a workspace of another organization, nor its repos.
	OrgID string
}

// directory is what Options declare: the caller's organization, the workspaces
// and the repos. Only AddRepo changes it after New.
type directory struct {
	orgID, orgName string
	workspaces     map[string]*Workspace
	workspaceOrder []string
	repos          map[string]*repoEntry
	repoOrder      []string
}

func newDirectory(opts Options, now time.Time) (*directory, error) {
	d := &directory{
		orgID:      opts.OrgID,
		orgName:    opts.OrgName,
		workspaces: make(map[string]*Workspace),
		repos:      make(map[string]*repoEntry),
	}
	if d.orgID == "" {
		d.orgID = DefaultOrgID
	}
	if d.orgName == "" {
		d.orgName = DefaultOrgName
	}
	for _, ws := range opts.Workspaces {
		if ws.ID == "" {
			return nil, errors.New("emulator options: a workspace has no id")
		}
		if _, dup := d.workspaces[ws.ID]; dup {
			return nil, fmt.Errorf("emulator options: workspace %s is declared twice", ws.ID)
		}
		d.addWorkspace(ws)
	}
	created := now.UTC().Truncate(time.Millisecond)
	for _, id := range opts.Repos {
		if id == "" {
			return nil, errors.New("emulator options: a repo in Repos has an empty id")
		}
		// Repeating a repo in Repos has always been harmless.
		if _, dup := d.repos[id]; !dup {
			d.addRepo(Repo{ID: id}, created)
		}
	}
	for _, repo := range opts.WorkspaceRepos {
		if repo.ID == "" {
			return nil, errors.New("emulator options: a repo in WorkspaceRepos has an empty id")
		}
		if _, dup := d.repos[repo.ID]; dup {
			return nil, fmt.Errorf("emulator options: repo %s is declared twice", repo.ID)
		}
		if repo.WorkspaceID != "" && d.workspaces[repo.WorkspaceID] == nil {
			return nil, fmt.Errorf("emulator options: repo %s is in workspace %s, which Workspaces does not declare", repo.ID, repo.WorkspaceID)
		}
		d.addRepo(repo, created)
	}
	return d, nil
}

func (d *directory) addWorkspace(ws Workspace) {
	if ws.Name == "" {
		ws.Name = ws.ID
	}
	if ws.OrgID == "" {
		ws.OrgID = d.orgID
	}
	d.workspaces[ws.ID] = &ws
	d.workspaceOrder = append(d.workspaceOrder, ws.ID)
}

// addRepo adds a repo whose id is new, in the default workspace unless it names
// another.
func (d *directory) addRepo(repo Repo, createdAt time.Time) {
	if repo.WorkspaceID == "" {
		repo.WorkspaceID = DefaultWorkspaceID
		if d.workspaces[DefaultWorkspaceID] == nil {
			d.addWorkspace(Workspace{ID: DefaultWorkspaceID, Name: DefaultWorkspaceName})
		}
	}
	d.repos[repo.ID] = newRepoEntry(repo, createdAt)
	d.repoOrder = append(d.repoOrder, repo.ID)
}

func (d *directory) workspaceAccessible(id string) bool {
	ws, ok := d.workspaces[id]
	return ok && ws.OrgID == d.orgID
}

func (d *directory) repoAccessible(id string) bool {
	repo, ok := d.repos[id]
	return ok && d.workspaceAccessible(repo.WorkspaceID)
}

// workspaceForbiddenLocked answers 403 for a workspace the caller cannot access,
// existing or not, as AI LLM configurations and repo lists do.
func (s *Server) workspaceForbiddenLocked(id string) (result, bool) {
	if s.dir.workspaceAccessible(id) {
		return result{}, false
	}
	return errorResult(http.StatusForbidden, "insufficient permissions for workspace %s", id), true
}

func workspaceRoutes() []route {
	return []route{
		{path: "/workspace", endpoints: []endpoint{
			{method: http.MethodGet, op: OpWorkspaceList, handle: (*Server).listWorkspaces},
		}},
		{path: "/workspace/{id}", endpoints: []endpoint{
			{method: http.MethodGet, op: OpWorkspaceGet, handle: (*Server).getWorkspace},
		}},
	}
}

type workspaceDTO struct {
	ID    string             `json:"id"`
	Name  string             `json:"name"`
	OrgID string             `json:"orgId"`
	Users []workspaceUserDTO `json:"users"`
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

func newWorkspaceDTO(ws *Workspace) workspaceDTO {
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

func (s *Server) listWorkspaces(_ *http.Request, _ map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]workspaceDTO, 0)
	for _, id := range s.dir.workspaceOrder {
		if s.dir.workspaceAccessible(id) {
			out = append(out, newWorkspaceDTO(s.dir.workspaces[id]))
		}
	}
	return okResult(workspaceListBody{Success: true, Workspaces: out})
}

// getWorkspace answers 404 for a workspace the caller cannot access, as for one
// that does not exist: the contract documents one 404 for both.
func (s *Server) getWorkspace(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p["id"]
	if !s.dir.workspaceAccessible(id) {
		return errorResult(http.StatusNotFound, "workspace %s not found or access denied", id)
	}
	return okResult(workspaceBody{Success: true, Workspace: newWorkspaceDTO(s.dir.workspaces[id])})
}
