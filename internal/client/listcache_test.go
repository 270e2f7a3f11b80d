package client

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

// fakeLister is a list of AI API keys whose calls are counted and, when
// gated, wait for the test to release them.
type fakeLister struct {
	mu    sync.Mutex
	calls []*listCall
	// gated makes every List wait until its call is released (or its context ends).
	gated bool
	// result answers the n-th (1-based) List of all repos.
	result  func(repoID string, n int) ([]AIAPIKey, error)
	started chan *listCall
}

type listCall struct {
	repoID  string
	n       int
	ctx     context.Context
	release chan struct{}
}

func newFakeLister(gated bool) *fakeLister {
	return &fakeLister{
		gated:   gated,
		started: make(chan *listCall, 100),
		result: func(repoID string, n int) ([]AIAPIKey, error) {
			return []AIAPIKey{{ID: repoID + "-key", Name: "from call", RepoID: repoID}}, nil
		},
	}
}

func (f *fakeLister) List(ctx context.Context, repoID string) ([]AIAPIKey, error) {
	f.mu.Lock()
	call := &listCall{repoID: repoID, n: len(f.calls) + 1, ctx: ctx, release: make(chan struct{})}
	f.calls = append(f.calls, call)
	result := f.result
	f.mu.Unlock()
	f.started <- call
	if f.gated {
		select {
		case <-call.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return result(repoID, call.n)
}

func (f *fakeLister) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeLister) setResult(r func(repoID string, n int) ([]AIAPIKey, error)) {
	f.mu.Lock()
	f.result = r
	f.mu.Unlock()
}

// next waits for the next List call to start.
func (f *fakeLister) next(t *testing.T) *listCall {
	t.Helper()
	select {
	case c := <-f.started:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no List call started")
		return nil
	}
}

func (f *fakeLister) noMoreCalls(t *testing.T) {
	t.Helper()
	select {
	case c := <-f.started:
		t.Fatalf("unexpected List call %d for %s", c.n, c.repoID)
	case <-time.After(20 * time.Millisecond):
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newCacheWithClock(list ListFunc[AIAPIKey], ttl time.Duration) (*ListCache[AIAPIKey], *fakeClock) {
	clk := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	lc := NewListCache(list, ttl)
	lc.now = clk.Now
	return lc, clk
}

type listResult struct {
	keys []AIAPIKey
	err  error
}

// listAsync runs lc.List in the background.
func listAsync(ctx context.Context, lc *ListCache[AIAPIKey], repoID string) <-chan listResult {
	ch := make(chan listResult, 1)
	go func() {
		keys, err := lc.List(ctx, repoID)
		ch <- listResult{keys, err}
	}()
	return ch
}

func await(t *testing.T, ch <-chan listResult) listResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("List did not return")
		return listResult{}
	}
}

// waitForWaiters waits until n callers wait on the list of repo r1.
func waitForWaiters(t *testing.T, lc *ListCache[AIAPIKey], n int) {
	const repoID = "r1"
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lc.mu.Lock()
		got := -1
		if e, ok := lc.entries[repoID]; ok {
			got = e.waiters
		}
		lc.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callers wait on %s, want %d", got, repoID, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// listFromCache lists repoID through a gated fake and fails if that starts a
// request instead of answering from the cache.
func listFromCache(t *testing.T, f *fakeLister, lc *ListCache[AIAPIKey], repoID string) []AIAPIKey {
	t.Helper()
	ch := listAsync(context.Background(), lc, repoID)
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("List of %s: %v", repoID, r.err)
		}
		return r.keys
	case call := <-f.started:
		close(call.release)
		<-ch
		t.Fatalf("List of %s started request %d instead of answering from the cache", repoID, call.n)
	case <-time.After(5 * time.Second):
		t.Fatal("List did not return")
	}
	return nil
}

