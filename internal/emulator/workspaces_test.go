package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
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

type wireWorkspaceRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	OrgID string `json:"orgId"`
}

type wireWorkspaceWritten struct {
	Success   bool             `json:"success"`
	Workspace wireWorkspaceRef `json:"workspace"`
}

func (h *harness) createWorkspace(name string) wireWorkspaceRef {
	h.t.Helper()
	resp := h.do(http.MethodPost, "/workspace", fmt.Sprintf(`{"name":%q}`, name))
	if resp.status != http.StatusCreated {
		h.t.Fatalf("create workspace: status %d, want 201; body %s", resp.status, resp.body)
	}
	var created wireWorkspaceWritten
	decodeStrict(h.t, resp.body, &created)
	if !created.Success || !uuidV4Pattern.MatchString(created.Workspace.ID) {
		h.t.Fatalf("create body %+v: want success and a UUID", created)
	}
	return created.Workspace
}

func workspaceIDs(list []wireWorkspace) []string {
	var out []string
	for _, ws := range list {
		out = append(out, ws.ID)
	}
	return out
}

func TestWorkspaceCreateRenameDelete(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	created := h.createWorkspace("Research")
	if created.Name != "Research" || created.OrgID != "org-1" {
		t.Errorf("created = %+v", created)
	}
	// Names need not be unique.
	twin := h.createWorkspace("Research")
	if got := workspaceIDs(h.listWorkspaces()); !slices.Equal(got, []string{"ws-1", "ws-2", created.ID, twin.ID}) {
		t.Errorf("workspaces = %v, want the new ones after the declared ones", got)
	}
	var one wireWorkspaceBody
	expectOK(t, h.do(http.MethodGet, "/workspace/"+created.ID, ""), &one)
	if one.Workspace.Name != "Research" || len(one.Workspace.Users) != 1 || one.Workspace.Users[0].Role != "ADMIN" {
		t.Errorf("GET = %+v, want the creator as ADMIN", one.Workspace)
	}

	var renamed wireWorkspaceWritten
	expectOK(t, h.do(http.MethodPut, "/workspace/"+created.ID, `{"name":"Research & Development"}`), &renamed)
	if renamed.Workspace != (wireWorkspaceRef{ID: created.ID, Name: "Research & Development", OrgID: "org-1"}) {
		t.Errorf("rename answered %+v", renamed)
	}
	expectOK(t, h.do(http.MethodGet, "/workspace/"+created.ID, ""), &one)
	if one.Workspace.Name != "Research & Development" {
		t.Errorf("GET after rename = %+v", one.Workspace)
	}
	// A declared workspace can be renamed too.
	expectOK(t, h.do(http.MethodPut, "/workspace/ws-2", `{"name":"Staging 2"}`), &renamed)

	expectOK(t, h.do(http.MethodDelete, "/workspace/"+created.ID, ""), &wireMessage{})
	expectError(t, h.do(http.MethodGet, "/workspace/"+created.ID, ""), http.StatusNotFound)
	expectError(t, h.do(http.MethodPut, "/workspace/"+created.ID, `{"name":"x"}`), http.StatusNotFound)
	expectError(t, h.do(http.MethodDelete, "/workspace/"+created.ID, ""), http.StatusNotFound)
	expectError(t, h.do(http.MethodGet, "/ai/llm?workspaceId="+created.ID, ""), http.StatusForbidden)
	if got := workspaceIDs(h.listWorkspaces()); !slices.Equal(got, []string{"ws-1", "ws-2", twin.ID}) {
		t.Errorf("workspaces after delete = %v", got)
	}
	for _, id := range []string{"unknown", "ws-x"} {
		expectErrorMentioning(t, h.do(http.MethodPut, "/workspace/"+id, `{"name":"x"}`), http.StatusNotFound, id)
		expectErrorMentioning(t, h.do(http.MethodDelete, "/workspace/"+id, ""), http.StatusNotFound, id)
	}
	if got := h.emu.Workspaces(); len(got) != 4 || got[1].Name != "Staging 2" {
		t.Errorf("Workspaces() = %+v, want every organization's live ones", got)
	}
}

func TestWorkspaceWritesRejectInvalidBodies(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	for _, c := range []struct{ method, path, body, mention string }{
		{http.MethodPost, "/workspace", `{}`, "name is required"},
		{http.MethodPost, "/workspace", `{"name":""}`, "name must not be empty"},
		{http.MethodPost, "/workspace", `{"name":7}`, "name must be a string"},
		{http.MethodPost, "/workspace", fmt.Sprintf(`{"name":%q}`, strings.Repeat("n", MaxNameLength+1)), "at most"},
		{http.MethodPost, "/workspace", ``, "empty"},
		{http.MethodPut, "/workspace/ws-1", `{}`, "changes nothing"},
		{http.MethodPut, "/workspace/ws-1", `{"name":null}`, "changes nothing"},
		{http.MethodPut, "/workspace/ws-1", `{"name":"x","orgId":"org-2"}`, "orgId cannot be changed"},
		{http.MethodPut, "/workspace/ws-1", `{"name":""}`, "name must not be empty"},
	} {
		expectErrorMentioning(t, h.do(c.method, c.path, c.body), http.StatusBadRequest, c.mention)
	}
	if got := h.emu.Workspaces(); len(got) != 3 || got[0].Name != "Production" {
		t.Errorf("refused writes changed the workspaces: %+v", got)
	}
}

