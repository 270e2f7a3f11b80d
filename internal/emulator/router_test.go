package emulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	cases := []struct{ method, path, allow string }{
		{http.MethodPatch, collectionPath("r1"), "GET, POST"},
		{http.MethodDelete, collectionPath("r1"), "GET, POST"},
		{http.MethodPut, collectionPath("r1"), "GET, POST"},
		{http.MethodPatch, itemPath("r1", "k"), "PUT, DELETE"},
		{http.MethodGet, itemPath("r1", "k"), "PUT, DELETE"},
		{http.MethodPost, itemPath("r1", "k"), "PUT, DELETE"},
		{http.MethodPatch, "/ai/llm", "GET, POST"},
		{http.MethodPost, "/ai/llm/available", "GET, PUT, DELETE"}, // the literal route, then {id}
		{http.MethodPatch, "/ai/llm/id", "PUT, DELETE"},
		{http.MethodGet, "/ai/llm/id/validate", "POST"},
		{http.MethodDelete, "/policy", "GET, POST"},
		{http.MethodPost, "/policy/id", "GET, PUT, DELETE"},
		{http.MethodPatch, "/repo", "GET, POST"},
		{http.MethodPatch, "/repo/id", "PUT, DELETE"},
		{http.MethodPost, "/repo/id", "PUT, DELETE"},
		{http.MethodPost, "/bucket", "GET"},
		{http.MethodPatch, "/workspace", "GET, POST"},
		{http.MethodPatch, "/workspace/ws", "GET, PUT, DELETE"},
		{http.MethodPut, "/user/profile", "GET"},
		{http.MethodPut, "/organization/org", "GET"},
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
	t.Parallel()
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

// The contract has no read-one call for AI LLM configurations, repos or
// buckets, and the emulator no repo dry run: those paths are no route (404),
// whatever the id, and need no token.
func TestReadOneCallsThatDoNotExist(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	id := h.createLLM("ws-1", "exists")
	h.emu.ResetCounters()
	for _, c := range []struct{ method, path, hint string }{
		{http.MethodGet, llmPath(id), "GET /ai/llm?workspaceId="},
		{http.MethodGet, "/repo/repo-a", "GET /repo?repoId="},
		{http.MethodGet, "/repo/unknown", "GET /repo?repoId="},
		{http.MethodGet, "/bucket/b-1", "GET /bucket?workspaceId="},
		{http.MethodPost, "/repo/validate", "POST or PUT the repo itself"},
		{http.MethodPost, "/repo/repo-a/validate", "POST or PUT the repo itself"},
	} {
		resp, err := h.send(h.client, c.method, c.path, "", `{}`)
		if err != nil {
			t.Fatal(err)
		}
		expectErrorMentioning(t, resp, http.StatusNotFound, "no endpoint", c.hint)
	}
	for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPost} {
		expectError(t, h.do(method, "/repo/repo-a/ai", `{}`), http.StatusNotFound)
	}
	if n := h.emu.Requests("", ""); n != 9 || h.emu.Requests("", OpLLMList) != 0 || h.emu.Requests("", OpRepoCreate) != 0 {
		t.Errorf("counted %d requests (%d as llm lists, %d as repo creates), want 9 under the empty operation",
			n, h.emu.Requests("", OpLLMList), h.emu.Requests("", OpRepoCreate))
	}
	// The literal route wins over the id route.
	if got := h.availableLLMs(); len(got) != 0 {
		t.Errorf("available = %v", got)
	}
}

func TestEveryOperationIsCountedUnderItsOwnName(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	llm := h.createLLM("ws-1", "l")
	policy := h.createPolicy("p", "", "").ID
	key := h.create("repo-a", "k", "OPENAI").ID
	emptyWorkspace := h.createWorkspace("empty").ID
	h.emu.ResetCounters()

	calls := []struct{ method, path, body, op string }{
		{http.MethodGet, collectionPath("repo-a"), "", OpList},
		{http.MethodPost, collectionPath("repo-a"), `{"name":"k2","aiType":"OPENAI"}`, OpCreate},
		{http.MethodPut, itemPath("repo-a", key), `{"name":"k3"}`, OpUpdate},
		{http.MethodDelete, itemPath("repo-a", key), "", OpDelete},
		{http.MethodGet, "/ai/llm", "", OpLLMList},
		{http.MethodGet, "/ai/llm/available", "", OpLLMAvailable},
		{http.MethodPost, "/ai/llm", llmBody("ws-1", "l2"), OpLLMCreate},
		{http.MethodPut, llmPath(llm), `{"name":"l3"}`, OpLLMUpdate},
		{http.MethodPost, llmPath(llm) + "/validate", "", OpLLMValidate},
		{http.MethodDelete, llmPath(llm), "", OpLLMDelete},
		{http.MethodGet, "/policy?orgId=org-1", "", OpPolicyList},
		{http.MethodGet, policyPath(policy), "", OpPolicyGet},
		{http.MethodPost, "/policy", policyCreateBody("p2", "", ""), OpPolicyCreate},
		{http.MethodPut, policyPath(policy), `{"name":"p3"}`, OpPolicyUpdate},
		{http.MethodDelete, policyPath(policy), "", OpPolicyDelete},
		{http.MethodGet, "/repo", "", OpRepoList},
		{http.MethodPost, "/repo", repoBody("ws-1", "new", "NORMAL", "[]", "[]"), OpRepoCreate},
		{http.MethodPut, "/repo/repo-b", repoBody("ws-1", "batch", "NORMAL", "[]", "[]"), OpRepoUpdate},
		{http.MethodDelete, "/repo/repo-b", "", OpRepoDelete},
		{http.MethodGet, "/bucket", "", OpBucketList},
		{http.MethodGet, "/workspace", "", OpWorkspaceList},
		{http.MethodGet, "/workspace/ws-1", "", OpWorkspaceGet},
		{http.MethodPost, "/workspace", `{"name":"w"}`, OpWorkspaceCreate},
		{http.MethodPut, "/workspace/ws-1", `{"name":"w"}`, OpWorkspaceUpdate},
		{http.MethodDelete, "/workspace/" + emptyWorkspace, "", OpWorkspaceDelete},
		{http.MethodGet, "/user/profile", "", OpProfileGet},
		{http.MethodGet, "/organization/org-1", "", OpOrganizationGet},
	}
	ops := map[string]bool{}
	for _, c := range calls {
		if ops[c.op] {
			t.Fatalf("operation %q named twice", c.op)
		}
		ops[c.op] = true
		if resp := h.do(c.method, c.path, c.body); resp.status != http.StatusOK && resp.status != http.StatusCreated {
			t.Fatalf("%s %s: %d %s", c.method, c.path, resp.status, resp.body)
		}
	}
	for _, c := range calls {
		if n := h.emu.Requests(c.method, c.op); n != 1 {
			t.Errorf("Requests(%s, %q) = %d, want 1", c.method, c.op, n)
		}
	}
	if n := h.emu.Requests("", ""); n != len(calls) {
		t.Errorf("RequestsTotal = %d, want %d", n, len(calls))
	}
}
