package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPersistenceAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "state.json")
	// An existing, too-open file is replaced by a private one.
	if err := os.WriteFile(file, []byte(`{"version":1,"keys":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	h := newHarness(t, Options{DataFile: file, Now: clock.Now})
	first := h.create("r1", "first", "OPENAI")
	clock.Advance(time.Second)
	second := h.create("r1", "second", "GOOGLE")
	h.create("r2", "other repo", "AWS")
	if resp := h.do(http.MethodPut, itemPath("r1", first.ID), `{"name":"first renamed"}`); resp.status != http.StatusOK {
		t.Fatalf("rename: %d", resp.status)
	}
	if resp := h.do(http.MethodDelete, itemPath("r1", second.ID), ""); resp.status != http.StatusOK {
		t.Fatalf("delete: %d", resp.status)
	}

	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("data file mode %o, want 600", mode)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}

	h2 := newHarness(t, Options{DataFile: file, Now: clock.Now})
	before, after := h.emu.LiveKeys(""), h2.emu.LiveKeys("")
	if len(after) != 2 || len(before) != 2 {
		t.Fatalf("live keys before %d, after restart %d; want 2", len(before), len(after))
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.ID != b.ID || a.Name != b.Name || a.RepoID != b.RepoID || a.Key != b.Key ||
			a.AIType != b.AIType || a.Secret != b.Secret || !a.CreatedAt.Equal(b.CreatedAt) || a.DeletedAt != nil {
			t.Errorf("key %d after restart = %+v, want %+v", i, a, b)
		}
	}
	if got := names(h2.list("r1")); !slices.Equal(got, []string{"first renamed"}) {
		t.Errorf("r1 after restart = %v", got)
	}
	if err := h2.emu.DeleteKey("r1", second.ID); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("the deleted key came back to life: DeleteKey = %v", err)
	}
	// The creation sequence resumes after the saved one, so ties stay ordered.
	clock.Set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	h2.create("r1", "tie-a", "OTHER")
	h2.create("r1", "tie-b", "OTHER")
	if got := names(h2.list("r1")); !slices.Equal(got, []string{"tie-b", "tie-a", "first renamed"}) {
		t.Errorf("order after restart = %v", got)
	}
}

func TestDataFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := New(Options{DataFile: filepath.Join(dir, "absent.json")}); err != nil {
		t.Errorf("a missing data file must be an empty store, got %v", err)
	}
	for label, content := range map[string]string{
		"not JSON":                       "{",
		"empty":                          "",
		"wrong version":                  `{"version":99,"keys":[]}`,
		"duplicate ids":                  `{"version":1,"keys":[{"id":"a","repoId":"r"},{"id":"a","repoId":"r"}]}`,
		"duplicate LLM ids":              `{"version":2,"keys":[],"llms":[{"id":"l"},{"id":"l"}]}`,
		"key and LLM share an id":        `{"version":2,"keys":[{"id":"a","repoId":"r"}],"llms":[{"id":"a"}]}`,
		"LLM without id":                 `{"version":2,"keys":[],"llms":[{"name":"x"}]}`,
		"null LLM":                       `{"version":2,"keys":[],"llms":[null]}`,
		"duplicate policy ids":           `{"version":2,"keys":[],"policies":[{"id":"p"},{"id":"p"}]}`,
		"null policy":                    `{"version":2,"keys":[],"policies":[null]}`,
		"version 4":                      `{"version":4,"keys":[]}`,
		"version 0":                      `{"version":0,"keys":[]}`,
		"null workspace":                 `{"version":3,"keys":[],"workspaces":[null]}`,
		"workspace without id":           `{"version":3,"keys":[],"workspaces":[{"name":"w"}]}`,
		"repo and workspace share an id": `{"version":3,"keys":[],"workspaces":[{"id":"w"}],"repos":[{"id":"w","workspaceId":"w"}]}`,
		"repo in no workspace":           `{"version":3,"keys":[],"repos":[{"id":"r","workspaceId":"w"}]}`,
		"null repo":                      `{"version":3,"keys":[],"repos":[null]}`,
		"bucket in no workspace":         `{"version":3,"keys":[],"buckets":[{"id":"b","workspaceId":"w"}]}`,
		"duplicate bucket ids":           `{"version":3,"keys":[],"workspaces":[{"id":"w"}],"buckets":[{"id":"b","workspaceId":"w"},{"id":"b","workspaceId":"w"}]}`,
		"null bucket":                    `{"version":3,"keys":[],"buckets":[null]}`,
	} {
		file := filepath.Join(dir, strings.ReplaceAll(label, " ", "-")+".json")
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Options{DataFile: file}); err == nil {
			t.Errorf("%s: New accepted a bad data file", label)
		}
	}
}

func TestFailedSaveLeavesStoreUnchanged(t *testing.T) {
	t.Parallel()
	sub := filepath.Join(t.TempDir(), "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{DataFile: filepath.Join(sub, "state.json")})
	k := h.create("r1", "kept", "OPENAI")
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}

	expectError(t, h.do(http.MethodPost, collectionPath("r1"), `{"name":"x","aiType":"OPENAI"}`), http.StatusInternalServerError)
	expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"x"}`), http.StatusInternalServerError)
	expectError(t, h.do(http.MethodDelete, itemPath("r1", k.ID), ""), http.StatusInternalServerError)
	if err := h.emu.RenameKey("r1", k.ID, "y"); err == nil || errors.Is(err, ErrKeyNotFound) {
		t.Errorf("RenameKey with an unwritable data file = %v", err)
	}
	if got := names(h.list("r1")); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("store after failed saves = %v, want only the untouched key", got)
	}
}

