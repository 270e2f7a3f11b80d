package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
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
	Folder   string          `json:"folder"`
	Master   bool            `json:"master"`
	BucketID string          `json:"bucketId"`
	Bucket   *wireBucketItem `json:"bucket"`
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
	h := newGateway(t, func(o *Options) {
		o.Now = clock.Now
		o.Buckets = []Bucket{{ID: "b-1", WorkspaceID: "ws-1", Name: "Backups", Region: "us-east-1"}}
		o.WorkspaceRepos[0].Buckets = []RepoBucket{{BucketID: "b-1", Folder: "data"}}
	})
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
		repo.Mode != "NORMAL" || repo.CreatedAt != "2024-01-15T10:30:00.000Z" || repo.Disabled || len(repo.Buckets) != 1 {
		t.Errorf("repo = %+v", repo)
	}
	// The bucket is embedded whole, masked key and encrypted secret included,
	// as the API reference's sample shows: what a client must drop.
	link := repo.Buckets[0]
	if b := link.Bucket; link.BucketID != "b-1" || link.Folder != "data" || link.Master || b == nil || b.ID != "b-1" ||
		b.Name != "Backups" || b.Key != b.Key[:4]+"****" || b.Secret.Message == "" || b.Repos != nil {
		t.Errorf("bucket link = %+v, embedded %+v", link, link.Bucket)
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
	sk, bs := repo.APIKeys[0], link.Bucket.Secret
	listed := []string{sk.Key, sk.Secret.Key, sk.Secret.IV, sk.Secret.AuthTag, sk.Secret.Message,
		link.Bucket.Key, bs.Key, bs.IV, bs.AuthTag, bs.Message}
	if secrets := h.emu.RepoStorageSecrets("repo-a"); !slices.Equal(secrets, listed) {
		t.Errorf("RepoStorageSecrets = %v, listing carries %v", secrets, listed)
	}
	for _, s := range slices.Delete(slices.Clone(listed), 5, 6) {
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
	if err := h.emu.AddRepo("r3"); err != nil {
		t.Fatal(err)
	}
	if got := repoIDs(h.listRepos("?workspaceId=" + DefaultWorkspaceID)); !slices.Equal(got, []string{"r1", "r2", "r3"}) {
		t.Errorf("after AddRepo = %v", got)
	}
}

func TestAddRepoLeavesADeclaredRepoWhereItIs(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	if err := h.emu.AddRepo("repo-x"); err != nil {
		t.Fatal(err)
	}
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

type wireRepoID struct {
	Success bool   `json:"success"`
	RepoID  string `json:"repoId"`
}

type wireRepoError struct {
	Success      bool   `json:"success"`
	ErrorCode    string `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	Message      string `json:"message"`
}

// expectRepoError checks a refusal with an error_code: the status, and the
// code with the same text in error_message and message.
func expectRepoError(t *testing.T, resp response, status int, code string, parts ...string) {
	t.Helper()
	if resp.status != status {
		t.Fatalf("status %d, want %d with %s; body %s", resp.status, status, code, resp.body)
	}
	var body wireRepoError
	decodeStrict(t, resp.body, &body)
	if body.Success || body.ErrorCode != code || body.ErrorMessage == "" || body.Message != body.ErrorMessage {
		t.Errorf("refusal %s, want success false, error_code %s and one text in error_message and message", resp.body, code)
	}
	for _, part := range parts {
		if !strings.Contains(body.ErrorMessage, part) {
			t.Errorf("error_message %q does not mention %q", body.ErrorMessage, part)
		}
	}
}

// repoBody is a create or replace body; buckets and llms are the JSON of the
// lists, "" to leave a list out.
func repoBody(workspaceID, name, mode, buckets, llms string) string {
	body := fmt.Sprintf(`{"name":%q,"storageType":"S3","mode":%q`, name, mode)
	if workspaceID != "" {
		body += fmt.Sprintf(`,"workspaceId":%q`, workspaceID)
	}
	if buckets != "" {
		body += `,"repoBuckets":` + buckets
	}
	if llms != "" {
		body += `,"repoAiLlms":` + llms
	}
	return body + "}"
}

func llmList(ids ...string) string {
	var items []string
	for _, id := range ids {
		items = append(items, fmt.Sprintf(`{"aiLlmId":%q}`, id))
	}
	return "[" + strings.Join(items, ",") + "]"
}

func (h *harness) createRepo(body string) string {
	h.t.Helper()
	var created wireRepoID
	expectOK(h.t, h.do(http.MethodPost, "/repo", body), &created)
	if !created.Success || !uuidV4Pattern.MatchString(created.RepoID) {
		h.t.Fatalf("create body %+v: want success and a UUID", created)
	}
	return created.RepoID
}

func (h *harness) replaceRepo(id, body string) {
	h.t.Helper()
	var replaced wireRepoID
	expectOK(h.t, h.do(http.MethodPut, "/repo/"+id, body), &replaced)
	if !replaced.Success || replaced.RepoID != id {
		h.t.Fatalf("replace body %+v: want success and %s", replaced, id)
	}
}

func (h *harness) repo(id string) wireRepo {
	h.t.Helper()
	repos := h.listRepos("?repoId=" + id)
	if len(repos) != 1 {
		h.t.Fatalf("repo %s is listed %d times", id, len(repos))
	}
	return repos[0]
}

func bucketLinks(r wireRepo) []RepoBucket {
	links := make([]RepoBucket, 0)
	for _, b := range r.Buckets {
		links = append(links, RepoBucket{BucketID: b.BucketID, Folder: b.Folder, Master: b.Master})
	}
	return links
}

func llmIDsOf(r wireRepo) []string {
	ids := make([]string, 0)
	for _, l := range r.AILLMs {
		ids = append(ids, l.AILLMID)
	}
	return ids
}

func TestRepoCreateListReplaceDeleteRoundTrip(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now; gatewayBuckets(o) })
	a := h.createLLM("ws-1", "a")
	b := h.createLLM("ws-1", "b")

	id := h.createRepo(repoBody("ws-1", "assistant", "NORMAL",
		`[{"bucketId":"b-1","folder":"data","master":true},{"bucketId":"b-2","folder":"logs"}]`, llmList(a)))
	repo := h.repo(id)
	if repo.Name != "assistant" || repo.WorkspaceID != "ws-1" || repo.StorageType != "S3" || repo.Mode != "NORMAL" ||
		repo.CreatedAt != "2024-01-15T10:30:00.000Z" || repo.Disabled || len(repo.APIKeys) != 1 || len(repo.AIAPIKeys) != 0 {
		t.Errorf("created repo = %+v", repo)
	}
	if got, want := bucketLinks(repo), []RepoBucket{{"b-1", "data", true}, {"b-2", "logs", false}}; !slices.Equal(got, want) {
		t.Errorf("buckets = %+v, want %+v", got, want)
	}
	if repo.Buckets[0].Bucket == nil || repo.Buckets[0].Bucket.Secret.Key == "" || repo.AILLMs[0].AILLM == nil || repo.AILLMs[0].AILLM.ID != a {
		t.Errorf("the listing does not embed the bucket and the configuration: %+v", repo)
	}
	if got := repoIDs(h.listRepos("?workspaceId=ws-1")); !slices.Equal(got, []string{"repo-a", "repo-b", id}) {
		t.Errorf("ws-1 repos = %v, want the new one after the declared ones", got)
	}

	// The whole body, every time: a rename that resends both lists changes the
	// name, and another LLM list replaces the old one.
	clock.Advance(time.Minute)
	h.replaceRepo(id, repoBody("ws-1", "assistant-2", "NORMAL",
		`[{"bucketId":"b-1","folder":"data","master":false},{"bucketId":"b-2","folder":"logs"}]`, llmList(b, a)))
	repo = h.repo(id)
	if repo.Name != "assistant-2" || repo.CreatedAt != "2024-01-15T10:30:00.000Z" || !slices.Equal(llmIDsOf(repo), []string{b, a}) ||
		repo.Buckets[0].Master {
		t.Errorf("replaced repo = %+v", repo)
	}
	if got := h.emu.Repos("ws-1"); len(got) != 3 || got[2].Name != "assistant-2" || !slices.Equal(got[2].LLMIDs, []string{b, a}) {
		t.Errorf("Repos(ws-1) = %+v", got)
	}

	expectOK(t, h.do(http.MethodDelete, "/repo/"+id, ""), &wireMessage{})
	if got := repoIDs(h.listRepos("")); slices.Contains(got, id) {
		t.Errorf("a deleted repo is listed: %v", got)
	}
	expectErrorMentioning(t, h.do(http.MethodDelete, "/repo/"+id, ""), http.StatusNotFound, "repository not found", id)
	expectRepoError(t, h.do(http.MethodPut, "/repo/"+id, repoBody("ws-1", "x", "NORMAL", "[]", "[]")), http.StatusNotFound, "NOT_FOUND", id)
	// A deleted repo's name is free again.
	h.createRepo(repoBody("ws-1", "assistant-2", "NORMAL", "[]", "[]"))
}

func TestRepoCreateRejectsInvalidBodies(t *testing.T) {
	t.Parallel()
	h := newGateway(t, gatewayBuckets)
	for name, tt := range map[string]struct {
		body, mention string
	}{
		"not an object":          {`[]`, "JSON object"},
		"no name":                {`{"storageType":"S3","mode":"NORMAL","workspaceId":"ws-1"}`, "name is required"},
		"no storage type":        {`{"name":"n","mode":"NORMAL","workspaceId":"ws-1"}`, "storageType is required"},
		"no mode":                {`{"name":"n","storageType":"S3","workspaceId":"ws-1"}`, "mode is required"},
		"no workspace":           {repoBody("", "n", "NORMAL", "[]", "[]"), "workspaceId is required"},
		"empty workspace":        {`{"name":"n","storageType":"S3","mode":"NORMAL","workspaceId":""}`, "workspaceId must not be empty"},
		"empty name":             {repoBody("ws-1", "", "NORMAL", "[]", "[]"), "name must not be empty"},
		"reference storage type": {`{"name":"n","storageType":"AZURE","mode":"NORMAL","workspaceId":"ws-1"}`, `storageType "AZURE"`},
		"reference mode":         {repoBody("ws-1", "n", "BACKUP", "[]", "[]"), `mode "BACKUP"`},
		"name not a string":      {`{"name":1,"storageType":"S3","mode":"NORMAL","workspaceId":"ws-1"}`, "name must be a string"},
		"buckets not a list":     {repoBody("ws-1", "n", "NORMAL", `{}`, "[]"), "repoBuckets must be an array"},
		"bucket not an object":   {repoBody("ws-1", "n", "NORMAL", `["b-1"]`, "[]"), "repoBuckets[0] must be an object"},
		"bucket null":            {repoBody("ws-1", "n", "NORMAL", `[null]`, "[]"), "repoBuckets[0] must be an object"},
		"bucket without id":      {repoBody("ws-1", "n", "NORMAL", `[{"folder":"f","bucket":{"id":"b-1"}}]`, "[]"), "bucketId is required"},
		"bucket with empty id":   {repoBody("ws-1", "n", "NORMAL", `[{"bucketId":""}]`, "[]"), "bucketId must not be empty"},
		"master not a boolean":   {repoBody("ws-1", "n", "NORMAL", `[{"bucketId":"b-1","master":"yes"}]`, "[]"), "master must be a boolean"},
		"folder not a string":    {repoBody("ws-1", "n", "NORMAL", `[{"bucketId":"b-1","folder":3}]`, "[]"), "folder must be a string"},
		"bucket twice":           {repoBody("ws-1", "n", "NORMAL", `[{"bucketId":"b-1"},{"bucketId":"b-1","folder":"x"}]`, "[]"), "b-1 twice"},
		"llm without id":         {repoBody("ws-1", "n", "NORMAL", "[]", `[{"aiLlm":{"id":"x"}}]`), "aiLlmId is required"},
		"llm twice":              {repoBody("ws-1", "n", "NORMAL", "[]", llmList("l", "l")), "l twice"},
	} {
		t.Run(name, func(t *testing.T) {
			expectErrorMentioning(t, h.do(http.MethodPost, "/repo", tt.body), http.StatusBadRequest, tt.mention)
		})
	}
	for _, ws := range []string{"ws-x", "unknown"} {
		expectErrorMentioning(t, h.do(http.MethodPost, "/repo", repoBody(ws, "n", "NORMAL", "[]", "[]")), http.StatusForbidden, ws)
	}
	if got := len(h.emu.Repos("")); got != 4 {
		t.Errorf("refused creates stored repos: %d, want the 4 declared", got)
	}
}

// Every error_code of the contract's table, with the status the emulator
// chose, and with 200 under ErrorCodesIn2xx; nothing changes on a refusal.
func TestRepoWritesAnswerErrorCodes(t *testing.T) {
	t.Parallel()
	type refusal struct {
		name, method, path, body, code string
		status                         int
		mention                        []string
	}
	setup := func(t *testing.T, in2xx bool) (*harness, []refusal) {
		h := newGateway(t, func(o *Options) {
			gatewayBuckets(o)
			o.ErrorCodesIn2xx = in2xx
			o.Buckets = append(o.Buckets, Bucket{ID: "b-4", WorkspaceID: "ws-1"}, Bucket{ID: "b-5", WorkspaceID: "ws-1"})
			o.WorkspaceRepos[0].Buckets = []RepoBucket{{BucketID: "b-1", Folder: "data"}}
			o.WorkspaceRepos[1].Mode = "MIRROR"
			o.WorkspaceRepos[1].Buckets = []RepoBucket{{BucketID: "b-4", Master: true}}
		})
		llm2 := h.createLLM("ws-2", "elsewhere")
		normal := "/repo/repo-a"
		return h, []refusal{
			{"name used", "POST", "/repo", repoBody("ws-2", "gateway", "NORMAL", "[]", "[]"), "NAME_ALREADY_USED", 400, []string{"gateway", "repo-a"}},
			{"rename to a used name", "PUT", normal, repoBody("ws-1", "batch", "NORMAL", `[{"bucketId":"b-1","folder":"data"}]`, "[]"),
				"NAME_ALREADY_USED", 400, []string{"batch"}},
			{"unknown bucket", "POST", "/repo", repoBody("ws-1", "n", "NORMAL", `[{"bucketId":"nope"}]`, "[]"), "NOT_FOUND", 400, []string{"nope"}},
			{"bucket of another workspace", "POST", "/repo", repoBody("ws-1", "n", "NORMAL", `[{"bucketId":"b-3"}]`, "[]"), "NOT_FOUND", 400, []string{"b-3", "ws-1"}},
			{"unknown LLM", "POST", "/repo", repoBody("ws-1", "n", "NORMAL", "[]", llmList("nope")), "NOT_FOUND", 400, []string{"nope"}},
			{"LLM of another workspace", "POST", "/repo", repoBody("ws-1", "n", "NORMAL", "[]", llmList(llm2)), "NOT_FOUND", 400, []string{llm2}},
			{"unknown repo", "PUT", "/repo/nope", repoBody("ws-1", "n", "NORMAL", "[]", "[]"), "NOT_FOUND", 404, []string{"nope"}},
			{"empty MIRROR", "POST", "/repo", repoBody("ws-1", "n", "MIRROR", "[]", "[]"), "MIRROR_MASTER_UNIT_MISSING", 400, nil},
			{"MIRROR without master", "POST", "/repo", repoBody("ws-1", "n", "MIRROR", `[{"bucketId":"b-2"}]`, "[]"), "MIRROR_MASTER_UNIT_MISSING", 400, nil},
			{"MIRROR with two masters", "POST", "/repo", repoBody("ws-1", "n", "MIRROR", `[{"bucketId":"b-2","master":true},{"bucketId":"b-5","master":true}]`, "[]"),
				"MIRROR_MASTER_UNIT_COUNT_INVALID", 400, []string{"2"}},
			{"MIRROR bucket in a NORMAL repo", "POST", "/repo", repoBody("ws-1", "n", "MIRROR", `[{"bucketId":"b-1","master":true}]`, "[]"),
				"MIRROR_UNIT_ALREADY_IN_OTHER_REPO", 400, []string{"b-1", "repo-a"}},
			{"a MIRROR repo's bucket in a NORMAL repo", "POST", "/repo", repoBody("ws-1", "n", "NORMAL", `[{"bucketId":"b-4"}]`, "[]"),
				"MIRROR_UNIT_ALREADY_IN_OTHER_REPO", 400, []string{"b-4", "repo-b"}},
			{"NORMAL folder twice", "POST", "/repo", repoBody("ws-1", "n", "NORMAL", `[{"bucketId":"b-2","folder":"f"},{"bucketId":"b-5","folder":"f"}]`, "[]"),
				"NORMAL_UNIT_FOLDER_ALREADY_USED", 400, []string{`"f"`}},
			{"NORMAL bucket removed", "PUT", normal, repoBody("ws-1", "gateway", "NORMAL", `[]`, "[]"),
				"NORMAL_UNIT_FOLDER_CANNOT_DELETE", 400, []string{"b-1", "new repository"}},
			{"NORMAL folder changed", "PUT", normal, repoBody("ws-1", "gateway", "NORMAL", `[{"bucketId":"b-1","folder":"other"}]`, "[]"),
				"NORMAL_UNIT_CANNOT_EDIT_FOLDER", 400, []string{"b-1", `"data"`, `"other"`}},
		}
	}
	for _, in2xx := range []bool{false, true} {
		t.Run(fmt.Sprint("in2xx=", in2xx), func(t *testing.T) {
			t.Parallel()
			h, refusals := setup(t, in2xx)
			before := h.emu.Repos("")
			for _, r := range refusals {
				status := r.status
				if in2xx {
					status = http.StatusOK
				}
				t.Run(r.name, func(t *testing.T) {
					expectRepoError(t, h.do(r.method, r.path, r.body), status, r.code, r.mention...)
				})
			}
			if after := h.emu.Repos(""); !reflect.DeepEqual(after, before) {
				t.Errorf("refused writes changed the repos:\n%+v\nwant\n%+v", after, before)
			}
			// Plain refusals of a malformed body carry no code, switch or not.
			expectError(t, h.do(http.MethodPost, "/repo", `{}`), http.StatusBadRequest)
		})
	}
}

func TestRepoQuota(t *testing.T) {
	t.Parallel()
	h := newGateway(t, func(o *Options) { o.RepoQuota = 4 })
	h.createRepo(repoBody("ws-2", "fourth", "NORMAL", "[]", "[]"))
	expectRepoError(t, h.do(http.MethodPost, "/repo", repoBody("ws-2", "fifth", "NORMAL", "[]", "[]")), http.StatusBadRequest,
		"QUOTA_EXCEEDED", "4 repositories")
	// Another organization's repo (repo-x) does not count; a deleted one frees
	// its place; replacing is not creating.
	h.replaceRepo("repo-a", repoBody("ws-1", "gateway", "NORMAL", "[]", "[]"))
	expectOK(t, h.do(http.MethodDelete, "/repo/repo-b", ""), &wireMessage{})
	h.createRepo(repoBody("ws-2", "fifth", "NORMAL", "[]", "[]"))

	h.emu.SetRepoQuota(0)
	h.createRepo(repoBody("ws-2", "sixth", "NORMAL", "[]", "[]"))
	h.emu.SetRepoQuota(1)
	expectRepoError(t, h.do(http.MethodPost, "/repo", repoBody("ws-2", "seventh", "NORMAL", "[]", "[]")), http.StatusBadRequest, "QUOTA_EXCEEDED")
	if _, err := New(Options{RepoQuota: -1}); err == nil {
		t.Error("New accepted a negative quota")
	}
}

// The contract leaves open what an omitted list means on PUT. The emulator's
// default is the strict reading: absent or null is empty, so a client that
// forgets a list loses what it held (or is refused, where removing is
// refused). KeepOmittedRepoLists is the other reading.
func TestRepoReplaceOmittedLists(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T, keep bool) (h *harness, normal, mirror, llm string) {
		h = newGateway(t, func(o *Options) { gatewayBuckets(o); o.KeepOmittedRepoLists = keep })
		llm = h.createLLM("ws-1", "l")
		normal = h.createRepo(repoBody("ws-1", "normal", "NORMAL", `[{"bucketId":"b-1","folder":"data"}]`, llmList(llm)))
		mirror = h.createRepo(repoBody("ws-1", "mirror", "MIRROR", `[{"bucketId":"b-2","master":true}]`, llmList(llm)))
		return h, normal, mirror, llm
	}
	bucket := `[{"bucketId":"b-1","folder":"data"}]`

	t.Run("strict", func(t *testing.T) {
		t.Parallel()
		h, normal, mirror, _ := setup(t, false)
		for _, llms := range []string{"", "null"} {
			h.replaceRepo(normal, repoBody("ws-1", "normal", "NORMAL", bucket, llms))
			if got := llmIDsOf(h.repo(normal)); len(got) != 0 {
				t.Errorf("repoAiLlms %q: LLMs %v, want every one detached", llms, got)
			}
		}
		for _, buckets := range []string{"", "null"} {
			expectRepoError(t, h.do(http.MethodPut, "/repo/"+normal, repoBody("ws-1", "normal", "NORMAL", buckets, "[]")),
				http.StatusBadRequest, "NORMAL_UNIT_FOLDER_CANNOT_DELETE")
			expectRepoError(t, h.do(http.MethodPut, "/repo/"+mirror, repoBody("ws-1", "mirror", "MIRROR", buckets, "[]")),
				http.StatusBadRequest, "MIRROR_MASTER_UNIT_MISSING")
		}
	})
	t.Run("keep omitted lists", func(t *testing.T) {
		t.Parallel()
		h, normal, mirror, llm := setup(t, true)
		for _, lists := range []string{"", "null"} {
			h.replaceRepo(normal, repoBody("ws-1", "normal", "NORMAL", lists, lists))
			h.replaceRepo(mirror, repoBody("ws-1", "mirror", "MIRROR", lists, lists))
			for _, id := range []string{normal, mirror} {
				if r := h.repo(id); len(r.Buckets) != 1 || !slices.Equal(llmIDsOf(r), []string{llm}) {
					t.Errorf("lists %q: repo %s = %+v, want its bucket and LLM kept", lists, id, r)
				}
			}
		}
		// An empty list still empties.
		h.replaceRepo(normal, repoBody("ws-1", "normal", "NORMAL", bucket, "[]"))
		if got := llmIDsOf(h.repo(normal)); len(got) != 0 {
			t.Errorf("repoAiLlms []: LLMs %v, want every one detached", got)
		}
	})
}

func TestRepoReplaceKeepsWhatCannotChange(t *testing.T) {
	t.Parallel()
	h := newGateway(t, gatewayBuckets)
	id := h.createRepo(repoBody("ws-1", "r", "NORMAL", `[{"bucketId":"b-1","folder":"data"}]`, "[]"))
	bucket := `[{"bucketId":"b-1","folder":"data"}]`
	expectErrorMentioning(t, h.do(http.MethodPut, "/repo/"+id, repoBody("ws-2", "r", "NORMAL", bucket, "[]")), http.StatusBadRequest,
		"workspaceId cannot change", "ws-1")
	expectErrorMentioning(t, h.do(http.MethodPut, "/repo/"+id, strings.Replace(repoBody("ws-1", "r", "NORMAL", bucket, "[]"), `"S3"`, `"GCS"`, 1)),
		http.StatusBadRequest, "storageType cannot change", "new repository")
	expectErrorMentioning(t, h.do(http.MethodPut, "/repo/"+id, repoBody("ws-1", "r", "MIRROR", `[{"bucketId":"b-1","folder":"data","master":true}]`, "[]")),
		http.StatusBadRequest, "mode cannot change")
	expectErrorMentioning(t, h.do(http.MethodPut, "/repo/"+id, `{"storageType":"S3","mode":"NORMAL"}`), http.StatusBadRequest,
		"name is required", "whole repository")
	expectError(t, h.do(http.MethodPut, "/repo/repo-x", repoBody("", "x", "NORMAL", "[]", "[]")), http.StatusForbidden)

	// Without workspaceId the workspace stays; the older repoUnits and the
	// nested objects are ignored: only ids count.
	h.replaceRepo(id, `{"name":"r2","storageType":"S3","mode":"NORMAL","repoUnits":[{"unitId":"b-2"}],`+
		`"repoBuckets":[{"bucketId":"b-1","folder":"data","bucket":{"id":"b-2","name":"x"}}],"repoAiLlms":[],"walletAddress":"0x1"}`)
	if r := h.repo(id); r.WorkspaceID != "ws-1" || r.Name != "r2" || !slices.Equal(bucketLinks(r), []RepoBucket{{"b-1", "data", false}}) {
		t.Errorf("repo = %+v", r)
	}
}

// Attachments made by PUT are the ones that block an AI LLM configuration's
// delete; deleting the repo releases its configurations and buckets, and takes
// its keys and repo-scoped policies with it.
func TestRepoDeleteReleasesWhatItUsed(t *testing.T) {
	t.Parallel()
	h := newGateway(t, gatewayBuckets)
	llm := h.createLLM("ws-1", "l")
	id := h.createRepo(repoBody("ws-1", "r", "NORMAL", `[{"bucketId":"b-2","folder":"data"}]`, llmList(llm)))
	key := h.create(id, "k", "OPENAI")
	policy := h.createPolicy("p", "ws-1", id)

	if repos := h.listLLMs("?workspaceId=ws-1")[0].Repos; len(repos) != 1 || repos[0].ID != id || repos[0].Name != "r" {
		t.Errorf("the configuration's repos = %+v, want %s", repos, id)
	}
	expectErrorMentioning(t, h.do(http.MethodDelete, llmPath(llm), ""), http.StatusForbidden, "in use", id)
	if err := h.emu.DeleteBucket("b-2"); !errors.Is(err, ErrBucketInUse) {
		t.Errorf("DeleteBucket of a used bucket = %v", err)
	}

	expectOK(t, h.do(http.MethodDelete, "/repo/"+id, ""), &wireMessage{})
	if got := h.emu.AttachedLLMs(id); len(got) != 0 {
		t.Errorf("a deleted repo keeps its attachments %v", got)
	}
	if live := h.emu.LiveKeys(id); len(live) != 0 {
		t.Errorf("a deleted repo's keys live on: %+v", live)
	}
	expectError(t, h.do(http.MethodGet, collectionPath(id), ""), http.StatusForbidden)
	expectError(t, h.do(http.MethodPut, itemPath(id, key.ID), `{"name":"x"}`), http.StatusForbidden)
	expectError(t, h.do(http.MethodGet, policyPath(policy.ID), ""), http.StatusNotFound)
	expectErrorMentioning(t, h.do(http.MethodPost, "/policy", policyCreateBody("p2", "ws-1", id)), http.StatusNotFound, id)
	if err := h.emu.AttachLLM(id, llm); !errors.Is(err, ErrRepoNotFound) {
		t.Errorf("AttachLLM to a deleted repo = %v", err)
	}
	expectOK(t, h.do(http.MethodDelete, llmPath(llm), ""), &wireMessage{})
	if err := h.emu.DeleteBucket("b-2"); err != nil {
		t.Errorf("DeleteBucket after the repo went = %v", err)
	}

	expectErrorMentioning(t, h.do(http.MethodDelete, "/repo/unknown", ""), http.StatusNotFound, "unknown")
	expectError(t, h.do(http.MethodDelete, "/repo/repo-x", ""), http.StatusForbidden)
}

func TestRepoListLagHidesNewReposFromListsOnly(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newGateway(t, func(o *Options) { o.Now = clock.Now; o.ListLag = time.Minute })
	if got := repoIDs(h.listRepos("?workspaceId=ws-1")); !slices.Equal(got, []string{"repo-a", "repo-b"}) {
		t.Fatalf("declared repos = %v: ListLag never hides them", got)
	}
	id := h.createRepo(repoBody("ws-1", "new", "NORMAL", "[]", "[]"))
	if got := repoIDs(h.listRepos("?repoId=" + id)); len(got) != 0 {
		t.Errorf("a new repo is listed before ListLag: %v", got)
	}
	// It exists all the same: its name is taken and it can be replaced.
	expectRepoError(t, h.do(http.MethodPost, "/repo", repoBody("ws-1", "new", "NORMAL", "[]", "[]")), http.StatusBadRequest, "NAME_ALREADY_USED")
	h.replaceRepo(id, repoBody("ws-1", "newer", "NORMAL", "[]", "[]"))
	clock.Advance(time.Minute)
	if got := h.repo(id); got.Name != "newer" {
		t.Errorf("repo after ListLag = %+v", got)
	}
}

func TestRepoDisabledHook(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	if err := h.emu.SetRepoDisabled("repo-a", true); err != nil {
		t.Fatal(err)
	}
	if !h.repo("repo-a").Disabled {
		t.Error("repo-a is not listed as disabled")
	}
	if err := h.emu.SetRepoDisabled("unknown", true); !errors.Is(err, ErrRepoNotFound) {
		t.Errorf("SetRepoDisabled of an unknown repo = %v", err)
	}
}

// Writes to the store are serialized: of concurrent creates with one name,
// exactly one succeeds, and concurrent replaces leave one whole body.
func TestRepoConcurrentWrites(t *testing.T) {
	t.Parallel()
	h := newGateway(t, gatewayBuckets)
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = h.do(http.MethodPost, "/repo", repoBody("ws-1", "same", "NORMAL", "[]", "[]")).status
		})
	}
	wg.Wait()
	if ok := slices.Index(statuses, http.StatusOK); ok < 0 || slices.Contains(statuses[ok+1:], http.StatusOK) {
		t.Errorf("statuses %v, want exactly one 200", statuses)
	}
	id := h.createRepo(repoBody("ws-1", "target", "MIRROR", `[{"bucketId":"b-1","master":true}]`, "[]"))
	for _, master := range []string{"b-1", "b-2", "b-1", "b-2"} {
		wg.Go(func() {
			h.do(http.MethodPut, "/repo/"+id, repoBody("ws-1", "target", "MIRROR", fmt.Sprintf(`[{"bucketId":%q,"master":true}]`, master), "[]"))
		})
	}
	wg.Wait()
	if links := bucketLinks(h.repo(id)); len(links) != 1 || !links[0].Master {
		t.Errorf("after concurrent replaces: %+v, want one whole body", links)
	}
}

func TestDeclaredReposPassTheRules(t *testing.T) {
	t.Parallel()
	base := func(repo Repo) Options {
		o := gatewayOptions()
		gatewayBuckets(&o)
		o.WorkspaceRepos = []Repo{repo}
		return o
	}
	for name, tt := range map[string]struct {
		opts    Options
		mention string
	}{
		"unknown bucket":                    {base(Repo{ID: "r", WorkspaceID: "ws-1", Buckets: []RepoBucket{{BucketID: "nope"}}}), "nope"},
		"other workspace":                   {base(Repo{ID: "r", WorkspaceID: "ws-1", Buckets: []RepoBucket{{BucketID: "b-3"}}}), "b-3"},
		"MIRROR without a master":           {base(Repo{ID: "r", WorkspaceID: "ws-1", Mode: "MIRROR"}), "master"},
		"bad storage type":                  {base(Repo{ID: "r", WorkspaceID: "ws-1", StorageType: "AZURE"}), "AZURE"},
		"bad mode":                          {base(Repo{ID: "r", WorkspaceID: "ws-1", Mode: "BACKUP"}), "BACKUP"},
		"bucket declared twice":             {Options{Buckets: []Bucket{{ID: "b"}, {ID: "b"}}}, "declared twice"},
		"bucket without id":                 {Options{Buckets: []Bucket{{Name: "b"}}}, "empty id"},
		"bucket in an undeclared workspace": {Options{Buckets: []Bucket{{ID: "b", WorkspaceID: "nowhere"}}}, "nowhere"},
		"bucket names clash":                {Options{Buckets: []Bucket{{ID: "a", Name: "n"}, {ID: "b", Name: "n"}}}, `"n"`},
		"bucket storage type":               {Options{Buckets: []Bucket{{ID: "b", StorageType: "AZURE"}}}, "AZURE"},
	} {
		_, err := New(tt.opts)
		if err == nil || !strings.Contains(err.Error(), "emulator options") || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: New = %v, want an options error mentioning %s", name, err, tt.mention)
		}
	}
	// Namesakes may be declared, as lookups by name need them.
	o := gatewayOptions()
	o.WorkspaceRepos = append(o.WorkspaceRepos, Repo{ID: "repo-d", Name: "gateway", WorkspaceID: "ws-2"})
	if _, err := New(o); err != nil {
		t.Errorf("New with two repos named gateway = %v", err)
	}
}
