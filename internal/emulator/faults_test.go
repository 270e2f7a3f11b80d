package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	const body = `{"name":"k","aiType":"OPENAI"}`

	t.Run("status with Retry-After, once", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpCreate, Status: http.StatusServiceUnavailable, RetryAfter: "1", Count: 1})
		resp := h.do(http.MethodPost, collectionPath("r1"), body)
		expectError(t, resp, http.StatusServiceUnavailable)
		if got := resp.header.Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After %q, want 1", got)
		}
		if live := h.emu.LiveKeys(""); len(live) != 0 {
			t.Fatalf("a failed create stored %+v", live)
		}
		h.create("r1", "k", "OPENAI")
	})

	t.Run("drop before acting creates nothing", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Method: http.MethodPost, Drop: true, Count: 1})
		if _, err := h.send(h.client, http.MethodPost, collectionPath("r1"), "Bearer "+testToken, body); err == nil {
			t.Fatal("a dropped request got a response")
		}
		if live := h.emu.LiveKeys(""); len(live) != 0 {
			t.Fatalf("a dropped create stored %+v", live)
		}
		if n := h.emu.Requests(http.MethodPost, OpCreate); n != 1 {
			t.Errorf("dropped request counted %d times, want 1", n)
		}
		h.create("r1", "k", "OPENAI")
	})

	t.Run("drop after acting creates the key", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpCreate, Drop: true, AfterAct: true, Count: 1})
		if _, err := h.send(h.client, http.MethodPost, collectionPath("r1"), "Bearer "+testToken, body); err == nil {
			t.Fatal("a dropped request got a response")
		}
		if live := h.emu.LiveKeys("r1"); len(live) != 1 || live[0].Name != "k" {
			t.Fatalf("LiveKeys = %+v, want the key created before the drop", live)
		}
	})

	t.Run("status after acting applies the rename", func(t *testing.T) {
		h := newHarness(t, Options{})
		k := h.create("r1", "old", "OPENAI")
		h.emu.InjectFault(Fault{Op: OpUpdate, Status: http.StatusGatewayTimeout, AfterAct: true})
		expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"new"}`), http.StatusGatewayTimeout)
		if got := names(h.list("r1")); !slices.Equal(got, []string{"new"}) {
			t.Errorf("list = %v, want the rename applied", got)
		}
	})

	t.Run("id placeholder in an overridden body", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpCreate, Status: http.StatusCreated, AfterAct: true, Body: `{"success":true,"id":"{{id}}"}`, Count: 1})
		resp := h.do(http.MethodPost, collectionPath("r1"), body)
		live := h.emu.LiveKeys("r1")
		if len(live) != 1 {
			t.Fatalf("LiveKeys = %+v, want the created key", live)
		}
		if resp.status != http.StatusCreated || string(resp.body) != `{"success":true,"id":"`+live[0].ID+`"}` {
			t.Errorf("response %d %s, want 201 with the real id %s", resp.status, resp.body, live[0].ID)
		}
	})

	t.Run("raw body override without acting", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpCreate, Status: http.StatusCreated, Body: "not json", Count: 1})
		h.emu.InjectFault(Fault{Op: OpList, Status: http.StatusBadGateway, Body: "<html>502</html>", ContentType: "text/html", Count: 1})
		resp := h.do(http.MethodPost, collectionPath("r1"), body)
		if resp.status != http.StatusCreated || string(resp.body) != "not json" || resp.header.Get("Content-Type") != "application/json" {
			t.Errorf("create response %d %q %q", resp.status, resp.body, resp.header.Get("Content-Type"))
		}
		if live := h.emu.LiveKeys(""); len(live) != 0 {
			t.Errorf("a fault without AfterAct created %+v", live)
		}
		resp = h.do(http.MethodGet, collectionPath("r1"), "")
		if resp.status != http.StatusBadGateway || string(resp.body) != "<html>502</html>" || resp.header.Get("Content-Type") != "text/html" {
			t.Errorf("list response %d %q %q", resp.status, resp.body, resp.header.Get("Content-Type"))
		}
	})

	t.Run("count runs out, in injection order", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpList, Status: http.StatusBadGateway, Count: 2})
		h.emu.InjectFault(Fault{Op: OpList, Status: http.StatusServiceUnavailable, Count: 1})
		var got []int
		for range 4 {
			got = append(got, h.do(http.MethodGet, collectionPath("r1"), "").status)
		}
		want := []int{502, 502, 503, 200}
		if !slices.Equal(got, want) {
			t.Errorf("statuses = %v, want %v", got, want)
		}
	})

	t.Run("matches method and op only", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Op: OpDelete, Status: http.StatusInternalServerError})
		h.emu.InjectFault(Fault{Method: http.MethodPut, Status: http.StatusInternalServerError})
		k := h.create("r1", "k", "OPENAI")
		h.list("r1")
		expectError(t, h.do(http.MethodPut, itemPath("r1", k.ID), `{"name":"x"}`), http.StatusInternalServerError)
		expectError(t, h.do(http.MethodDelete, itemPath("r1", k.ID), ""), http.StatusInternalServerError)
		expectError(t, h.do(http.MethodDelete, itemPath("r1", k.ID), ""), http.StatusInternalServerError)
		if got := names(h.list("r1")); !slices.Equal(got, []string{"k"}) {
			t.Errorf("faulted requests acted: %v", got)
		}
	})

	t.Run("clear", func(t *testing.T) {
		h := newHarness(t, Options{})
		h.emu.InjectFault(Fault{Status: http.StatusInternalServerError})
		expectError(t, h.do(http.MethodGet, collectionPath("r1"), ""), http.StatusInternalServerError)
		h.emu.ClearFaults()
		h.list("r1")
	})
}

// chaosOutcomes sends n requests of alternating kinds under chaos and describes
// each outcome.
func chaosOutcomes(t *testing.T, seed int64, n int) (outcomes []string, created int, h *harness) {
	h = newHarness(t, Options{})
	h.emu.SetChaos(&Chaos{Rate: 0.5, Seed: seed})
	for i := range n {
		method, path, body := http.MethodGet, collectionPath("r1"), ""
		if i%2 == 1 {
			method, body = http.MethodPost, `{"name":"k","aiType":"OPENAI"}`
		}
		resp, err := h.send(h.client, method, path, "Bearer "+testToken, body)
		switch {
		case err != nil:
			outcomes = append(outcomes, "drop")
		case resp.status == http.StatusTooManyRequests:
			outcomes = append(outcomes, "429 retry-after="+resp.header.Get("Retry-After"))
		default:
			outcomes = append(outcomes, fmt.Sprint(resp.status))
			if resp.status == http.StatusCreated {
				created++
			}
		}
	}
	return outcomes, created, h
}

func TestChaosIsReproducible(t *testing.T) {
	t.Parallel()
	first, created, h := chaosOutcomes(t, 7, 80)
	again, _, _ := chaosOutcomes(t, 7, 80)
	other, _, _ := chaosOutcomes(t, 8, 80)
	if !slices.Equal(first, again) {
		t.Fatalf("same seed, different outcomes:\n%v\n%v", first, again)
	}
	if slices.Equal(first, other) {
		t.Errorf("different seeds gave the same outcomes: %v", first)
	}
	kinds := map[string]bool{}
	for _, o := range first {
		kinds[o] = true
	}
	for _, want := range []string{"200", "201", "429 retry-after=0", "502", "503", "504", "drop"} {
		if !kinds[want] {
			t.Errorf("outcome %q never happened in %v", want, first)
		}
	}
	if live := len(h.emu.LiveKeys("")); live != created {
		t.Errorf("%d keys stored but %d creates succeeded: chaos must fail before acting", live, created)
	}

	h.emu.SetChaos(nil)
	for range 20 {
		h.list("r1")
	}
}

func TestFaultsTargetOneCollectionOperation(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	h.emu.InjectFault(Fault{Op: OpLLMCreate, Status: http.StatusServiceUnavailable, RetryAfter: "2", Count: 1})
	h.emu.InjectFault(Fault{Op: OpPolicyGet, Status: http.StatusTooManyRequests, RetryAfter: "0", Count: 1})

	// Other collections' creates and lists are not touched.
	h.create("repo-a", "k", "OPENAI")
	p := h.createPolicy("p", "", "")
	h.listLLMs("")

	resp := h.do(http.MethodPost, "/ai/llm", llmBody("ws-1", "l"))
	expectError(t, resp, http.StatusServiceUnavailable)
	if resp.header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q", resp.header.Get("Retry-After"))
	}
	if stored := h.emu.LLMs(""); len(stored) != 0 {
		t.Fatalf("a faulted create stored %+v", stored)
	}
	h.createLLM("ws-1", "l")

	expectError(t, h.do(http.MethodGet, policyPath(p.ID), ""), http.StatusTooManyRequests)
	h.getPolicy(p.ID)
	if n := h.emu.Requests(http.MethodGet, OpPolicyGet); n != 2 {
		t.Errorf("Requests(GET, policy.get) = %d, want the faulted one counted too", n)
	}
}

func TestAfterActFaultsOnEveryCreate(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	h.emu.InjectFault(Fault{Op: OpLLMCreate, Status: http.StatusOK, AfterAct: true, Count: 1,
		Body: `{"success":true,"aiLlmId":"{{id}}","lost":true}`})
	h.emu.InjectFault(Fault{Op: OpPolicyCreate, Status: http.StatusBadGateway, AfterAct: true, Count: 1,
		Body: `<html>502 for {{id}}</html>`, ContentType: "text/html"})
	h.emu.InjectFault(Fault{Op: OpLLMUpdate, Drop: true, AfterAct: true, Count: 1})
	h.emu.InjectFault(Fault{Op: OpRepoCreate, Status: http.StatusGatewayTimeout, AfterAct: true, Count: 1,
		Body: `{"success":false,"lostRepo":"{{id}}"}`})
	h.emu.InjectFault(Fault{Op: OpWorkspaceCreate, Drop: true, AfterAct: true, Count: 1})
	h.emu.InjectFault(Fault{Op: OpRepoUpdate, Status: http.StatusBadGateway, AfterAct: true, Count: 1})

	resp := h.do(http.MethodPost, "/ai/llm", llmBody("ws-1", "l"))
	stored := h.emu.LLMs("ws-1")
	if len(stored) != 1 {
		t.Fatalf("LLMs = %+v, want the configuration created before the fault", stored)
	}
	if want := `{"success":true,"aiLlmId":"` + stored[0].ID + `","lost":true}`; resp.status != http.StatusOK || string(resp.body) != want {
		t.Errorf("create answered %d %s, want %s", resp.status, resp.body, want)
	}

	resp = h.do(http.MethodPost, "/policy", policyCreateBody("p", "", ""))
	policies := h.emu.Policies()
	if len(policies) != 1 {
		t.Fatalf("Policies = %+v, want the policy created before the fault", policies)
	}
	if want := "<html>502 for " + policies[0].ID + "</html>"; resp.status != http.StatusBadGateway || string(resp.body) != want {
		t.Errorf("policy create answered %d %s, want %s", resp.status, resp.body, want)
	}

	if _, err := h.send(h.client, http.MethodPut, llmPath(stored[0].ID), "Bearer "+testToken, `{"name":"renamed"}`); err == nil {
		t.Fatal("a dropped update got a response")
	}
	if got := h.emu.LLMs("ws-1")[0].Name; got != "renamed" {
		t.Errorf("name after a dropped AfterAct update = %q, want the rename applied", got)
	}

	resp = h.do(http.MethodPost, "/repo", repoBody("ws-1", "lost", "NORMAL", "[]", "[]"))
	repos := h.emu.Repos("ws-1")
	if len(repos) != 3 || repos[2].Name != "lost" {
		t.Fatalf("Repos = %+v, want the repo created before the fault", repos)
	}
	if want := `{"success":false,"lostRepo":"` + repos[2].ID + `"}`; resp.status != http.StatusGatewayTimeout || string(resp.body) != want {
		t.Errorf("repo create answered %d %s, want %s", resp.status, resp.body, want)
	}
	if _, err := h.send(h.client, http.MethodPost, "/workspace", "Bearer "+testToken, `{"name":"lost"}`); err == nil {
		t.Fatal("a dropped workspace create got a response")
	}
	if ws := h.emu.Workspaces(); len(ws) != 4 || ws[3].Name != "lost" {
		t.Errorf("Workspaces = %+v, want the one created before the fault", ws)
	}
	expectError(t, h.do(http.MethodPut, "/repo/"+repos[2].ID, repoBody("ws-1", "found", "NORMAL", "[]", "[]")), http.StatusBadGateway)
	if got := h.emu.Repos("ws-1")[2].Name; got != "found" {
		t.Errorf("name after an AfterAct replace fault = %q, want the replace applied", got)
	}
}

func TestChaosCoversEveryCollection(t *testing.T) {
	t.Parallel()
	h := newGateway(t, nil)
	h.emu.SetChaos(&Chaos{Rate: 1, Seed: 3})
	for _, path := range []string{"/ai/llm", "/policy?orgId=org-1", "/repo", "/bucket", "/workspace", "/user/profile"} {
		resp, err := h.send(h.client, http.MethodGet, path, "Bearer "+testToken, "")
		if err == nil && resp.status < 429 {
			t.Errorf("GET %s under full chaos answered %d", path, resp.status)
		}
	}
	resp, err := h.send(h.client, http.MethodPost, "/ai/llm", "Bearer "+testToken, llmBody("ws-1", "l"))
	if err == nil && resp.status < 429 {
		t.Errorf("a create under full chaos answered %d", resp.status)
	}
	resp, err = h.send(h.client, http.MethodPost, "/repo", "Bearer "+testToken, repoBody("ws-1", "r", "NORMAL", "[]", "[]"))
	if err == nil && resp.status < 429 {
		t.Errorf("a repo create under full chaos answered %d", resp.status)
	}
	if stored := h.emu.LLMs(""); len(stored) != 0 {
		t.Errorf("chaos before acting stored %+v", stored)
	}
	if repos := h.emu.Repos("ws-1"); len(repos) != 2 {
		t.Errorf("chaos before acting stored a repo: %+v", repos)
	}
}
