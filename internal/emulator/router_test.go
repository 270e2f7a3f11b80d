package emulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestMethodNotAllowed(t *testing.T) {
	h := newHarness(t, Options{})
	cases := []struct{ method, path, allow string }{
		{http.MethodPatch, collectionPath("r1"), "GET, POST"},
		{http.MethodDelete, collectionPath("r1"), "GET, POST"},
		{http.MethodPut, collectionPath("r1"), "GET, POST"},
		{http.MethodPatch, itemPath("r1", "k"), "PUT, DELETE"},
		{http.MethodGet, itemPath("r1", "k"), "PUT, DELETE"},
		{http.MethodPost, itemPath("r1", "k"), "PUT, DELETE"},
	}
	for _, c := range cases {
		resp := h.do(c.method, c.path, "")
		expectError(t, resp, http.StatusMethodNotAllowed)
		if got := resp.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
}

func TestEscapedPathSegments(t *testing.T) {
	h := newHarness(t, Options{Repos: []string{"a/b", "a", "repo 1"}})
	for _, repo := range []string{"a/b", "repo 1"} {
		t.Run(repo, func(t *testing.T) {
			k := h.create(repo, "k", "OPENAI")
			listed := h.list(repo)
			if len(listed) != 1 || listed[0].ID != k.ID || listed[0].RepoID != repo {
				t.Fatalf("list %q = %+v", repo, listed)
			}
			if live := h.emu.LiveKeys(repo); len(live) != 1 || live[0].RepoID != repo {
				t.Fatalf("LiveKeys(%q) = %+v", repo, live)
			}
			if resp := h.do(http.MethodPut, itemPath(repo, k.ID), `{"name":"renamed"}`); resp.status != http.StatusOK {
				t.Fatalf("update: %d %s", resp.status, resp.body)
			}
			if got := names(h.list(repo)); !slices.Equal(got, []string{"renamed"}) {
				t.Fatalf("after rename: %v", got)
			}
			if resp := h.do(http.MethodDelete, itemPath(repo, k.ID), ""); resp.status != http.StatusOK {
				t.Fatalf("delete: %d %s", resp.status, resp.body)
			}
		})
	}
	if live := h.emu.LiveKeys("a"); len(live) != 0 {
		t.Errorf("a key for a/b landed in repo a: %+v", live)
	}

	// An escaped key id reaches the key lookup as one decoded segment.
	msg := expectError(t, h.do(http.MethodDelete, itemPath("a/b", "x/y"), ""), http.StatusNotFound)
	if !strings.Contains(msg.Message, "AI API key not found") || !strings.Contains(msg.Message, "x/y") {
		t.Errorf("message %q, want the key lookup's not-found for x/y", msg.Message)
	}
}
