package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stampLister lists AI API keys and holds every list until the test answers
// it, so that a test decides which lists are in flight when a caller arrives.
type stampLister struct {
	calls chan *stampCall
	count atomic.Int32
}

type stampCall struct {
	repoID string
	answer chan stampAnswer
}

type stampAnswer struct {
	keys []AIAPIKey
	err  error
}

func newStampLister() *stampLister {
	return &stampLister{calls: make(chan *stampCall, 100)}
}

func (s *stampLister) List(ctx context.Context, repoID string) ([]AIAPIKey, error) {
	s.count.Add(1)
	call := &stampCall{repoID: repoID, answer: make(chan stampAnswer, 1)}
	s.calls <- call
	select {
	case a := <-call.answer:
		return a.keys, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// started waits for the next List to reach the server.
func (s *stampLister) started(t *testing.T) *stampCall {
	t.Helper()
	select {
	case c := <-s.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no List call started")
		return nil
	}
}

func (s *stampLister) idle(t *testing.T) {
	t.Helper()
	select {
	case c := <-s.calls:
		t.Fatalf("unexpected List call for %s", c.repoID)
	case <-time.After(20 * time.Millisecond):
	}
}

func (c *stampCall) reply(ids ...string) {
	keys := make([]AIAPIKey, len(ids))
	for i, id := range ids {
		keys[i] = AIAPIKey{ID: id, RepoID: c.repoID}
	}
	c.answer <- stampAnswer{keys: keys}
}

// steppedClock is a clock that moves only when told.
type steppedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *steppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Step moves the clock on and returns the new time.
func (c *steppedClock) Step() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func newSteppedCache(ttl time.Duration) (*ListCache[AIAPIKey], *stampLister, *steppedClock) {
	s := newStampLister()
	clk := &steppedClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	lc := NewListCache(s.List, ttl)
	lc.now = clk.Now
	return lc, s, clk
}

type freshResult struct {
	keys []AIAPIKey
	err  error
}

func async(f func() ([]AIAPIKey, error)) <-chan freshResult {
	ch := make(chan freshResult, 1)
	go func() {
		keys, err := f()
		ch <- freshResult{keys, err}
	}()
	return ch
}

func result(t *testing.T, ch <-chan freshResult) freshResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("call did not return")
		return freshResult{}
	}
}

func ids(keys []AIAPIKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

func wantIDs(t *testing.T, r freshResult, want ...string) {
	t.Helper()
	if r.err != nil || fmt.Sprint(ids(r.keys)) != fmt.Sprint(want) {
		t.Fatalf("got %v, %v; want %v", ids(r.keys), r.err, want)
	}
}

func TestListCache_listFreshSharesAListSentAfterEveryCallersWrite(t *testing.T) {
	lc, s, clk := newSteppedCache(time.Hour)
	ctx := context.Background()

	wroteA := clk.Step()
	lc.Invalidate("r1")
	a := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wroteA) })
	call := s.started(t)

	// B's write completed before the list was sent: the list shows it, even
	// though B invalidates the cache only now.
	lc.Invalidate("r1")
	b := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wroteA) })
	s.idle(t)
	call.reply("a", "b")
	wantIDs(t, result(t, a), "a", "b")
	wantIDs(t, result(t, b), "a", "b")

	// A finished list sent after the write answers within the TTL, too.
	if keys, err := lc.ListFresh(ctx, "r1", wroteA); err != nil || len(keys) != 2 {
		t.Fatalf("ListFresh from the finished list = %v, %v", ids(keys), err)
	}
	if n := s.count.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestListCache_listFreshNeverAnswersFromAListSentBeforeTheWrite(t *testing.T) {
	lc, s, clk := newSteppedCache(time.Hour)
	ctx := context.Background()

	stale := async(func() ([]AIAPIKey, error) { return lc.List(ctx, "r1") })
	staleCall := s.started(t)
	wrote := clk.Step()
	fresh := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wrote) })
	freshCall := s.started(t)

	staleCall.reply("old")
	wantIDs(t, result(t, stale), "old")
	freshCall.reply("old", "new")
	wantIDs(t, result(t, fresh), "old", "new")

	// Finished and within the TTL, but sent before this write.
	wroteAgain := clk.Step()
	again := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wroteAgain) })
	s.started(t).reply("newest")
	wantIDs(t, result(t, again), "newest")
}

