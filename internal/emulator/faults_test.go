package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

func TestFaults(t *testing.T) {
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