func TestPersistenceOfEveryCollection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "state.json")
	clock := newFakeClock()
	configure := func(o *Options) {
		o.DataFile = file
		o.Now = clock.Now
		o.WorkspaceRepos[2].LLMIDs = []string{"seeded"}
	}
	h := newGateway(t, configure)
	llm := h.createLLM("ws-1", "openai")
	if v := h.validateLLM(llm); !v.Success {
		t.Fatal("validate failed")
	}
	other := h.createLLM("ws-2", "other")
	expectOK(t, h.do(http.MethodPut, llmPath(other), `{"secret":"sk-rotated"}`), &wireLLMID{})
	clock.Advance(time.Second)
	kept := h.createPolicy("kept", "ws-1", "repo-a")
	gone := h.createPolicy("gone", "", "")
	expectOK(t, h.do(http.MethodDelete, policyPath(gone.ID), ""), &wireMessage{})
	if err := h.emu.AttachLLM("repo-a", llm); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.DetachLLM("repo-c", "seeded"); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("data file mode %o, want 600", mode)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"version": 3`) || !strings.Contains(string(data), "sk-rotated") {
		t.Errorf("data file lacks the version or the secrets:\n%s", data)
	}

	h2 := newGateway(t, configure)
	if before, after := h.emu.LLMs(""), h2.emu.LLMs(""); !reflect.DeepEqual(before, after) || len(after) != 2 || !after[1].Validated {
		t.Errorf("LLMs after restart = %+v, want %+v (validated state included)", after, before)
	}
	if before, after := h.emu.Policies(), h2.emu.Policies(); !reflect.DeepEqual(before, after) || len(after) != 2 {
		t.Errorf("Policies after restart = %+v, want %+v", after, before)
	}
	if got := h2.getPolicy(kept.ID); !reflect.DeepEqual(got, kept) {
		t.Errorf("GET after restart = %+v, want %+v", got, kept)
	}
	expectError(t, h2.do(http.MethodGet, policyPath(gone.ID), ""), http.StatusNotFound)
	if got := h2.emu.AttachedLLMs("repo-a"); !slices.Equal(got, []string{llm}) {
		t.Errorf("repo-a attachments after restart = %v", got)
	}
	if got := h2.emu.AttachedLLMs("repo-c"); len(got) != 0 {
		t.Errorf("repo-c attachments after restart = %v: the data file's detach must win over the seed", got)
	}
	expectError(t, h2.do(http.MethodDelete, llmPath(llm), ""), http.StatusForbidden)
	if got := h2.availableLLMs(); !slices.Equal(got, []string{llm}) {
		t.Errorf("available after restart = %v", got)
	}

	// The creation sequence resumes after the saved one, across collections.
	h2.createLLM("ws-1", "newer")
	if got := h2.emu.LLMs("ws-1"); got[0].Name != "newer" {
		t.Errorf("LLMs(ws-1) after restart = %+v, want the new one first", got)
	}
}

func TestDataFileVersion1Loads(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "v1.json")
	v1 := `{"version":1,"keys":[{"id":"k1","name":"old","repoId":"r1","key":"FB_AI_x","aiType":"OPENAI",` +
		`"secret":"s1","createdAt":"2024-01-15T10:30:00Z","deletedAt":null,"seq":4}]}`
	if err := os.WriteFile(file, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{DataFile: file})
	if live := h.emu.LiveKeys("r1"); len(live) != 1 || live[0].Secret != "s1" {
		t.Fatalf("LiveKeys from a version 1 file = %+v", live)
	}
	h.create("r1", "new", "OPENAI")
	if got := names(h.list("r1")); !slices.Equal(got, []string{"new", "old"}) {
		t.Errorf("list = %v", got)
	}
}

// A data file reused with other declarations can hold objects whose workspace
// or organization the caller can no longer reach: they are refused, not lost.
// The file holds the workspaces too and wins over the declarations, so only
// another organization puts them out of reach.
func TestObjectsOutOfReachAfterRestart(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "state.json")
	h := newGateway(t, func(o *Options) { o.DataFile = file })
	llm := h.createLLM("ws-2", "l")
	policy := h.createPolicy("p", "ws-2", "")
	orgPolicy := h.createPolicy("o", "", "")

	h2 := newGateway(t, func(o *Options) {
		o.DataFile = file
		o.OrgID = "org-2"
		o.Workspaces[1].OrgID = "org-2"
	})
	if got := h2.listLLMs(""); len(got) != 0 {
		t.Errorf("a configuration in an unreachable workspace is listed: %+v", got)
	}
	if got := h2.listWorkspaces(); len(got) != 0 {
		t.Errorf("the data file's workspaces of org-1 are listed to org-2, or its declaration won: %+v", got)
	}
	expectError(t, h2.do(http.MethodPut, llmPath(llm), `{"name":"x"}`), http.StatusForbidden)
	expectError(t, h2.do(http.MethodDelete, llmPath(llm), ""), http.StatusForbidden)
	expectError(t, h2.do(http.MethodPost, llmPath(llm)+"/validate", ""), http.StatusForbidden)
	expectError(t, h2.do(http.MethodGet, policyPath(policy.ID), ""), http.StatusForbidden)
	expectError(t, h2.do(http.MethodDelete, policyPath(policy.ID), ""), http.StatusForbidden)
	expectError(t, h2.do(http.MethodGet, policyPath(orgPolicy.ID), ""), http.StatusForbidden)
	expectError(t, h2.do(http.MethodPut, policyPath(orgPolicy.ID), `{"name":"x"}`), http.StatusForbidden)
	if len(h2.emu.LLMs("")) != 1 || len(h2.emu.Policies()) != 2 || len(h2.emu.Workspaces()) != 3 {
		t.Error("objects out of reach were dropped")
	}

	h3 := newGateway(t, func(o *Options) { o.DataFile = file })
	h3.getPolicy(orgPolicy.ID)
	h3.getPolicy(policy.ID)
}

func TestFailedSaveLeavesEveryCollectionUnchanged(t *testing.T) {
	t.Parallel()
	sub := filepath.Join(t.TempDir(), "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	h := newGateway(t, func(o *Options) { o.DataFile = filepath.Join(sub, "state.json") })
	llm := h.createLLM("ws-1", "l")
	policy := h.createPolicy("p", "", "")
	llmsBefore, policiesBefore := h.emu.LLMs(""), h.emu.Policies()
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/ai/llm", llmBody("ws-1", "new")},
		{http.MethodPut, llmPath(llm), `{"name":"x","secret":"sk-x"}`},
		{http.MethodPost, llmPath(llm) + "/validate", ""},
		{http.MethodDelete, llmPath(llm), ""},
		{http.MethodPost, "/policy", policyCreateBody("new", "", "")},
		{http.MethodPut, policyPath(policy.ID), `{"name":"x"}`},
		{http.MethodDelete, policyPath(policy.ID), ""},
	} {
		expectError(t, h.do(c.method, c.path, c.body), http.StatusInternalServerError)
	}
	hooks := map[string]error{
		"UpdateLLM":    h.emu.UpdateLLM(llm, func(l *LLM) { l.Name = "y" }),
		"DeleteLLM":    h.emu.DeleteLLM(llm),
		"AttachLLM":    h.emu.AttachLLM("repo-a", llm),
		"UpdatePolicy": h.emu.UpdatePolicy(policy.ID, func(p *Policy) { p.Name = "y" }),
		"DeletePolicy": h.emu.DeletePolicy(policy.ID),
	}
	for name, err := range hooks {
		if err == nil {
			t.Errorf("%s with an unwritable data file succeeded", name)
		}
	}
	if after := h.emu.LLMs(""); !reflect.DeepEqual(after, llmsBefore) {
		t.Errorf("LLMs after failed saves = %+v, want %+v", after, llmsBefore)
	}
	if after := h.emu.Policies(); !reflect.DeepEqual(after, policiesBefore) {
		t.Errorf("Policies after failed saves = %+v, want %+v", after, policiesBefore)
	}
	if got := h.emu.AttachedLLMs("repo-a"); len(got) != 0 {
		t.Errorf("attachments after a failed save = %v", got)
	}
}

// Workspaces, repos with their buckets and attachments, and buckets survive a
// restart, secrets of the listings included; what the file holds wins over the
// declarations, and what it lacks is declared anew.
func TestPersistenceOfWorkspacesReposAndBuckets(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "state.json")
	clock := newFakeClock()
	configure := func(o *Options) {
		o.DataFile = file
		o.Now = clock.Now
		gatewayBuckets(o)
	}
	h := newGateway(t, configure)
	ws := h.createWorkspace("Research")
	added, err := h.emu.AddBucket(Bucket{WorkspaceID: ws.ID, Name: "research-data", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	llm := h.createLLM(ws.ID, "l")
	clock.Advance(time.Second)
	repo := h.createRepo(repoBody(ws.ID, "research", "MIRROR", fmt.Sprintf(`[{"bucketId":%q,"master":true}]`, added.ID), llmList(llm)))
	h.replaceRepo("repo-a", repoBody("ws-1", "gateway renamed", "NORMAL", `[{"bucketId":"b-1","folder":"data"}]`, "[]"))
	expectOK(t, h.do(http.MethodDelete, "/repo/repo-b", ""), &wireMessage{})
	expectOK(t, h.do(http.MethodPut, "/workspace/ws-2", `{"name":"Staging renamed"}`), &wireWorkspaceWritten{})
	gone := h.createWorkspace("gone")
	expectOK(t, h.do(http.MethodDelete, "/workspace/"+gone.ID, ""), &wireMessage{})
	if err := h.emu.SetRepoDisabled("repo-c", true); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.DeleteBucket("b-2"); err != nil {
		t.Fatal(err)
	}
	reposBefore, bucketsBefore := string(h.do(http.MethodGet, "/repo", "").body), string(h.do(http.MethodGet, "/bucket", "").body)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"version": 3`) || !strings.Contains(string(data), added.Key) {
		t.Errorf("data file lacks the version or the bucket's key:\n%s", data)
	}

	// The declarations now say otherwise about repo-a and ws-2: the file wins.
	h2 := newGateway(t, func(o *Options) {
		configure(o)
		o.WorkspaceRepos[0].Name = "declared again"
		o.Workspaces[1].Name = "Staging declared"
		o.WorkspaceRepos = append(o.WorkspaceRepos, Repo{ID: "repo-new", WorkspaceID: "ws-2"})
	})
	if got := string(h2.do(http.MethodGet, "/bucket", "").body); got != bucketsBefore {
		t.Errorf("buckets after restart:\n%s\nwant\n%s", got, bucketsBefore)
	}
	reposAfter := h2.listRepos("")
	if got := repoIDs(reposAfter); !slices.Equal(got, []string{"repo-a", "repo-c", repo, "repo-new"}) {
		t.Errorf("repos after restart = %v, want the file's, then the new declaration", got)
	}
	var before wireRepoList
	decodeStrict(t, []byte(reposBefore), &before)
	if !reflect.DeepEqual(reposAfter[:3], before.Repos) {
		t.Errorf("repos after restart:\n%+v\nwant\n%+v", reposAfter[:3], before.Repos)
	}
	if got := workspaceIDs(h2.listWorkspaces()); !slices.Equal(got, []string{"ws-1", "ws-2", ws.ID}) || h2.listWorkspaces()[1].Name != "Staging renamed" {
		t.Errorf("workspaces after restart = %v %+v", got, h2.listWorkspaces())
	}
	expectError(t, h2.do(http.MethodGet, "/workspace/"+gone.ID, ""), http.StatusNotFound)
	expectError(t, h2.do(http.MethodDelete, llmPath(llm), ""), http.StatusForbidden)
	expectRepoError(t, h2.do(http.MethodPost, "/repo", repoBody("ws-1", "research", "NORMAL", "[]", "[]")), http.StatusBadRequest, "NAME_ALREADY_USED")
	// repo-b's name is free: it was deleted.
	h2.createRepo(repoBody("ws-1", "batch", "NORMAL", "[]", "[]"))
	if got := repoIDs(h2.listRepos("")); len(got) != 5 || got[3] != "repo-new" {
		t.Errorf("creation order after restart = %v, want the new repo last", got)
	}
}

