package provider

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/wait"
)

// A collection is what the provider knows of one kind of Flashback object:
// the facts a resource declares once (its list scope and cache, how a listed
// object is named and dated, what a lost create may do), and the record of
// what this provider configuration created. One engine serves them all: the
// create and its recovery (create_engine.go), and the Read, Update and Delete
// steps that are the same for every collection (below). CONTRIBUTING.md
// ("Adding a resource") says what a new collection declares.
type collection[T any] struct {
	kind objectKind
	// resourceType is the Terraform type that manages the collection's
	// objects, for the import commands that messages give.
	resourceType string
	// repeat is what a create whose outcome is unknown may do: a fact about
	// the API (see repeatRule).
	repeat repeatRule

	// lists lists one scope of the collection; every write invalidates the
	// scope it wrote to.
	lists *client.ListCache[T]
	// id and name name a listed object; createdAt is its creation time as
	// the server wrote it, nil where the list gives none (workspaces: only
	// for a collection that never repeats, see recovery.mayBeOurs); deleted,
	// when set, tells a listed object that is deleted.
	id        func(T) string
	name      func(T) string
	createdAt func(T) string
	deleted   func(T) bool
	// importID is the ID that imports an object listed in scope.
	importID func(scope string, obj T) string
	// describe says, for messages, what tells a listed object apart besides
	// its ID and creation time; nil for nothing.
	describe func(T) string
	// goneNote is added to the warning that an object was deleted outside
	// Terraform: what its absence means.
	goneNote string
	// deleteRefused, when set, turns a delete that Flashback refused into a
	// diagnostic that says why and what to do, or returns nil to leave the
	// error to errorDiag.
	deleteRefused func(ref objectRef, err error) diag.Diagnostic
	// nameTaken reports whether a refused create says that its name is
	// taken (repeatAsSent); nil means any 400 may.
	nameTaken func(err error) bool

	// created holds the ID of every object this provider configuration
	// created: a create with an unknown outcome never names one of them as
	// an object it may have left, and no look-alike check stops at one.
	created sync.Map
	// alike serialises the creates of look-alike objects of a collection
	// that never repeats (see createOp.alike).
	alike sync.Map
	// writing serialises the writes to one object (lockObject).
	writing sync.Map

	engine *engine
}

// engine is what every collection's create shares: the server's clock, the
// retry budget and the provider's waits.
type engine struct {
	// started is when the provider was configured: any list sent since shows
	// what an earlier run left.
	started    time.Time
	now        func() time.Time
	retryWait  func(retry int) time.Duration
	maxRetries int
	tuning     tuning
}

func newEngine(c *client.Client, maxRetries int, t tuning) *engine {
	return &engine{started: time.Now(), now: c.ServerNow, retryWait: c.RetryWait, maxRetries: maxRetries, tuning: t}
}

// tuning holds the knobs that are not provider attributes: the waits between
// retries and re-checks. Tests shorten them so that faults are survived in
// milliseconds instead of seconds.
type tuning struct {
	retryWaitMin, retryWaitMax time.Duration
	// readRecheckWait is the first wait before a Read looks again for a key
	// created moments ago; readRecheckTries bounds how often it looks.
	readRecheckWait  time.Duration
	readRecheckTries int
	// sleep, when set, replaces the real waits of the provider's own loops
	// (not the client's retries): tests record them instead of waiting.
	sleep func(ctx context.Context, d time.Duration) bool
	// now, when set, replaces the clock that dates rotations and tells when a
	// rotated-out key's overlap has passed: tests move it instead of waiting.
	now func() time.Time
}

// wait waits for d or until ctx ends, and reports whether it waited the whole
// time.
func (t tuning) wait(ctx context.Context, d time.Duration) bool {
	if t.sleep != nil {
		return t.sleep(ctx, d)
	}
	return wait.For(ctx, d)
}

var defaultTuning = tuning{
	retryWaitMin:     client.DefaultRetryWaitMin,
	retryWaitMax:     client.DefaultRetryWaitMax,
	readRecheckWait:  time.Second,
	readRecheckTries: 5,
}

// ours reports whether this provider configuration created the object id.
func (c *collection[T]) ours(id string) bool {
	_, ok := c.created.Load(id)
	return ok
}

// takeTurn waits until no other create of look-alike objects key is under
// way, and returns the function that lets the next one go.
func (c *collection[T]) takeTurn(key string) func() { return lockIn(&c.alike, key) }

// lockObject waits until no other write to object id is under way in this
// provider configuration, and returns the function that lets the next one
// go: a write and the read that checks it see no other write of the run to
// the object in between.
func (c *collection[T]) lockObject(id string) func() { return lockIn(&c.writing, id) }

// lockIn locks the mutex that locks holds for key, and returns its unlock.
func lockIn(locks *sync.Map, key string) func() {
	lock, _ := locks.LoadOrStore(key, &sync.Mutex{})
	mu := lock.(*sync.Mutex) //nolint:forcetypeassert // locks only ever hold *sync.Mutex
	mu.Lock()
	return mu.Unlock
}