func TestListCache_listFreshKeepsListSemantics(t *testing.T) {
	lc, s, clk := newSteppedCache(time.Hour)
	ctx := context.Background()

	wrote := clk.Step()
	fresh := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wrote) })
	s.started(t).reply("k")
	wantIDs(t, result(t, fresh), "k")

	// The fresh list is the repo's newest, so it answers List within the TTL...
	if keys, err := lc.List(ctx, "r1"); err != nil || len(keys) != 1 {
		t.Fatalf("List = %v, %v", ids(keys), err)
	}
	s.idle(t)
	// ...until a write invalidates it.
	lc.Invalidate("r1")
	after := async(func() ([]AIAPIKey, error) { return lc.List(ctx, "r1") })
	s.started(t).reply("k", "l")
	wantIDs(t, result(t, after), "k", "l")
}

func TestListCache_listFreshRetriesAfterAnError(t *testing.T) {
	lc, s, clk := newSteppedCache(time.Hour)
	ctx := context.Background()
	wrote := clk.Step()

	failed := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wrote) })
	s.started(t).answer <- stampAnswer{err: errors.New("boom")}
	if r := result(t, failed); r.err == nil {
		t.Fatal("the failed list's error was not returned")
	}
	retried := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wrote) })
	s.started(t).reply("k")
	wantIDs(t, result(t, retried), "k")
}

func TestListCache_listFreshWithZeroTTLOnlySharesListsInFlight(t *testing.T) {
	lc, s, clk := newSteppedCache(0)
	ctx := context.Background()
	wrote := clk.Step()

	a := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wrote) })
	call := s.started(t)
	b := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wrote) })
	s.idle(t)
	call.reply("k")
	wantIDs(t, result(t, a), "k")
	wantIDs(t, result(t, b), "k")

	c := async(func() ([]AIAPIKey, error) { return lc.ListFresh(ctx, "r1", wrote) })
	s.started(t).reply("k")
	wantIDs(t, result(t, c), "k")
}

// clockLister answers every List at once with the keys created before the
// request reached it.
type clockLister struct {
	stampLister
	mu      sync.Mutex
	created map[string]time.Time
}

func (c *clockLister) List(ctx context.Context, repoID string) ([]AIAPIKey, error) {
	c.count.Add(1)
	at := time.Now()
	time.Sleep(time.Millisecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	var keys []AIAPIKey
	for id, created := range c.created {
		if created.Before(at) {
			keys = append(keys, AIAPIKey{ID: id})
		}
	}
	return keys, nil
}

func (c *clockLister) create(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.created[id] = time.Now()
}

// Many writers at once, with the real clock: each gets a list that shows its
// own write. How many lists they share depends on scheduling, so it is only
// logged here; TestListCache_listFreshSharesAListSentAfterEveryCallersWrite
// proves the sharing deterministically.
func TestListCache_concurrentWritersSeeTheirWrites(t *testing.T) {
	const writers = 200
	f := &clockLister{created: map[string]time.Time{}}
	lc := NewListCache(f.List, time.Minute)
	ctx := context.Background()

	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			id := fmt.Sprintf("key-%d", i)
			repo := fmt.Sprintf("r%d", i%3)
			f.create(id)
			lc.Invalidate(repo)
			ended := time.Now()

			keys, err := lc.ListFresh(ctx, repo, ended)
			if err != nil {
				t.Error(err)
				return
			}
			if !slices.ContainsFunc(keys, func(k AIAPIKey) bool { return k.ID == id }) {
				t.Errorf("writer %d got a list without its own key", i)
			}
			if _, err := lc.List(ctx, repo); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	t.Logf("%d lists for %d writers", f.count.Load(), writers)
}
