package emulator

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The repo wire shapes as the contract spells them.
type wireRepo struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	StorageType string           `json:"storageType"`
	Mode        string           `json:"mode"`
	WorkspaceID string           `json:"workspaceId"`
	Buckets     []wireBucket     `json:"buckets"`
	AILLMs      []wireRepoLLM    `json:"aiLlms"`
	APIKeys     []wireStorageKey `json:"apiKeys"`
	AIAPIKeys   []wireKey        `json:"aiApiKeys"`
	CreatedAt   string           `json:"createdAt"`
	Disabled    bool             `json:"disabled"`
}

type wireBucket struct {
	Folder   string `json:"folder"`
	Master   bool   `json:"master"`
	BucketID string `json:"bucketId"`
}

type wireRepoLLM struct {
	AILLMID string   `json:"aiLlmId"`
	AILLM   *wireLLM `json:"aiLlm"`
}

type wireStorageKey struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	AccessType string `json:"accessType"`
	Key        string `json:"key"`
	Secret     struct {
		Key     string `json:"key"`
		IV      string `json:"iv"`
		AuthTag string `json:"authTag"`
		Message string `json:"message"`
	} `json:"secret"`
	CreatedAt string `json:"createdAt"`
}

type wireRepoList struct {
	Success bool       `json:"success"`
	Repos   []wireRepo `json:"repos"`
}

func (h *harness) listRepos(query string) []wireRepo {
	h.t.Helper()
	var list wireRepoList
	expectOK(h.t, h.do(http.MethodGet, "/repo"+query, ""), &list)
	if !list.Success {
		h.t.Fatalf("list repos %s: success false", query)
	}
	return list.Repos
}

func repoIDs(repos []wireRepo) []string {
	var out []string
	for _, r := range repos {
		out = append(out, r.ID)
	}
	return out
}

func TestRepoListShape(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now })
	llm := h.createLLM("ws-1", "openai")
	if err := h.emu.AttachLLM("repo-a", llm); err != nil {
		t.Fatal(err)
	}
	key := h.create("repo-a", "app key", "OPENAI")

	resp := h.do(http.MethodGet, "/repo?repoId=repo-a", "")
	if strings.Contains(string(resp.body), key.Secret) || strings.Contains(string(resp.body), "sk-openai") {
		t.Fatalf("the repo listing leaks an AI secret: %s", resp.body)
	}
	var list wireRepoList
	expectOK(t, resp, &list)
	if len(list.Repos) != 1 {
		t.Fatalf("repos = %+v, want repo-a", list.Repos)
	}
	repo := list.Repos[0]
	if repo.ID != "repo-a" || repo.Name != "gateway" || repo.WorkspaceID != "ws-1" || repo.StorageType != "S3" ||
		repo.Mode != "NORMAL" || repo.CreatedAt != "2024-01-15T10:30:00.000Z" || repo.Disabled ||
		len(repo.Buckets) != 1 || !uuidV4Pattern.MatchString(repo.Buckets[0].BucketID) {
		t.Errorf("repo = %+v", repo)
	}
	if len(repo.AILLMs) != 1 || repo.AILLMs[0].AILLMID != llm || repo.AILLMs[0].AILLM == nil ||
		repo.AILLMs[0].AILLM.ID != llm || repo.AILLMs[0].AILLM.Name != "openai" {
		t.Errorf("aiLlms = %+v, want %s in aiLlmId and aiLlm.id", repo.AILLMs, llm)
	}
	if len(repo.AIAPIKeys) != 1 || repo.AIAPIKeys[0].ID != key.ID || repo.AIAPIKeys[0].Key != key.Key {
		t.Errorf("aiApiKeys = %+v, want the key %s", repo.AIAPIKeys, key.ID)
	}
	if len(repo.APIKeys) != 1 {
		t.Fatalf("apiKeys = %+v, want one storage key", repo.APIKeys)
	}
	sk := repo.APIKeys[0]
	listed := []string{sk.Key, sk.Secret.Key, sk.Secret.IV, sk.Secret.AuthTag, sk.Secret.Message}
	if secrets := h.emu.RepoStorageSecrets("repo-a"); !slices.Equal(secrets, listed) {
		t.Errorf("RepoStorageSecrets = %v, listing carries %v", secrets, listed)
	}
	for _, s := range listed {
		if len(s) < 16 {
			t.Errorf("storage secret %q is too short to search for reliably", s)
		}
	}
	if other := h.emu.RepoStorageSecrets("repo-b"); slices.Equal(other, listed) {
		t.Error("two repos share storage secrets")
	}
	if h.emu.RepoStorageSecrets("unknown") != nil {
		t.Error("RepoStorageSecrets of an unknown repo is not nil")
	}
}

