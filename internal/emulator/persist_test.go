package emulator

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPersistenceAcrossRestarts(t *testing.T) {
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
	dir := t.TempDir()
	if _, err := New(Options{DataFile: filepath.Join(dir, "absent.json")}); err != nil {
		t.Errorf("a missing data file must be an empty store, got %v", err)
	}
	for label, content := range map[string]string{
		"not JSON":      "{",
		"empty":         "",
		"wrong version": `{"version":99,"keys":[]}`,
		"duplicate ids": `{"version":1,"keys":[{"id":"a","repoId":"r"},{"id":"a","repoId":"r"}]}`,
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
