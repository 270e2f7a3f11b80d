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
// repo for TTL. Invalidate after every write so no one reads past it.
type ListCache struct {
	svc AIAPIKeys
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*listEntry
}

type listEntry struct {
	repoID  string
	done    chan struct{}
	keys    []AIAPIKey
	err     error
	fetched time.Time
	// waiters counts the callers still waiting for an in-flight list; when the
	// last one gives up (its context ended) the request is cancelled.
	waiters int
	cancel  context.CancelFunc
}

// NewListCache wraps svc. A ttl of zero still coalesces concurrent lists but
// keeps no finished result.
func NewListCache(svc AIAPIKeys, ttl time.Duration) *ListCache {
	return &ListCache{svc: svc, ttl: ttl, now: time.Now, entries: map[string]*listEntry{}}
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
	e := &listEntry{repoID: repoID, done: make(chan struct{}), cancel: cancel}
	c.entries[repoID] = e
	go func() {
		keys, err := c.svc.List(reqCtx, repoID)
		cancel()
		c.mu.Lock()
		e.keys, e.err, e.fetched = keys, err, c.now()
		if err != nil && c.entries[repoID] == e {
			delete(c.entries, repoID)
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
			if c.entries[e.repoID] == e {
				delete(c.entries, e.repoID)
			}
		}
	}
}

// Invalidate forgets what is known of repoID, including a list in flight: the
// next List sends a new request.
func (c *ListCache) Invalidate(repoID string) {
	c.mu.Lock()
	delete(c.entries, repoID)
	c.mu.Unlock()
}