func TestRepoListFilters(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	cases := map[string][]string{
		"":                                {"repo-a", "repo-b", "repo-c"},
		"?workspaceId=ws-1":               {"repo-a", "repo-b"},
		"?workspaceId=ws-2":               {"repo-c"},
		"?repoId=repo-b":                  {"repo-b"},
		"?workspaceId=ws-2&repoId=repo-a": nil,
		"?repoId=repo-x":                  nil,
		"?repoId=unknown":                 nil,
	}
	for query, want := range cases {
		if got := repoIDs(h.listRepos(query)); !slices.Equal(got, want) {
			t.Errorf("GET /repo%s = %v, want %v", query, got, want)
		}
	}
	expectErrorMentioning(t, h.do(http.MethodGet, "/repo?workspaceId=ws-x", ""), http.StatusForbidden, "ws-x")
	expectErrorMentioning(t, h.do(http.MethodGet, "/repo?workspaceId=unknown", ""), http.StatusForbidden, "unknown")
	expectError(t, h.do(http.MethodGet, "/repo?workspaceId=", ""), http.StatusBadRequest)
	expectError(t, h.do(http.MethodGet, "/repo?repoId=", ""), http.StatusBadRequest)
}

func TestOptionsReposGoToTheDefaultWorkspace(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{Repos: []string{"r1", "r2", "r1"}})
	repos := h.listRepos("")
	if got := repoIDs(repos); !slices.Equal(got, []string{"r1", "r2"}) {
		t.Fatalf("repos = %v", got)
	}
	if repos[0].Name != "r1" || repos[0].WorkspaceID != DefaultWorkspaceID {
		t.Errorf("repo r1 = %+v, want named r1 in %s", repos[0], DefaultWorkspaceID)
	}
	h.emu.AddRepo("r3")
	if got := repoIDs(h.listRepos("?workspaceId=" + DefaultWorkspaceID)); !slices.Equal(got, []string{"r1", "r2", "r3"}) {
		t.Errorf("after AddRepo = %v", got)
	}
}

func TestAddRepoLeavesADeclaredRepoWhereItIs(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	h.emu.AddRepo("repo-x")
	if got := repoIDs(h.listRepos("")); slices.Contains(got, "repo-x") {
		t.Errorf("AddRepo moved another organization's repo into reach: %v", got)
	}
	expectError(t, h.do(http.MethodGet, collectionPath("repo-x"), ""), http.StatusForbidden)
}

func TestAttachAndDetachLLMs(t *testing.T) {
	t.Parallel()
	h := newGateway(t, func(o *Options) { o.WorkspaceRepos[1].LLMIDs = []string{"seeded-elsewhere"} })
	a := h.createLLM("ws-1", "a")
	b := h.createLLM("ws-1", "b")

	for _, id := range []string{a, b, a} {
		if err := h.emu.AttachLLM("repo-a", id); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.emu.AttachedLLMs("repo-a"); !slices.Equal(got, []string{a, b}) {
		t.Errorf("AttachedLLMs = %v, want %s then %s once each", got, a, b)
	}
	if err := h.emu.DetachLLM("repo-a", a); err != nil {
		t.Fatal(err)
	}
	repos := h.listRepos("?workspaceId=ws-1")
	if got := repos[0].AILLMs; len(got) != 1 || got[0].AILLMID != b {
		t.Errorf("repo-a aiLlms after detaching %s = %+v", a, got)
	}
	// A seeded id that matches no configuration is listed bare.
	if got := repos[1].AILLMs; !reflect.DeepEqual(got, []wireRepoLLM{{AILLMID: "seeded-elsewhere"}}) {
		t.Errorf("repo-b aiLlms = %+v", got)
	}

	for _, err := range []error{h.emu.AttachLLM("unknown", a), h.emu.DetachLLM("unknown", a)} {
		if !errors.Is(err, ErrRepoNotFound) {
			t.Errorf("err = %v, want ErrRepoNotFound", err)
		}
	}
	if err := h.emu.AttachLLM("repo-a", "unknown"); !errors.Is(err, ErrLLMNotFound) {
		t.Errorf("AttachLLM of an unknown configuration = %v", err)
	}
	if err := h.emu.DetachLLM("repo-a", a); err == nil {
		t.Error("DetachLLM of a configuration that is not attached succeeded")
	}
}
