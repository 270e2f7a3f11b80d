package client

import (
	"context"
	"sync"
	"time"
)

// ListCache coalesces the list calls that reading keys one by one would make.
// There is no call that reads a single key, so refreshing N keys of one repo
// would otherwise cost N lists of N keys each. Concurrent lists of one repo
// share a single request, and a finished list answers further lists of that
// repo for TTL. Invalidate after every write so no one reads past it; a
// caller that needs its own write to show asks ListFresh or ListAfterCreate,
// which share lists among writers instead of sending one per write.
type ListCache struct {
	svc AIAPIKeys
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*listEntry
	// latest is each repo's most recently sent list. Invalidate leaves it:
	// whether it can answer ListFresh depends only on when it was sent.
	latest map[string]*listEntry
}

type listEntry struct {
	repoID  string
	done    chan struct{}
	keys    []AIAPIKey
	err     error
	fetched time.Time
	// sent is taken just before the request goes out, so the server handles
	// it after any write that had completed by then.
	sent time.Time
	// waiters counts the callers still waiting for an in-flight list; when the
	// last one gives up (its context ended) the request is cancelled.
	waiters int
	cancel  context.CancelFunc
}

// NewListCache wraps svc. A ttl of zero still coalesces concurrent lists but
// keeps no finished result.
func NewListCache(svc AIAPIKeys, ttl time.Duration) *ListCache {
	return &ListCache{svc: svc, ttl: ttl, now: time.Now, entries: map[string]*listEntry{}, latest: map[string]*listEntry{}}
}

// List returns the repo's keys. The slice is shared between callers and must
// not be modified.
func (c *ListCache) List(ctx context.Context, repoID string) ([]AIAPIKey, error) {
	c.mu.Lock()
	e, ok := c.entries[repoID]
	if ok && !c.usable(e) {
		ok = false
	}
	if !ok {
		e = c.start(ctx, repoID)
	}
	e.waiters++
	c.mu.Unlock()
	return c.wait(ctx, e)
}

// ListFresh returns the repo's keys from a list sent at or after notBefore:
// one that shows every write completed by then. It joins such a list when one
// is in flight or finished within the TTL, and sends a new one otherwise, so
// callers that wrote at about the same time share a request.
func (c *ListCache) ListFresh(ctx context.Context, repoID string, notBefore time.Time) ([]AIAPIKey, error) {
	c.mu.Lock()
	e, ok := c.latest[repoID]
	if !ok || e.sent.Before(notBefore) || !c.usable(e) {
		e = c.start(ctx, repoID)
	}
	e.waiters++
	c.mu.Unlock()
	return c.wait(ctx, e)
}

// ListAfterCreate returns the repo's keys from a list that shows key id, which
// the caller created with a request sent at began whose response arrived at
// ended. A list sent after ended is returned whether or not it shows the key
// (a server that lists new keys late may not yet). A list sent between began
// and ended may already show it: one in flight or finished within the TTL is
// tried first, which spares a request and part of a round trip. A key's id and
// creation time never change, so any list that shows the key is as good as a
// fresh one for reading them back.
func (c *ListCache) ListAfterCreate(ctx context.Context, repoID, id string, began, ended time.Time) ([]AIAPIKey, error) {
	c.mu.Lock()
	e, ok := c.latest[repoID]
	if !ok || e.sent.Before(began) || !c.usable(e) {
		c.mu.Unlock()
		return c.ListFresh(ctx, repoID, ended)
	}
	e.waiters++
	c.mu.Unlock()

	keys, err := c.wait(ctx, e)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if !e.sent.Before(ended) || (err == nil && showsKey(keys, id)) {
		return keys, err
	}
	return c.ListFresh(ctx, repoID, ended)
}

func showsKey(keys []AIAPIKey, id string) bool {
	for i := range keys {
		if keys[i].ID == id {
			return true
		}
	}
	return false
}

// wait waits for e on behalf of a caller already counted in e.waiters.
func (c *ListCache) wait(ctx context.Context, e *listEntry) ([]AIAPIKey, error) {
	select {
	case <-e.done:
		c.leave(e)
		return e.keys, e.err
	case <-ctx.Done():
		c.leave(e)
		return nil, ctx.Err()
	}
}

// usable reports whether e may answer a new caller: it is still in flight, or
// it succeeded less than ttl ago. Must be called with c.mu held.
func (c *ListCache) usable(e *listEntry) bool {
	select {
	case <-e.done:
		return e.err == nil && c.now().Sub(e.fetched) < c.ttl
	default:
		return true
	}
}

// start begins a list in the background. Must be called with c.mu held.
func (c *ListCache) start(ctx context.Context, repoID string) *listEntry {
	// The request outlives the caller that started it, since others may be
	// waiting on it; it is cancelled when the last waiter leaves.
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &listEntry{repoID: repoID, done: make(chan struct{}), cancel: cancel, sent: c.now()}
	c.entries[repoID] = e
	c.latest[repoID] = e
	go func() {
		keys, err := c.svc.List(reqCtx, repoID)
		cancel()
		c.mu.Lock()
		e.keys, e.err, e.fetched = keys, err, c.now()
		if err != nil {
			c.forget(e)
		}
		c.mu.Unlock()
		close(e.done)
	}()
	return e
}

func (c *ListCache) leave(e *listEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.waiters--
	if e.waiters == 0 {
		select {
		case <-e.done:
		default:
			// Nobody wants the answer any more; a later caller starts afresh
			// rather than joining a cancelled request.
			e.cancel()
			c.forget(e)
		}
	}
}

// forget drops e wherever it would still answer callers. Must be called with
// c.mu held.
func (c *ListCache) forget(e *listEntry) {
	if c.entries[e.repoID] == e {
		delete(c.entries, e.repoID)
	}
	if c.latest[e.repoID] == e {
		delete(c.latest, e.repoID)
	}
}

// Invalidate forgets what is known of repoID, including a list in flight: the
// next List sends a new request. ListFresh and ListAfterCreate need no
// invalidation: their callers say which lists are recent enough.
func (c *ListCache) Invalidate(repoID string) {
	c.mu.Lock()
	delete(c.entries, repoID)
	c.mu.Unlock()
}
