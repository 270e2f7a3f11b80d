package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// The wire shapes as the contract spells them, independent of the emulator's own
// types, and decoded strictly so that an extra field (a secret in a list) fails.
type wireCreated struct {
	Success bool   `json:"success"`
	ID      string `json:"id"`
	Key     string `json:"key"`
	Secret  string `json:"secret"`
	Message string `json:"message"`
}

type wireKey struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	RepoID    string  `json:"repoId"`
	Key       string  `json:"key"`
	AIType    string  `json:"aiType"`
	CreatedAt string  `json:"createdAt"`
	DeletedAt *string `json:"deletedAt"`
}

type wireList struct {
	Success bool      `json:"success"`
	APIKeys []wireKey `json:"apiKeys"`
}

func collectionPath(repoID string) string {
	return "/repo/" + url.PathEscape(repoID) + "/ai/apikey"
}

func itemPath(repoID, keyID string) string {
	return collectionPath(repoID) + "/" + url.PathEscape(keyID)
}

func (h *harness) create(repoID, name, aiType string) wireCreated {
	h.t.Helper()
	resp := h.do(http.MethodPost, collectionPath(repoID), fmt.Sprintf(`{"name":%q,"aiType":%q}`, name, aiType))
	if resp.status != http.StatusCreated {
		h.t.Fatalf("create in %s: status %d, body %s", repoID, resp.status, resp.body)
	}
	var created wireCreated
	decodeStrict(h.t, resp.body, &created)
	return created
}

func (h *harness) list(repoID string) []wireKey {
	h.t.Helper()
	resp := h.do(http.MethodGet, collectionPath(repoID), "")
	if resp.status != http.StatusOK {
		h.t.Fatalf("list %s: status %d, body %s", repoID, resp.status, resp.body)
	}
	var list wireList
	decodeStrict(h.t, resp.body, &list)
	if !list.Success {
		h.t.Fatalf("list %s: success false in %s", repoID, resp.body)
	}
	return list.APIKeys
}

func names(keys []wireKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Name)
	}
	return out
}

func TestCreateListUpdateDeleteRoundTrip(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	clock.Set(time.Date(2024, 1, 15, 10, 30, 0, 123456789, time.UTC))
	h := newHarness(t, Options{Now: clock.Now})

	resp := h.do(http.MethodPost, collectionPath("r1"), `{"name":"Production AI Key","aiType":"OPENAI"}`)
	if resp.status != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", resp.status, resp.body)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("create Content-Type %q", ct)
	}
	var created wireCreated
	decodeStrict(t, resp.body, &created)
	if !created.Success || created.Message == "" {
		t.Errorf("create body %s: want success and a message", resp.body)
	}
	if !uuidV4Pattern.MatchString(created.ID) {
		t.Errorf("id %q is not a UUID v4", created.ID)
	}
	if !keyPattern.MatchString(created.Key) {
		t.Errorf("key %q does not look like FB_AI_ + 24 hex", created.Key)
	}
	if len(created.Secret) < 48 {
		t.Errorf("secret %q is shorter than 48 characters", created.Secret)
	}

	listResp := h.do(http.MethodGet, collectionPath("r1"), "")
	if bytes.Contains(listResp.body, []byte(created.Secret)) || bytes.Contains(listResp.body, []byte(`"secret"`)) {
		t.Fatalf("list leaks the secret: %s", listResp.body)
	}
	if !bytes.Contains(listResp.body, []byte(`"deletedAt":null`)) {
		t.Errorf("list does not show deletedAt null: %s", listResp.body)
	}
	want := wireKey{
		ID: created.ID, Name: "Production AI Key", RepoID: "r1", Key: created.Key,
		AIType: "OPENAI", CreatedAt: "2024-01-15T10:30:00.123Z",
	}
	if got := h.list("r1"); len(got) != 1 || got[0] != want {
		t.Fatalf("list = %+v, want [%+v]", got, want)
	}
	if got := h.list("r2"); len(got) != 0 {
		t.Errorf("r2 lists r1's key: %+v", got)
	}

	clock.Advance(time.Hour)
	resp = h.do(http.MethodPut, itemPath("r1", created.ID), `{"name":"Renamed"}`)
	if resp.status != http.StatusOK {
		t.Fatalf("update: status %d, body %s", resp.status, resp.body)
	}
	var updated wireMessage
	decodeStrict(t, resp.body, &updated)
	if updated != (wireMessage{Success: true, Message: "AI API key updated successfully"}) {
		t.Errorf("update body %s", resp.body)
	}
	want.Name = "Renamed"
	if got := h.list("r1"); len(got) != 1 || got[0] != want {
		t.Fatalf("after rename list = %+v, want [%+v]", got, want)
	}
	live := h.emu.LiveKeys("r1")
	if len(live) != 1 || live[0].Secret != created.Secret || live[0].Name != "Renamed" {
		t.Fatalf("LiveKeys = %+v, want the renamed key with its secret", live)
	}

	resp = h.do(http.MethodDelete, itemPath("r1", created.ID), "")
	if resp.status != http.StatusOK {
		t.Fatalf("delete: status %d, body %s", resp.status, resp.body)
	}
	var deleted wireMessage
	decodeStrict(t, resp.body, &deleted)
	if !deleted.Success {
		t.Errorf("delete body %s", resp.body)
	}
	listResp = h.do(http.MethodGet, collectionPath("r1"), "")
	if string(listResp.body) != `{"success":true,"apiKeys":[]}` {
		t.Errorf("list after delete = %s, want an empty array", listResp.body)
	}
	if live := h.emu.LiveKeys(""); len(live) != 0 {
		t.Errorf("LiveKeys after delete = %+v", live)
	}
}