func TestListCache_concurrentListsShareOneRequest(t *testing.T) {
	const callers = 50
	f := newFakeLister(true)
	lc := NewListCache(f.List, time.Minute)

	start := make(chan struct{})
	results := make(chan listResult, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			<-start
			keys, err := lc.List(context.Background(), "r1")
			results <- listResult{keys: keys, err: err}
		})
	}
	close(start)
	call := f.next(t)
	waitForWaiters(t, lc, callers)
	close(call.release)
	wg.Wait()
	close(results)

	var first []AIAPIKey
	for r := range results {
		if r.err != nil {
			t.Fatalf("List: %v", r.err)
		}
		if len(r.keys) != 1 || r.keys[0].ID != "r1-key" {
			t.Fatalf("List = %+v", r.keys)
		}
		if first == nil {
			first = r.keys
		} else if &first[0] != &r.keys[0] {
			t.Error("callers got different slices: they did not share one result")
		}
	}
	if n := f.count(); n != 1 {
		t.Errorf("%d requests for %d concurrent lists, want 1", n, callers)
	}
	f.noMoreCalls(t)
}

func TestListCache_differentReposDoNotShare(t *testing.T) {
	f := newFakeLister(true)
	lc := NewListCache(f.List, time.Minute)
	r1 := listAsync(context.Background(), lc, "r1")
	c1 := f.next(t)
	r2 := listAsync(context.Background(), lc, "r2")
	c2 := f.next(t)
	if c1.repoID != "r1" || c2.repoID != "r2" {
		t.Fatalf("calls for %s and %s, want r1 and r2", c1.repoID, c2.repoID)
	}
	close(c2.release)
	if got := await(t, r2); got.err != nil || got.keys[0].ID != "r2-key" {
		t.Errorf("r2: %+v", got)
	}
	select {
	case got := <-r1:
		t.Fatalf("r1 returned %+v before its own request finished", got)
	default:
	}
	close(c1.release)
	if got := await(t, r1); got.err != nil || got.keys[0].ID != "r1-key" {
		t.Errorf("r1: %+v", got)
	}
	if n := f.count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListCache_ttl(t *testing.T) {
	const ttl = 10 * time.Second
	f := newFakeLister(false)
	f.setResult(func(repoID string, n int) ([]AIAPIKey, error) {
		return []AIAPIKey{{ID: repoID + "-gen" + string(rune('0'+n))}}, nil
	})
	lc, clk := newCacheWithClock(f.List, ttl)
	ctx := context.Background()

	list := func(wantID string, wantCalls int) {
		t.Helper()
		keys, err := lc.List(ctx, "r1")
		if err != nil || len(keys) != 1 || keys[0].ID != wantID {
			t.Fatalf("List = %+v, %v; want %s", keys, err, wantID)
		}
		if n := f.count(); n != wantCalls {
			t.Fatalf("%d requests, want %d", n, wantCalls)
		}
	}
	list("r1-gen1", 1)
	list("r1-gen1", 1) // from the cache
	clk.Advance(ttl - time.Nanosecond)
	list("r1-gen1", 1) // still within the TTL
	clk.Advance(time.Nanosecond)
	list("r1-gen2", 2) // expired: a new request
	list("r1-gen2", 2)
}

func TestListCache_zeroTTLStillCoalescesButKeepsNothing(t *testing.T) {
	f := newFakeLister(true)
	lc, _ := newCacheWithClock(f.List, 0)
	a := listAsync(context.Background(), lc, "r1")
	call := f.next(t)
	b := listAsync(context.Background(), lc, "r1")
	waitForWaiters(t, lc, 2)
	close(call.release)
	if ra, rb := await(t, a), await(t, b); ra.err != nil || rb.err != nil {
		t.Fatalf("errors: %v, %v", ra.err, rb.err)
	}
	if n := f.count(); n != 1 {
		t.Errorf("%d requests for two concurrent lists, want 1", n)
	}
	c := listAsync(context.Background(), lc, "r1")
	close(f.next(t).release)
	if r := await(t, c); r.err != nil {
		t.Fatal(r.err)
	}
	if n := f.count(); n != 2 {
		t.Errorf("%d requests, want 2: a zero TTL keeps no result", n)
	}
}

func TestListCache_invalidateForcesNewRequest(t *testing.T) {
	f := newFakeLister(false)
	lc, _ := newCacheWithClock(f.List, time.Hour)
	ctx := context.Background()
	for _, repo := range []string{"r1", "r2"} {
		if _, err := lc.List(ctx, repo); err != nil {
			t.Fatal(err)
		}
	}
	lc.Invalidate("r1")
	if _, err := lc.List(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	if n := f.count(); n != 3 {
		t.Errorf("%d requests, want 3: Invalidate must force a new list of r1", n)
	}
	if _, err := lc.List(ctx, "r2"); err != nil {
		t.Fatal(err)
	}
	if n := f.count(); n != 3 {
		t.Errorf("%d requests, want 3: invalidating r1 must keep r2 cached", n)
	}
	lc.Invalidate("never-listed")
}

func TestListCache_invalidateDuringListDoesNotLetItsStaleResultIn(t *testing.T) {
	f := newFakeLister(true)
	f.setResult(func(repoID string, n int) ([]AIAPIKey, error) {
		return []AIAPIKey{{ID: []string{"", "before-write", "after-write"}[n]}}, nil
	})
	lc, _ := newCacheWithClock(f.List, time.Hour)
	ctx := context.Background()

	before := listAsync(ctx, lc, "r1")
	stale := f.next(t)
	lc.Invalidate("r1") // a write happened while the list was in flight
	after := listAsync(ctx, lc, "r1")
	fresh := f.next(t) // a new request, not joining the stale one

	close(fresh.release)
	if r := await(t, after); r.err != nil || r.keys[0].ID != "after-write" {
		t.Fatalf("list after the write = %+v", r)
	}
	close(stale.release)
	if r := await(t, before); r.err != nil || r.keys[0].ID != "before-write" {
		t.Fatalf("list before the write = %+v", r)
	}
	if keys := listFromCache(t, f, lc, "r1"); keys[0].ID != "after-write" {
		t.Errorf("cached list = %+v, want the one started after the write", keys)
	}
	if n := f.count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListCache_staleListFailingDoesNotEvictFreshResult(t *testing.T) {
	f := newFakeLister(true)
	f.setResult(func(repoID string, n int) ([]AIAPIKey, error) {
		if n == 1 {
			return nil, errors.New("stale list failed")
		}
		return []AIAPIKey{{ID: "fresh"}}, nil
	})
	lc, _ := newCacheWithClock(f.List, time.Hour)
	ctx := context.Background()

	before := listAsync(ctx, lc, "r1")
	stale := f.next(t)
	lc.Invalidate("r1")
	after := listAsync(ctx, lc, "r1")
	fresh := f.next(t)
	close(fresh.release)
	if r := await(t, after); r.err != nil || r.keys[0].ID != "fresh" {
		t.Fatalf("list after the write = %+v", r)
	}
	close(stale.release)
	if r := await(t, before); r.err == nil {
		t.Fatalf("stale list = %+v, want its error", r)
	}
	if keys := listFromCache(t, f, lc, "r1"); keys[0].ID != "fresh" {
		t.Errorf("List = %+v, want the fresh cached result", keys)
	}
}

func TestListCache_errorsAreNotCached(t *testing.T) {
	boom := errors.New("boom")
	f := newFakeLister(true)
	f.setResult(func(repoID string, n int) ([]AIAPIKey, error) {
		if n == 1 {
			return nil, boom
		}
		return []AIAPIKey{{ID: "ok"}}, nil
	})
	lc, _ := newCacheWithClock(f.List, time.Hour)
	a := listAsync(context.Background(), lc, "r1")
	call := f.next(t)
	b := listAsync(context.Background(), lc, "r1")
	waitForWaiters(t, lc, 2)
	close(call.release)
	for _, ch := range []<-chan listResult{a, b} {
		if r := await(t, ch); !errors.Is(r.err, boom) || r.keys != nil {
			t.Errorf("waiter got %+v, want the shared error", r)
		}
	}

	c := listAsync(context.Background(), lc, "r1")
	close(f.next(t).release)
	if r := await(t, c); r.err != nil || r.keys[0].ID != "ok" {
		t.Errorf("List after an error = %+v, want a fresh successful request", r)
	}
	if n := f.count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListCache_cancelledWaiterLeavesOthersTheResult(t *testing.T) {
	f := newFakeLister(true)
	lc, _ := newCacheWithClock(f.List, time.Hour)
	// The first caller starts the request; its context ending must not end
	// the request while another caller still waits for it.
	ctxA, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	a := listAsync(ctxA, lc, "r1")
	call := f.next(t)
	b := listAsync(context.Background(), lc, "r1")
	waitForWaiters(t, lc, 2)

	// The request is held until released below: the cancelled waiter
	// returning at all proves it did not wait for the request.
	cancelA()
	ra := await(t, a)
	if !errors.Is(ra.err, context.Canceled) || ra.keys != nil {
		t.Errorf("cancelled waiter got %+v, want context.Canceled", ra)
	}
	if err := call.ctx.Err(); err != nil {
		t.Fatalf("request context ended (%v) while a caller still waits", err)
	}
	close(call.release)
	if rb := await(t, b); rb.err != nil || rb.keys[0].ID != "r1-key" {
		t.Errorf("remaining waiter got %+v", rb)
	}
	if n := f.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	// The result was cached for later callers.
	if keys := listFromCache(t, f, lc, "r1"); keys[0].ID != "r1-key" {
		t.Errorf("List after = %+v", keys)
	}
}

func TestListCache_lastWaiterLeavingCancelsRequest(t *testing.T) {
	f := newFakeLister(true)
	lc, _ := newCacheWithClock(f.List, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	a := listAsync(ctx, lc, "r1")
	first := f.next(t)
	waitForWaiters(t, lc, 1)

	// The request is never released: the waiter returning at all proves it
	// did not wait for the request.
	cancel()
	ra := await(t, a)
	if !errors.Is(ra.err, context.Canceled) {
		t.Errorf("waiter got %+v, want context.Canceled", ra)
	}
	select {
	case <-first.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the request nobody waits for was not cancelled")
	}

	b := listAsync(context.Background(), lc, "r1")
	second := f.next(t)
	if second == first || second.ctx.Err() != nil {
		t.Fatal("the next List joined the cancelled request")
	}
	close(second.release)
	if rb := await(t, b); rb.err != nil || rb.keys[0].ID != "r1-key" {
		t.Errorf("List after the cancel = %+v", rb)
	}
	if n := f.count(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestListCache_cancelledContextBeforeListing(t *testing.T) {
	f := newFakeLister(true)
	lc, _ := newCacheWithClock(f.List, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := lc.List(ctx, "r1"); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context = %v", err)
	}
	b := listAsync(context.Background(), lc, "r1")
	for {
		c := f.next(t)
		if c.ctx.Err() == nil {
			close(c.release)
			break
		}
	}
	if r := await(t, b); r.err != nil {
		t.Errorf("List after = %v", r.err)
	}
}

func TestListCache_withRealClient(t *testing.T) {
	srv := newFakeAPI(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeBody(w, 200, validListBody) })
	c := newTestClient(t, srv.URL)
	lc := NewListCache(c.AIAPIKeys.List, time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if keys, err := lc.List(context.Background(), "r1"); err != nil || len(keys) != 2 {
				t.Errorf("List = %v, %v", keys, err)
			}
		})
	}
	wg.Wait()
	before := srv.count()
	if _, err := lc.List(context.Background(), "r1"); err != nil || srv.count() != before {
		t.Errorf("a list within the TTL reached the server (%v)", err)
	}
}

// The cache serves any collection: here AI LLM configurations, keyed by
// workspace, listed afresh after a write.
func TestListCache_servesAnyCollection(t *testing.T) {
	t.Parallel()
	srv := newGatewayServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		ws := r.URL.Query().Get("workspaceId")
		writeBody(w, 200, `{"success":true,"aiLlms":[{"id":"`+ws+`-llm","name":"n","aiType":"OPENAI","workspaceId":"`+ws+`"}]}`)
	})
	c := newTestClient(t, srv.URL)
	lc := NewListCache(c.AILLMs.List, time.Minute)
	var wg sync.WaitGroup
	for _, ws := range []string{"ws-1", "ws-2"} {
		for range 10 {
			wg.Go(func() {
				llms, err := lc.List(context.Background(), ws)
				if err != nil || len(llms) != 1 || llms[0].ID != ws+"-llm" {
					t.Errorf("List(%s) = %+v, %v", ws, llms, err)
				}
			})
		}
	}
	wg.Wait()
	if n := srv.count(); n != 2 {
		t.Errorf("%d lists for 2 workspaces, want 2", n)
	}
	// The cached list of ws-1 was sent before this write, so it is not
	// trusted: a new list is sent.
	wrote := time.Now()
	llms, err := lc.ListFresh(context.Background(), "ws-1", wrote)
	if err != nil || len(llms) != 1 || srv.count() != 3 {
		t.Errorf("ListFresh = %+v, %v after %d lists, want a third list", llms, err, srv.count())
	}
}
