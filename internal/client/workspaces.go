package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Workspaces is the workspace service.
type Workspaces struct{ c *Client }

// Workspace is a workspace the caller can read. Its users are not decoded.
type Workspace struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	OrgID string `json:"orgId"`
}

func (w Workspace) required() []field {
	return []field{{"id", w.ID}, {"name", w.Name}, {"orgId", w.OrgID}}
}

const workspacesPath = "/workspace"

// List returns every workspace the caller can read.
func (s *Workspaces) List(ctx context.Context) ([]Workspace, error) {
	var out struct {
		Workspaces *[]Workspace `json:"workspaces"`
	}
	status, err := s.c.do(ctx, http.MethodGet, workspacesPath, nil, &out)
	if err != nil {
		return nil, err
	}
	if out.Workspaces == nil {
		return nil, lacks(status, http.MethodGet, workspacesPath, "the list response", "workspaces")
	}
	if err := checkEntries(status, http.MethodGet, workspacesPath, "workspace", *out.Workspaces, Workspace.required); err != nil {
		return nil, err
	}
	return *out.Workspaces, nil
}

// Get reads one workspace. The server answers 404 both for a workspace that
// does not exist and for one the caller may not read.
func (s *Workspaces) Get(ctx context.Context, id string) (*Workspace, error) {
	seg, err := pathSegment("workspace", id)
	if err != nil {
		return nil, err
	}
	path := workspacesPath + "/" + seg
	var out struct {
		Workspace *Workspace `json:"workspace"`
	}
	status, err := s.c.do(ctx, http.MethodGet, path, nil, &out)
	if err != nil {
		return nil, err
	}
	w := out.Workspace
	switch {
	case w == nil:
		return nil, lacks(status, http.MethodGet, path, "the read response", "workspace")
	case missing(w.required()...) != "":
		return nil, &ResponseError{StatusCode: status, Method: http.MethodGet, Path: path,
			Reason: "the workspace in the read response has no " + missing(w.required()...)}
	case w.ID != id:
		return nil, &ResponseError{StatusCode: status, Method: http.MethodGet, Path: path,
			Reason: fmt.Sprintf("the read response is for workspace %q, not %q", w.ID, id)}
	}
	return w, nil
}

// CreateWorkspaceRequest is a new workspace. Names need not be unique.
type CreateWorkspaceRequest struct {
	Name string `json:"name"`
}

// UpdateWorkspaceRequest renames a workspace: the only change the API offers.
type UpdateWorkspaceRequest struct {
	Name string `json:"name"`
}

// checkWritten checks the workspace of a write's answer. A workspace that has
// an ID but lacks another field is returned with only its ID, beside the
// *ResponseError, so that a caller can record or delete it.
func checkWritten(status int, method, path string, w *Workspace, wantID string) (*Workspace, error) {
	switch {
	case w == nil:
		return nil, lacks(status, method, path, "the response", "workspace")
	case w.ID == "":
		return nil, &ResponseError{StatusCode: status, Method: method, Path: path, Reason: `the workspace in the response has no "id"`}
	case wantID != "" && w.ID != wantID:
		return nil, &ResponseError{StatusCode: status, Method: method, Path: path,
			Reason: fmt.Sprintf("the response is for workspace %q, not %q", w.ID, wantID)}
	case missing(w.required()...) != "":
		return &Workspace{ID: w.ID}, &ResponseError{StatusCode: status, Method: method, Path: path,
			Reason: "the workspace in the response has no " + missing(w.required()...)}
	}
	return w, nil
}

// Create makes a workspace and returns it as the answer describes it (ID,
// name, organization): no read back is needed. The caller becomes its ADMIN.
// On a *ResponseError the workspace is non-nil, with only its ID, when the
// answer named it. An error for which IsOutcomeUnknown is true means the
// server may have made a workspace whose response was lost; names are not
// unique, so sending the create again may make a second one.
func (s *Workspaces) Create(ctx context.Context, req CreateWorkspaceRequest) (*Workspace, error) {
	if req.Name == "" {
		return nil, errors.New("cannot create a workspace without a name")
	}
	var out struct {
		Workspace *Workspace `json:"workspace"`
	}
	status, err := s.c.create(ctx, workspacesPath, req, &out)
	if err != nil {
		return nil, err
	}
	return checkWritten(status, http.MethodPost, workspacesPath, out.Workspace, "")
}

// Update renames a workspace and returns it as the answer describes it. An
// answer that cannot be read is a *ResponseError although the rename went
// through: read the workspace back with Get. The server answers 404 both for
// a workspace that does not exist and for one the caller may not change.
func (s *Workspaces) Update(ctx context.Context, id string, req UpdateWorkspaceRequest) (*Workspace, error) {
	seg, err := pathSegment("workspace", id)
	if err != nil {
		return nil, err
	}
	if req.Name == "" {
		return nil, fmt.Errorf("update of workspace %s sets no name: the name is all that can change", id)
	}
	path := workspacesPath + "/" + seg
	var out struct {
		Workspace *Workspace `json:"workspace"`
	}
	status, err := s.c.do(ctx, http.MethodPut, path, req, &out)
	if err != nil {
		return nil, err
	}
	w, err := checkWritten(status, http.MethodPut, path, out.Workspace, id)
	if err != nil {
		// The caller knows the ID already; the rename itself went through.
		return nil, err
	}
	return w, nil
}

// Delete deletes a workspace. The server refuses (400) while the workspace
// holds repositories or buckets; Delete then lists them and returns a
// *WorkspaceNotEmptyError naming them, which wraps the refusal (when the lists
// fail or show nothing, the refusal is returned as it is). A workspace that
// does not exist (any more), or that the caller may not delete, is a 404.
func (s *Workspaces) Delete(ctx context.Context, id string) error {
	seg, err := pathSegment("workspace", id)
	if err != nil {
		return err
	}
	_, err = s.c.do(ctx, http.MethodDelete, workspacesPath+"/"+seg, nil, nil)
	if !IsBadRequest(err) {
		return err
	}
	repos, listErr := s.c.Repos.ListWorkspace(ctx, id)
	if listErr != nil {
		return err
	}
	buckets, listErr := s.c.Buckets.List(ctx, id)
	if listErr != nil || len(repos)+len(buckets) == 0 {
		return err
	}
	return &WorkspaceNotEmptyError{WorkspaceID: id, Repos: repos, Buckets: buckets, Err: err}
}

// WorkspaceNotEmptyError is the refusal to delete a workspace that still
// holds repositories or buckets, with those its lists showed just after.
type WorkspaceNotEmptyError struct {
	WorkspaceID string
	Repos       []Repo
	Buckets     []Bucket
	// Err is the server's refusal, an *APIError.
	Err error
}

func (e *WorkspaceNotEmptyError) Error() string {
	var held []string
	if len(e.Repos) > 0 {
		names := make([]string, len(e.Repos))
		for i, r := range e.Repos {
			names[i] = fmt.Sprintf("%q (%s)", r.Name, r.ID)
		}
		held = append(held, "repositories "+strings.Join(names, ", "))
	}
	if len(e.Buckets) > 0 {
		names := make([]string, len(e.Buckets))
		for i, b := range e.Buckets {
			names[i] = fmt.Sprintf("%q (%s)", b.Name, b.ID)
		}
		held = append(held, "buckets "+strings.Join(names, ", "))
	}
	return fmt.Sprintf("workspace %s still holds %s: %v", e.WorkspaceID, strings.Join(held, " and "), e.Err)
}

func (e *WorkspaceNotEmptyError) Unwrap() error { return e.Err }