// isNameTaken reports whether a refused create says that its name is taken.
func (c *collection[T]) isNameTaken(err error) bool {
	if c.nameTaken != nil {
		return c.nameTaken(err)
	}
	return client.IsBadRequest(err)
}

func (c *collection[T]) isDeleted(obj T) bool { return c.deleted != nil && c.deleted(obj) }

// created reports when obj was created, by the server's clock.
func (c *collection[T]) createdTime(obj T) (time.Time, bool) {
	if c.createdAt == nil {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, c.createdAt(obj))
	return at, err == nil
}

// importCommand is the command that imports obj, listed in scope, into a
// resource of this collection.
func (c *collection[T]) importCommand(scope string, obj T) string {
	id := c.importID(scope, obj)
	return fmt.Sprintf("terraform import %s.<name> %s (or an import block with id = %q)", c.resourceType, id, id)
}

// lookup is the list lookup of the collection: one object in its scope's
// list, looked for again while it may be too new to be listed.
func (c *collection[T]) lookup() listLookup[T] {
	return listLookup[T]{lists: c.lists, id: c.id, what: c.kind.one, tuning: c.engine.tuning}
}

// find looks id up in scope; nil means it is not listed. recent asks for the
// re-checks of an object that may be too new to be listed.
func (c *collection[T]) find(ctx context.Context, scope, id string, recent bool) (*T, error) {
	return c.lookup().find(ctx, scope, id, recent)
}

// write runs an update or a delete of an object of scope, and invalidates the
// scope's list: nothing reads past a write.
func (c *collection[T]) write(scope string, do func() error) error {
	err := do()
	c.lists.Invalidate(scope)
	return err
}

// delete deletes an object of scope with del; an object that is already gone
// is deleted too.
func (c *collection[T]) delete(ref objectRef, scope string, del func() error) diag.Diagnostics {
	err := c.write(scope, del)
	if err == nil || client.IsNotFound(err) {
		return nil
	}
	if c.deleteRefused != nil {
		if d := c.deleteRefused(ref, err); d != nil {
			return diag.Diagnostics{d}
		}
	}
	return diag.Diagnostics{errorDiag("delete", ref, err)}
}

// readState is what Read knows of the object before it looks.
type readState struct {
	ref objectRef
	// createdAt is the state's created_at: null until a list showed the
	// object.
	createdAt types.String
	// importing is set when ImportState handed the object to Read: not
	// finding it is then an error, not drift.
	importing bool
	// importID is the ID the import was given, for its error.
	importID string
}

// settle decides what Read does with what the lookup found: it returns the
// listed object to copy into the state, or nil when Read is done, having
// kept the state (an object too new to be listed), removed it (an object
// deleted outside Terraform) or said that an import names nothing.
func (c *collection[T]) settle(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, rs readState, listed *T) *T {
	gone := listed == nil || c.isDeleted(*listed)
	switch {
	case !gone:
		// Listed once, the object has its created_at: a later absence is a
		// deletion.
		resp.Diagnostics.Append(forgetCreated(ctx, resp.Private)...)
		if rs.importing {
			resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImportingKey, nil)...)
		}
		return listed
	case rs.importing:
		resp.Diagnostics.AddError(fmt.Sprintf("%s not found", capitalize(c.kind.one)), fmt.Sprintf(
			"Flashback lists no %s (deleted ones cannot be imported). Check the import ID %q.", rs.ref, rs.importID))
	case listed == nil && c.engine.tooNewToBeListed(ctx, rs.createdAt, req.Private):
		// Removing it would make the next apply create a second object and
		// leave this one, whose secret only the state may hold, orphaned.
		resp.Diagnostics.AddWarning(fmt.Sprintf("%s not listed yet", capitalize(c.kind.one)), fmt.Sprintf(
			"%s was created moments ago and the list does not show it yet; it is kept in the state. A later "+
				"refresh reads it again.", capitalize(rs.ref.String())))
	default:
		what := "no longer exists"
		if listed != nil {
			what = "is listed as deleted"
		}
		resp.Diagnostics.AddWarning(fmt.Sprintf("%s deleted outside Terraform", capitalize(c.kind.one)), fmt.Sprintf(
			"%s %s.%s It will be created again on the next apply.", capitalize(rs.ref.String()), what, c.goneNote))
		resp.State.RemoveResource(ctx)
	}
	return nil
}

// recentlyCreated reports whether a read should look again for an object the
// list does not show: it may be too new to be listed.
func (c *collection[T]) recentlyCreated(createdAt types.String) bool {
	return c.engine.recentlyCreated(createdAt)
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// createdAtLayout is how the API writes creation times; the state keeps the
// same form.
const createdAtLayout = "2006-01-02T15:04:05.000Z07:00"

// normalizeTimestamp writes an API timestamp in the API's own layout, in UTC,
// so that the state holds one spelling of it whatever the server's offset. A
// value that does not parse is kept as the server wrote it.
func normalizeTimestamp(s string) string {
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return at.UTC().Format(createdAtLayout)
}