// A workspace that holds live repos or buckets cannot be deleted, and the
// refusal names them; AI LLM configurations and policies do not block it.
func TestWorkspaceDeleteRefusedWhileReposOrBucketsRemain(t *testing.T) {
	t.Parallel()
	h := newGateway(t, gatewayBuckets)
	ws := h.createWorkspace("Temporary")
	bucket, err := h.emu.AddBucket(Bucket{WorkspaceID: ws.ID, Name: "tmp-bucket"})
	if err != nil {
		t.Fatal(err)
	}
	repo := h.createRepo(repoBody(ws.ID, "tmp-repo", "NORMAL", "[]", "[]"))
	h.createLLM(ws.ID, "tmp-llm")
	h.createPolicy("tmp-policy", ws.ID, "")

	expectErrorMentioning(t, h.do(http.MethodDelete, "/workspace/"+ws.ID, ""), http.StatusBadRequest,
		"Cannot delete workspace with existing buckets or repos", repo+" (tmp-repo)", bucket.ID+" (tmp-bucket)")
	expectOK(t, h.do(http.MethodDelete, "/repo/"+repo, ""), &wireMessage{})
	msg := expectError(t, h.do(http.MethodDelete, "/workspace/"+ws.ID, ""), http.StatusBadRequest)
	if strings.Contains(msg.Message, repo) || !strings.Contains(msg.Message, bucket.ID) {
		t.Errorf("refusal %q, want only the bucket named", msg.Message)
	}
	if err := h.emu.DeleteBucket(bucket.ID); err != nil {
		t.Fatal(err)
	}
	expectOK(t, h.do(http.MethodDelete, "/workspace/"+ws.ID, ""), &wireMessage{})

	// The declared ones hold repos (ws-1, ws-2) and buckets.
	expectErrorMentioning(t, h.do(http.MethodDelete, "/workspace/ws-1", ""), http.StatusBadRequest, "repo-a (gateway)", "b-1 (Backups)")
}

func TestWorkspaceListLagHidesNewWorkspacesFromListsOnly(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now; o.ListLag = time.Minute })
	ws := h.createWorkspace("young")
	if got := workspaceIDs(h.listWorkspaces()); !slices.Equal(got, []string{"ws-1", "ws-2"}) {
		t.Errorf("workspaces = %v: a new one is listed before ListLag, or a declared one hidden", got)
	}
	expectOK(t, h.do(http.MethodGet, "/workspace/"+ws.ID, ""), &wireWorkspaceBody{})
	h.createLLM(ws.ID, "usable at once")
	clock.Advance(time.Minute)
	if got := workspaceIDs(h.listWorkspaces()); !slices.Contains(got, ws.ID) {
		t.Errorf("workspaces after ListLag = %v", got)
	}
}

// With nothing declared the server holds the organization alone, and the API
// builds everything from there, then takes it all down again.
func TestEmptyOrganization(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Repos: []string{}, OrgID: "org-1"})
	for _, path := range []string{"/workspace", "/repo", "/bucket", "/ai/llm"} {
		if body := string(h.do(http.MethodGet, path, "").body); !strings.HasSuffix(body, `":[]}`) {
			t.Errorf("GET %s = %s, want an empty list", path, body)
		}
	}
	var profile struct {
		Success bool `json:"success"`
		Data    struct {
			OrgID string `json:"orgId"`
		} `json:"data"`
	}
	if err := json.Unmarshal(h.do(http.MethodGet, "/user/profile", "").body, &profile); err != nil || profile.Data.OrgID != "org-1" {
		t.Errorf("profile = %+v, %v", profile, err)
	}

	ws := h.createWorkspace("Production")
	llm := h.createLLM(ws.ID, "openai")
	repo := h.createRepo(repoBody(ws.ID, "assistant", "NORMAL", "[]", llmList(llm)))
	key := h.create(repo, "app", "OPENAI")
	h.createPolicy("pii", ws.ID, repo)
	if r := h.repo(repo); !slices.Equal(llmIDsOf(r), []string{llm}) || len(r.AIAPIKeys) != 1 || r.AIAPIKeys[0].ID != key.ID {
		t.Errorf("repo = %+v", r)
	}

	expectError(t, h.do(http.MethodDelete, llmPath(llm), ""), http.StatusForbidden)
	expectError(t, h.do(http.MethodDelete, "/workspace/"+ws.ID, ""), http.StatusBadRequest)
	expectOK(t, h.do(http.MethodDelete, itemPath(repo, key.ID), ""), &wireMessage{})
	expectOK(t, h.do(http.MethodDelete, "/repo/"+repo, ""), &wireMessage{})
	expectOK(t, h.do(http.MethodDelete, llmPath(llm), ""), &wireMessage{})
	expectOK(t, h.do(http.MethodDelete, "/workspace/"+ws.ID, ""), &wireMessage{})
	if len(h.emu.Workspaces())+len(h.emu.Repos(""))+len(h.emu.LLMs(""))+len(h.emu.LiveKeys("")) != 0 {
		t.Errorf("left behind: %+v %+v %+v %+v", h.emu.Workspaces(), h.emu.Repos(""), h.emu.LLMs(""), h.emu.LiveKeys(""))
	}
}