func TestFailedSaveLeavesWorkspacesReposAndBucketsUnchanged(t *testing.T) {
	t.Parallel()
	sub := filepath.Join(t.TempDir(), "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	h := newGateway(t, func(o *Options) { o.DataFile = filepath.Join(sub, "state.json"); gatewayBuckets(o) })
	llm := h.createLLM("ws-1", "l")
	repo := h.createRepo(repoBody("ws-1", "r", "NORMAL", `[{"bucketId":"b-2","folder":"f"}]`, llmList(llm)))
	key := h.create(repo, "k", "OPENAI")
	policy := h.createPolicy("p", "ws-1", repo)
	empty := h.createWorkspace("empty")
	repos, workspaces, buckets := h.emu.Repos(""), h.emu.Workspaces(), h.emu.Buckets("")
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/repo", repoBody("ws-1", "new", "NORMAL", "[]", "[]")},
		{http.MethodPut, "/repo/" + repo, repoBody("ws-1", "renamed", "NORMAL", `[{"bucketId":"b-2","folder":"f"}]`, "[]")},
		{http.MethodDelete, "/repo/" + repo, ""},
		{http.MethodPost, "/workspace", `{"name":"new"}`},
		{http.MethodPut, "/workspace/ws-1", `{"name":"renamed"}`},
		{http.MethodDelete, "/workspace/" + empty.ID, ""},
	} {
		expectError(t, h.do(c.method, c.path, c.body), http.StatusInternalServerError)
	}
	_, addErr := h.emu.AddBucket(Bucket{WorkspaceID: "ws-1", Name: "new"})
	hooks := map[string]error{
		"AddBucket":       addErr,
		"DeleteBucket":    h.emu.DeleteBucket("b-3"),
		"SetRepoDisabled": h.emu.SetRepoDisabled(repo, true),
		"AddRepo":         h.emu.AddRepo("r-new"),
		"DetachLLM":       h.emu.DetachLLM(repo, llm),
	}
	for name, err := range hooks {
		if err == nil {
			t.Errorf("%s with an unwritable data file succeeded", name)
		}
	}
	if after := h.emu.Repos(""); !reflect.DeepEqual(after, repos) {
		t.Errorf("repos after failed saves = %+v, want %+v", after, repos)
	}
	if after := h.emu.Workspaces(); !reflect.DeepEqual(after, workspaces) {
		t.Errorf("workspaces after failed saves = %+v, want %+v", after, workspaces)
	}
	if after := h.emu.Buckets(""); !reflect.DeepEqual(after, buckets) {
		t.Errorf("buckets after failed saves = %+v, want %+v", after, buckets)
	}
	if h.repo(repo).Disabled || len(h.emu.LiveKeys(repo)) != 1 || h.getPolicy(policy.ID).ID != policy.ID || key.ID == "" {
		t.Error("a failed repo delete or hook left the repo disabled, its key or its policy deleted")
	}
}