func TestListIsNewestFirstByCreatedAtThenCreationOrder(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newHarness(t, Options{Now: clock.Now})
	start := clock.Now()

	h.create("r1", "oldest", "OPENAI")
	clock.Advance(time.Second)
	h.create("r1", "tie-first", "GOOGLE")
	h.create("r1", "tie-second", "ANTHROPIC")
	// A clock that stepped back: createdAt, not creation order, decides.
	clock.Set(start.Add(-time.Second))
	h.create("r1", "backdated", "AWS")

	want := []string{"tie-second", "tie-first", "oldest", "backdated"}
	if got := names(h.list("r1")); !slices.Equal(got, want) {
		t.Errorf("list order = %v, want %v", got, want)
	}
	var live []string
	for _, k := range h.emu.LiveKeys("r1") {
		live = append(live, k.Name)
	}
	if !slices.Equal(live, want) {
		t.Errorf("LiveKeys order = %v, want %v", live, want)
	}
}

func TestListNeverContainsSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	var secrets []string
	for i := range 5 {
		secrets = append(secrets, h.create("r1", fmt.Sprintf("k%d", i), "OTHER").Secret)
	}
	resp := h.do(http.MethodGet, collectionPath("r1"), "")
	for _, secret := range secrets {
		if bytes.Contains(resp.body, []byte(secret)) {
			t.Fatalf("list contains secret %q", secret)
		}
	}
	keys := h.list("r1")
	if len(keys) != 5 {
		t.Fatalf("want 5 keys listed")
	}
	// With the real clock too, createdAt has the contract's millisecond UTC form.
	for _, k := range keys {
		if !createdAtPattern.MatchString(k.CreatedAt) {
			t.Errorf("createdAt %q is not like 2024-01-15T10:30:00.000Z", k.CreatedAt)
		}
	}
}

