package client

import (
	"context"
	"fmt"
	"net/http"
)

// Workspaces is the workspace service, read only.
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
