package client

import (
	"context"
	"sync"
	"time"
)

// ListFunc lists one scope of a collection: the AI API keys of a repo, the AI
// LLM configurations of a workspace, the AI policies of a policy scope key.
type ListFunc[T any] func(ctx context.Context, scope string) ([]T, error)

// ListCache coalesces the list calls that reading objects one by one would
// make. Flashback's AI collections have no call that reads a single object (or,
// for policies, one per object), so refreshing N objects of one scope would
// otherwise cost N lists of N objects each. Concurrent lists of one scope share
// a single request, and a finished list answers further lists of that scope
// for TTL. Invalidate after every write so no one reads past it; a caller that
// needs its own write to show asks ListFresh, which shares lists among
// writers instead of sending one per write.
type ListCache[T any] struct {
	list ListFunc[T]
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]*listEntry[T]
	// latest is each scope's most recently sent list. Invalidate leaves it:
	// whether it can answer ListFresh depends only on when it was sent.
	latest map[string]*listEntry[T]
}

type listEntry[T any] struct {
	scope   string
	done    chan struct{}
	items   []T
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

// NewListCache serves list, which lists one scope. A ttl of zero still
// coalesces concurrent lists but keeps no finished result.
func NewListCache[T any](list ListFunc[T], ttl time.Duration) *ListCache[T] {
	return &ListCache[T]{list: list, ttl: ttl, now: time.Now,
		entries: map[string]*listEntry[T]{}, latest: map[string]*listEntry[T]{}}
}

// List returns the scope's objects. The slice is shared between callers and
// must not be modified.
func (c *ListCache[T]) List(ctx context.Context, scope string) ([]T, error) {
	c.mu.Lock()
	e, ok := c.entries[scope]
	if ok && !c.usable(e) {
		ok = false
	}
	if !ok {
		e = c.start(ctx, scope)
	}
	e.waiters++
	c.mu.Unlock()
	return c.wait(ctx, e)
}

// ListFresh returns the scope's objects from a list sent at or after
// notBefore: one that shows every write completed by then. It joins such a
// list when one is in flight or finished within the TTL, and sends a new one
// otherwise, so callers that wrote at about the same time share a request.
func (c *ListCache[T]) ListFresh(ctx context.Context, scope string, notBefore time.Time) ([]T, error) {
	c.mu.Lock()
	e, ok := c.latest[scope]
	if !ok || e.sent.Before(notBefore) || !c.usable(e) {
		e = c.start(ctx, scope)
	}
	e.waiters++
	c.mu.Unlock()
	return c.wait(ctx, e)
}

// wait waits for e on behalf of a caller already counted in e.waiters.
func (c *ListCache[T]) wait(ctx context.Context, e *listEntry[T]) ([]T, error) {
	select {
	case <-e.done:
		c.leave(e)
		return e.items, e.err
	case <-ctx.Done():
		c.leave(e)
		return nil, ctx.Err()
	}
}

// usable reports whether e may answer a new caller: it is still in flight, or
// it succeeded less than ttl ago. Must be called with c.mu held.
func (c *ListCache[T]) usable(e *listEntry[T]) bool {
	select {
	case <-e.done:
		return e.err == nil && c.now().Sub(e.fetched) < c.ttl
	default:
		return true
	}
}

// start begins a list in the background. Must be called with c.mu held.
func (c *ListCache[T]) start(ctx context.Context, scope string) *listEntry[T] {
	// The request outlives the caller that started it, since others may be
	// waiting on it; it is cancelled when the last waiter leaves.
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e := &listEntry[T]{scope: scope, done: make(chan struct{}), cancel: cancel, sent: c.now()}
	c.entries[scope] = e
	c.latest[scope] = e
	go func() {
		items, err := c.list(reqCtx, scope)
		cancel()
		c.mu.Lock()
		e.items, e.err, e.fetched = items, err, c.now()
		if err != nil {
			c.forget(e)
		}
		c.mu.Unlock()
		close(e.done)
	}()
	return e
}

func (c *ListCache[T]) leave(e *listEntry[T]) {
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
func (c *ListCache[T]) forget(e *listEntry[T]) {
	if c.entries[e.scope] == e {
		delete(c.entries, e.scope)
	}
	if c.latest[e.scope] == e {
		delete(c.latest, e.scope)
	}
}

// Invalidate forgets what is known of scope, including a list in flight: the
// next List sends a new request. ListFresh needs no invalidation: its callers
// say which lists are recent enough.
func (c *ListCache[T]) Invalidate(scope string) {
	c.mu.Lock()
	delete(c.entries, scope)
	c.mu.Unlock()
}