func TestForbiddenRepo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	expectError(t, h.do(http.MethodGet, collectionPath("other"), ""), http.StatusForbidden)
	expectError(t, h.do(http.MethodPost, collectionPath("other"), `{"name":"x","aiType":"OPENAI"}`), http.StatusForbidden)
	expectError(t, h.do(http.MethodPut, itemPath("other", "k"), `{"name":"x"}`), http.StatusForbidden)
	expectError(t, h.do(http.MethodDelete, itemPath("other", "k"), ""), http.StatusForbidden)
	if live := h.emu.LiveKeys(""); len(live) != 0 {
		t.Fatalf("a forbidden create stored %+v", live)
	}

	if err := h.emu.AddRepo("other"); err != nil {
		t.Fatal(err)
	}
	h.create("other", "now allowed", "OPENAI")
	if got := names(h.list("other")); !slices.Equal(got, []string{"now allowed"}) {
		t.Errorf("list after AddRepo = %v", got)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	unknown := "550e8400-e29b-41d4-a716-446655440000"
	expectError(t, h.do(http.MethodPut, itemPath("r1", unknown), `{"name":"x"}`), http.StatusNotFound)
	expectError(t, h.do(http.MethodDelete, itemPath("r1", unknown), ""), http.StatusNotFound)

	k := h.create("r1", "k", "OPENAI")
	// Keys belong to one repo: another repo's path does not reach them.
	expectError(t, h.do(http.MethodPut, itemPath("r2", k.ID), `{"name":"x"}`), http.StatusNotFound)
	expectError(t, h.do(http.MethodDelete, itemPath("r2", k.ID), ""), http.StatusNotFound)
	if live := h.emu.LiveKeys("r1"); len(live) != 1 || live[0].Name != "k" {
		t.Fatalf("requests through r2 changed r1's key: %+v", live)
	}

	if resp := h.do(http.MethodDelete, itemPath("r1", k.ID), ""); resp.status != http.StatusOK {
		t.Fatalf("first delete: %d %s", resp.status, resp.body)
	}
	expectError(t, h.do(http.MethodDelete, itemPath("r1", k.ID), ""), http.StatusNotFound)
	expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"x"}`), http.StatusNotFound)
	expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{}`), http.StatusNotFound)

	for _, path := range []string{
		"/", "/repo/r1", "/repo/r1/ai", "/repo/r1/ai/apikeys", "/repo//ai/apikey",
		"/repo/r1/ai/apikey/", "/repo/r1/ai/apikey/id/extra", "/repos/r1/ai/apikey",
	} {
		t.Run(path, func(t *testing.T) {
			expectError(t, h.do(http.MethodGet, path, ""), http.StatusNotFound)
		})
	}
}

func TestCreateRejectsInvalidBodies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	cases := map[string]string{
		"not JSON":             `not json`,
		"empty body":           ``,
		"truncated JSON":       `{"name":"x","aiType":"OPE`,
		"array":                `[{"name":"x","aiType":"OPENAI"}]`,
		"null":                 `null`,
		"string":               `"x"`,
		"two objects":          `{"name":"x","aiType":"OPENAI"}{}`,
		"missing name":         `{"aiType":"OPENAI"}`,
		"null name":            `{"name":null,"aiType":"OPENAI"}`,
		"empty name":           `{"name":"","aiType":"OPENAI"}`,
		"name in wrong case":   `{"Name":"x","aiType":"OPENAI"}`,
		"name is a number":     `{"name":42,"aiType":"OPENAI"}`,
		"name is an array":     `{"name":["x"],"aiType":"OPENAI"}`,
		"name over 255 chars":  fmt.Sprintf(`{"name":%q,"aiType":"OPENAI"}`, strings.Repeat("n", 256)),
		"missing aiType":       `{"name":"x"}`,
		"empty aiType":         `{"name":"x","aiType":""}`,
		"unknown aiType":       `{"name":"x","aiType":"AZURE"}`,
		"lower-case aiType":    `{"name":"x","aiType":"openai"}`,
		"aiType is a boolean":  `{"name":"x","aiType":true}`,
		"aiType is an object":  `{"name":"x","aiType":{"v":"OPENAI"}}`,
		"body larger than MiB": fmt.Sprintf(`{"name":"x","aiType":"OPENAI","pad":%q}`, strings.Repeat("p", maxBodyBytes)),
	}
	for label, body := range cases {
		t.Run(label, func(t *testing.T) {
			expectError(t, h.do(http.MethodPost, collectionPath("r1"), body), http.StatusBadRequest)
		})
	}
	if live := h.emu.LiveKeys(""); len(live) != 0 {
		t.Fatalf("invalid bodies created keys: %+v", live)
	}

	// The limit counts characters, not bytes.
	longest := strings.Repeat("é", MaxNameLength)
	for _, aiType := range client.AITypes() {
		h.create("r1", longest, aiType)
	}
	for _, k := range h.list("r1") {
		if k.Name != longest {
			t.Errorf("255-character name came back as %q", k.Name)
		}
	}
}

