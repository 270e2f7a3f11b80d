package emulator

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

type wireWorkspace struct {
	ID    string              `json:"id"`
	Name  string              `json:"name"`
	OrgID string              `json:"orgId"`
	Users []wireWorkspaceUser `json:"users"`
}

type wireWorkspaceUser struct {
	UserID string `json:"userId"`
	Role   string `json:"role"`
	User   struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		LastName string `json:"lastName"`
		Email    string `json:"email"`
		OrgRole  int    `json:"orgRole"`
	} `json:"user"`
}

type wireWorkspaceList struct {
	Success    bool            `json:"success"`
	Workspaces []wireWorkspace `json:"workspaces"`
}

type wireWorkspaceBody struct {
	Success   bool          `json:"success"`
	Workspace wireWorkspace `json:"workspace"`
}

func (h *harness) listWorkspaces() []wireWorkspace {
	h.t.Helper()
	var list wireWorkspaceList
	expectOK(h.t, h.do(http.MethodGet, "/workspace", ""), &list)
	return list.Workspaces
}

func TestWorkspaceListAndGet(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	list := h.listWorkspaces()
	var got []string
	for _, ws := range list {
		got = append(got, ws.ID+"="+ws.Name+"@"+ws.OrgID)
	}
	if want := []string{"ws-1=Production@org-1", "ws-2=Staging@org-1"}; !slices.Equal(got, want) {
		t.Fatalf("workspaces = %v, want %v (never another organization's)", got, want)
	}
	if u := list[0].Users; len(u) != 1 || u[0].UserID != userID || u[0].Role != "ADMIN" || u[0].User.Email != userEmail {
		t.Errorf("users = %+v, want the caller as ADMIN", u)
	}

	var one wireWorkspaceBody
	expectOK(t, h.do(http.MethodGet, "/workspace/ws-2", ""), &one)
	if !one.Success || !reflect.DeepEqual(one.Workspace, list[1]) {
		t.Errorf("GET /workspace/ws-2 = %+v, want %+v", one.Workspace, list[1])
	}
	expectErrorMentioning(t, h.do(http.MethodGet, "/workspace/ws-x", ""), http.StatusNotFound, "ws-x")
	expectError(t, h.do(http.MethodGet, "/workspace/unknown", ""), http.StatusNotFound)
}

func TestDefaultWorkspaceOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	for _, ws := range h.listWorkspaces() {
		if ws.ID == DefaultWorkspaceID {
			t.Errorf("the default workspace exists though no repo needs it")
		}
	}

	h = newHarness(t, Options{Repos: []string{"r1"}})
	if list := h.listWorkspaces(); len(list) != 1 || list[0].ID != DefaultWorkspaceID ||
		list[0].Name != DefaultWorkspaceName || list[0].OrgID != DefaultOrgID {
		t.Errorf("workspaces = %+v, want only the default one", list)
	}

	h = newHarness(t, Options{
		Repos:          []string{"r1"},
		Workspaces:     []Workspace{{ID: DefaultWorkspaceID, Name: "Renamed default"}, {ID: "ws-1"}},
		WorkspaceRepos: []Repo{{ID: "r2"}},
	})
	list := h.listWorkspaces()
	if len(list) != 2 || list[0].Name != "Renamed default" || list[1].Name != "ws-1" {
		t.Errorf("workspaces = %+v, want the declared default first and ws-1 named after its id", list)
	}
	if got := repoIDs(h.listRepos("?workspaceId=" + DefaultWorkspaceID)); !slices.Equal(got, []string{"r1", "r2"}) {
		t.Errorf("default workspace repos = %v", got)
	}
}

func TestNewRejectsContradictoryDeclarations(t *testing.T) {
	t.Parallel()
	cases := map[string]Options{
		"workspace without id":     {Workspaces: []Workspace{{Name: "x"}}},
		"workspace declared twice": {Workspaces: []Workspace{{ID: "w"}, {ID: "w"}}},
		"empty repo in Repos":      {Repos: []string{""}},
		"repo without id":          {WorkspaceRepos: []Repo{{Name: "x"}}},
		"repo in both lists":       {Repos: []string{"r"}, WorkspaceRepos: []Repo{{ID: "r"}}},
		"repo declared twice":      {WorkspaceRepos: []Repo{{ID: "r"}, {ID: "r"}}},
		"undeclared workspace":     {WorkspaceRepos: []Repo{{ID: "r", WorkspaceID: "nowhere"}}},
	}
	for label, opts := range cases {
		if _, err := New(opts); err == nil {
			t.Errorf("%s: New accepted it", label)
		} else if !strings.Contains(err.Error(), "emulator options") {
			t.Errorf("%s: error %q does not say it is about the options", label, err)
		}
	}
}