func TestUpdateRejectsInvalidBodies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	k := h.create("r1", "original", "OPENAI")
	cases := map[string]string{
		"not JSON":            `not json`,
		"empty body":          ``,
		"array":               `["x"]`,
		"empty name":          `{"name":""}`,
		"name is a number":    `{"name":5}`,
		"name is a boolean":   `{"name":false}`,
		"name over 255 chars": fmt.Sprintf(`{"name":%q}`, strings.Repeat("n", 256)),
	}
	for label, body := range cases {
		t.Run(label, func(t *testing.T) {
			expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), body), http.StatusBadRequest)
		})
	}
	// Every field is optional, and null means absent: these succeed and change nothing.
	for _, body := range []string{`{}`, `{"name":null}`, `{"other":1}`} {
		if resp := h.do(http.MethodPut, itemPath("r1", k.ID), body); resp.status != http.StatusOK {
			t.Errorf("update with %s: %d %s", body, resp.status, resp.body)
		}
	}
	if got := names(h.list("r1")); !slices.Equal(got, []string{"original"}) {
		t.Errorf("name after rejected updates = %v", got)
	}
}

func TestListLagHidesNewKeys(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	h := newHarness(t, Options{Now: clock.Now, ListLag: 10 * time.Second})
	k := h.create("r1", "fresh", "OPENAI")

	if got := h.list("r1"); len(got) != 0 {
		t.Fatalf("a brand-new key is listed despite ListLag: %+v", got)
	}
	if live := h.emu.LiveKeys("r1"); len(live) != 1 {
		t.Fatalf("LiveKeys must ignore ListLag, got %+v", live)
	}
	// The key exists even while lists hide it.
	if resp := h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"renamed"}`); resp.status != http.StatusOK {
		t.Fatalf("rename during lag: %d %s", resp.status, resp.body)
	}
	clock.Advance(10*time.Second - time.Millisecond)
	if got := h.list("r1"); len(got) != 0 {
		t.Fatalf("listed before ListLag passed: %+v", got)
	}
	clock.Advance(time.Millisecond)
	if got := names(h.list("r1")); !slices.Equal(got, []string{"renamed"}) {
		t.Fatalf("list after ListLag = %v", got)
	}
}

func TestOutOfBandChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	a := h.create("r1", "a", "OPENAI")
	b := h.create("r1", "b", "OPENAI")

	if err := h.emu.RenameKey("r1", a.ID, "renamed in UI"); err != nil {
		t.Fatal(err)
	}
	if err := h.emu.DeleteKey("r1", b.ID); err != nil {
		t.Fatal(err)
	}
	if got := names(h.list("r1")); !slices.Equal(got, []string{"renamed in UI"}) {
		t.Fatalf("list = %v", got)
	}
	for _, err := range []error{
		h.emu.DeleteKey("r1", b.ID),
		h.emu.RenameKey("r1", b.ID, "x"),
		h.emu.DeleteKey("r2", a.ID),
		h.emu.DeleteKey("r1", "unknown"),
	} {
		if !errors.Is(err, ErrKeyNotFound) {
			t.Errorf("err = %v, want ErrKeyNotFound", err)
		}
	}
	if err := h.emu.RenameKey("r1", a.ID, ""); err == nil {
		t.Error("RenameKey accepted an empty name")
	}
}

func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "state.json")
	h := newHarness(t, Options{DataFile: file})
	const workers, perWorker = 16, 8
	keepAlive := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer keepAlive.CloseIdleConnections()

	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[string]bool{}
	)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				resp, err := h.send(keepAlive, http.MethodPost, collectionPath("r1"), "Bearer "+testToken,
					fmt.Sprintf(`{"name":"w%d-%d","aiType":"OPENAI"}`, w, i))
				if err != nil || resp.status != http.StatusCreated {
					t.Errorf("create: %v %d %s", err, resp.status, resp.body)
					return
				}
				var c wireCreated
				if err := json.Unmarshal(resp.body, &c); err != nil {
					t.Errorf("decode: %v", err)
					return
				}
				mu.Lock()
				ids[c.ID] = true
				mu.Unlock()
				// Readers race the writers too.
				h.emu.LiveKeys("r1")
				h.emu.Requests("", OpCreate)
			}
		})
		wg.Go(func() {
			for range perWorker {
				if _, err := h.send(keepAlive, http.MethodGet, collectionPath("r1"), "Bearer "+testToken, ""); err != nil {
					t.Errorf("list: %v", err)
				}
			}
		})
	}
	wg.Wait()

	const want = workers * perWorker
	if len(ids) != want {
		t.Fatalf("%d distinct ids, want %d", len(ids), want)
	}
	if got := len(h.list("r1")); got != want {
		t.Errorf("list has %d keys, want %d", got, want)
	}
	reloaded, err := New(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(reloaded.LiveKeys("r1")); got != want {
		t.Errorf("data file holds %d keys, want %d", got, want)
	}
}

func TestListDeletedShowsSoftDeletedKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{ListDeleted: true})
	gone := h.create("r1", "gone", "OPENAI")
	kept := h.create("r1", "kept", "OPENAI")
	if err := h.emu.DeleteKey("r1", gone.ID); err != nil {
		t.Fatal(err)
	}
	got := h.list("r1")
	if len(got) != 2 {
		t.Fatalf("ListDeleted must list the soft-deleted key too, got %+v", got)
	}
	for _, k := range got {
		switch k.ID {
		case gone.ID:
			if k.DeletedAt == nil {
				t.Errorf("soft-deleted key %s listed without deletedAt", k.ID)
			}
		case kept.ID:
			if k.DeletedAt != nil {
				t.Errorf("live key %s listed with deletedAt %q", k.ID, *k.DeletedAt)
			}
		}
	}
	// Listed or not, a deleted key stays deleted.
	if resp := h.do(http.MethodPut, itemPath("r1", gone.ID), `{"name":"back"}`); resp.status != http.StatusNotFound {
		t.Fatalf("rename of a soft-deleted key: %d, want 404", resp.status)
	}
	if live := h.emu.LiveKeys("r1"); len(live) != 1 || live[0].ID != kept.ID {
		t.Fatalf("LiveKeys = %+v, want only %s", live, kept.ID)
	}
}

func TestKeysFollowTheRepoDeclarations(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	// A repo declared with its workspace serves keys like one in Repos.
	k := h.create("repo-c", "k", "OPENAI")
	if got := h.list("repo-c"); len(got) != 1 || got[0].ID != k.ID {
		t.Fatalf("list repo-c = %+v", got)
	}
	// Another organization's repo exists, but its keys are out of reach.
	expectErrorMentioning(t, h.do(http.MethodGet, collectionPath("repo-x"), ""), http.StatusForbidden, "repo-x")
	expectError(t, h.do(http.MethodPost, collectionPath("repo-x"), `{"name":"x","aiType":"OPENAI"}`), http.StatusForbidden)
	if live := h.emu.LiveKeys("repo-x"); len(live) != 0 {
		t.Errorf("a forbidden create stored %+v", live)
	}
}
