package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// The create engine: one create, and its recovery when the outcome is
// unknown, for every collection.
//
// A create's outcome is unknown when the connection broke after the request
// was sent, a gateway answered 500, 502 or 504, or a 2xx answer could not be
// read and named no object. Flashback may then have made the object anyway.
// Flashback's objects have no ID the client chooses, so such an object looks
// exactly like one another Terraform run, or a person, made with the same
// values at the same time. Deleting the wrong one is an outage (a live key, an
// LLM connection, an enforced policy), while leaving one behind costs clutter.
// So the engine deletes only what it can prove is its own, and names by ID,
// with the import command, everything it leaves.
//
// What a collection may do after an unknown outcome is a fact about the API,
// its repeatRule. Whatever the rule, a create waits at most the client's
// backoff between its attempts (at most max_retries repeats) and then looks
// for what it may have left with one bounded re-list: with the defaults about
// 15 s and 7 s of waiting, 22 s in all. CONTRIBUTING.md ("Reliability design")
// weighs the alternatives.

// repeatRule is what a create whose outcome is unknown may do.
type repeatRule int

const (
	// neverRepeat: a second object of the same values would be a second
	// object, not a refusal (AI policies have no unique name), and the first
	// may already be enforced. The create looks for what it may have made,
	// names it and stops. Before it sends anything, it also stops at an
	// identical object of the scope that this run did not create: the one an
	// earlier apply whose answer was lost may have left.
	neverRepeat repeatRule = iota
	// repeatAsSent: Flashback refuses a second object of the same name in
	// the scope, so the create is sent again as it was; a refusal after an
	// unknown outcome, or on a rerun, names the object that holds the name.
	repeatAsSent
	// repeatUnderTemporaryName: names are not unique but objects can be
	// renamed. Repeats send a name only this create could choose and rename
	// the object that answers; an object under that name is provably this
	// create's, and is deleted when a repeat's outcome is unknown too.
	repeatUnderTemporaryName
)

const (
	// pendingNamePrefix starts the temporary name of a repeated create; 16
	// random hex digits follow it, so no other create can choose the same.
	pendingNamePrefix = "tf-pending-"

	// createClockTolerance widens the window in which a lost create's object
	// may have been made, for the difference between our estimate of the
	// server's clock and the real one.
	createClockTolerance = 2 * time.Second

	// createRechecks bounds how often the engine lists the scope again, after
	// growing waits (1s, 2s and 4s by default), while an object a lost create
	// may have made is not listed yet.
	createRechecks = 3

	// interruptedLookTimeout bounds the look after a create that Terraform
	// interrupted: the user asked to stop, so it is one quick look.
	interruptedLookTimeout = 10 * time.Second
)

// createOp is one create: how to send it and how to recognise, in its
// scope's list, what it would make. T is the collection's listed object, R
// what the create returns to the resource.
type createOp[T, R any] struct {
	// scope is the list scope the object lands in.
	scope string
	// ref names the object for messages, with what the create sent.
	ref objectRef
	// name is the configured name.
	name string
	// alike is what look-alike creates of a collection that never repeats
	// share, such as a policy's name and content. They take turns, so that
	// the look-alike check and the recovery of one never take a sibling's
	// object, made but not answered yet, for someone else's.
	alike string
	// post sends the create under name. It returns what the create returns,
	// and the new object's ID whenever the answer names one, even when the
	// answer could not be used (err is then a *client.ResponseError).
	post func(ctx context.Context, name string) (R, string, error)
	// same reports whether a listed object is what this create asks for,
	// under name: the name and every value the create sent that the list
	// shows.
	same func(obj T, name string) bool
	// unusable handles an answer that named the object made, id, but could
	// not be used: the object is this create's beyond doubt. It returns
	// what the create returns, if anything, and what it did.
	unusable func(ctx context.Context, id string, err error) (R, diag.Diagnostics)
	// rename gives the object that answered a repeat under a temporary name
	// the configured name (repeatUnderTemporaryName).
	rename func(ctx context.Context, id string) error
	// remove deletes an object this create provably made that no one can
	// use: one left under the temporary name (repeatUnderTemporaryName).
	remove func(ctx context.Context, id string) error
}

// createObject sends op, and recovers when its outcome is unknown, as c's
// repeat rule allows. It returns what the create returned, with a warning if
// it succeeded after an unknown outcome; or the zero R and an error that says
// what happened, what may be left (by ID, with the import command) and what
// to do next.
func createObject[T, R any](ctx context.Context, c *collection[T], op createOp[T, R]) (R, diag.Diagnostics) {
	var none R
	if c.repeat == neverRepeat {
		defer c.takeTurn(op.scope + "\x00" + op.alike)()
		if d := lookAlike(ctx, c, op); d != nil {
			return none, diag.Diagnostics{d}
		}
	}
	rec := &recovery[T, R]{c: c, op: op, began: c.engine.now()}
	name := op.name
	for {
		rec.attempts++
		out, id, err := rec.post(ctx, name)
		switch {
		case err == nil && rec.pending != "":
			return out, diag.Diagnostics{rec.renamed(ctx, id)}
		case err == nil && rec.firstErr != nil:
			// Only a collection whose names are unique repeats as sent, so
			// this success proves the lost attempts made nothing.
			return out, diag.Diagnostics{diag.NewWarningDiagnostic(
				fmt.Sprintf("%s created after an unknown outcome", capitalize(c.kind.one)),
				fmt.Sprintf("%s Sent again, it succeeded: %s %s is the one Terraform manages, and names are unique, so "+
					"the earlier attempts left nothing.", rec.intro(), c.kind.one, id))}
		case err == nil:
			return out, nil
		case id != "" && op.unusable != nil:
			out, diags := op.unusable(ctx, id, err)
			if rec.firstErr != nil {
				rec.relist(ctx)
				diags = rec.appendLeftovers(diags)
			}
			return out, diags
		case ctx.Err() != nil:
			rec.unknown(err)
			return none, diag.Diagnostics{rec.interrupted(ctx, err)}
		case !mayHaveCreated(err):
			return none, diag.Diagnostics{rec.refused(ctx, err)}
		}
		rec.unknown(err)
		tflog.Warn(ctx, "create outcome unknown", map[string]any{
			"collection": c.kind.one, "scope": op.scope, "name": name, "attempt": rec.attempts, "error": err.Error(),
		})
		if c.repeat == neverRepeat || rec.attempts > c.engine.maxRetries || (c.repeat == repeatAsSent && acted(err)) {
			return none, diag.Diagnostics{rec.failed(ctx)}
		}
		if !c.engine.tuning.wait(ctx, c.engine.retryWait(rec.attempts-1)) {
			return none, diag.Diagnostics{rec.interrupted(ctx, ctx.Err())}
		}
		if c.repeat == repeatUnderTemporaryName {
			if rec.pending == "" {
				rec.pending = pendingName()
			}
			name = rec.pending
		}
	}
}

// mayHaveCreated reports whether a failed create may have made an object
// anyway: its outcome is unknown, or a 2xx answer could not be read.
func mayHaveCreated(err error) bool {
	var unusable *client.ResponseError
	return client.IsOutcomeUnknown(err) || errors.As(err, &unusable)
}

// acted reports whether Flashback certainly acted on a create that failed
// with err: it answered with a success that could not be used. Repeating it
// as sent could only be refused.
func acted(err error) bool {
	var unusable *client.ResponseError
	return errors.As(err, &unusable) && !client.IsOutcomeUnknown(err)
}

// pendingName is a temporary name that no other create can choose.
func pendingName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return pendingNamePrefix + hex.EncodeToString(b)
}

// lookAlike stops a create of a collection that never repeats when its
// scope already holds an identical object that this provider did not make:
// most likely one an earlier apply made before its answer was lost, now
// managed by nothing. Any list of the scope sent since the provider was
// configured shows such an object, so the one refresh read serves, and the
// creates of one scope share one list at most: this provider's own creates
// since are excluded anyway.
func lookAlike[T, R any](ctx context.Context, c *collection[T], op createOp[T, R]) diag.Diagnostic {
	objs, err := c.lists.ListFresh(ctx, op.scope, c.engine.started)
	if err != nil {
		// The create itself will meet the same trouble, and say it.
		tflog.Warn(ctx, "cannot list the scope to look for an identical object", map[string]any{
			"collection": c.kind.one, "scope": op.scope, "error": err.Error(),
		})
		return nil
	}
	var same []T
	for _, o := range objs {
		if op.same(o, op.name) && !c.isDeleted(o) && !c.ours(c.id(o)) {
			same = append(same, o)
		}
	}
	if len(same) == 0 {
		return nil
	}
	return diag.NewErrorDiagnostic(fmt.Sprintf("Identical %s already exists", c.kind.one), fmt.Sprintf(
		"%s already holds %s with the very values of this one, which this Terraform run did not create: %s. An "+
			"earlier apply whose answer was lost may have made it: it is in effect, perhaps with no Terraform "+
			"resource managing it. Nothing was created, so that it is not doubled. If it is this resource's, import it: %s. If "+
			"it is another resource's or someone else's and a second one is really wanted, give this one another "+
			"name: identical %s cannot be told apart.",
		capitalize(op.ref.parentName()), c.count(len(same)), c.describeAll(same), c.importCommand(op.scope, same[0]), c.kind.many))
}

// count is "an AI policy" or "2 AI policies".
func (c *collection[T]) count(n int) string {
	if n == 1 {
		return article(c.kind.one) + " " + c.kind.one
	}
	return fmt.Sprintf("%d %s", n, c.kind.many)
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiouAEIOU", rune(s[0])) {
		return "an"
	}
	return "a"
}

// describeAll names listed objects by ID, with what tells them apart.
func (c *collection[T]) describeAll(objs []T) string {
	descs := make([]string, len(objs))
	for i, o := range objs {
		descs[i] = c.describeOne(o)
	}
	return strings.Join(descs, "; ")
}

func (c *collection[T]) describeOne(o T) string {
	var details []string
	if c.describe != nil {
		if d := c.describe(o); d != "" {
			details = append(details, d)
		}
	}
	if c.createdAt != nil {
		if at := c.createdAt(o); at != "" {
			details = append(details, "created "+normalizeTimestamp(at))
		}
	}
	if len(details) == 0 {
		return c.id(o)
	}
	return fmt.Sprintf("%s (%s)", c.id(o), strings.Join(details, ", "))
}

// recovery is what one create tried, found and did, for the diagnostic that
// ends it.
type recovery[T, R any] struct {
	c  *collection[T]
	op createOp[T, R]

	// began and answered bound, on the server's clock, when an object an
	// attempt with an unknown outcome may have made was created.
	began, answered time.Time
	firstErr        error
	lastErr         error
	attempts        int
	unknowns        int

	// pending is the temporary name of the repeats, keep the object that
	// answered one, renameErr why it could not be renamed.
	pending   string
	keep      string
	renameErr error
	// pendingUnknowns counts the repeats under the temporary name whose
	// outcome was unknown: each may have left an object under it.
	pendingUnknowns int

	// What the latest look at the scope found.
	looked      bool
	lookErr     error
	listed      []T
	candidates  []T
	pendingSeen map[string]bool
	removed     []string
	removeFail  []string
}

// post sends one attempt. An object it names is this process's: never one
// to report as left behind.
func (rec *recovery[T, R]) post(ctx context.Context, name string) (R, string, error) {
	out, id, err := rec.op.post(ctx, name)
	rec.c.lists.Invalidate(rec.op.scope)
	if id != "" {
		rec.c.created.Store(id, true)
	}
	return out, id, err
}

func (rec *recovery[T, R]) unknown(err error) {
	if rec.firstErr == nil {
		rec.firstErr = err
	}
	rec.lastErr = err
	rec.unknowns++
	if rec.pending != "" {
		rec.pendingUnknowns++
		return
	}
	// Only attempts under the configured name widen the window in which a
	// look-alike object may be theirs.
	rec.answered = rec.c.engine.now()
}

// intro says what happened to the create so far.
func (rec *recovery[T, R]) intro() string {
	what := fmt.Sprintf("Creating %s", rec.op.ref)
	switch rec.unknowns {
	case 0:
		return what + "."
	case 1:
		return fmt.Sprintf("%s failed with an unknown outcome (%s).", what, rec.firstErr)
	case rec.attempts:
		return fmt.Sprintf("%s failed %d times with an unknown outcome; the last error: %s.", what, rec.unknowns, rec.lastErr)
	default:
		return fmt.Sprintf("%s failed %d times with an unknown outcome (first %s; last %s).", what, rec.unknowns,
			rec.firstErr, rec.lastErr)
	}
}

// failed ends a create whose every attempt had an unknown outcome.
func (rec *recovery[T, R]) failed(ctx context.Context) diag.Diagnostic {
	rec.relist(ctx)
	return rec.failure(rec.intro(), rec.next(rec.lastErr))
}

// refused ends a create that Flashback refused. For a collection whose names
// are unique, a refusal that may mean that the name is taken (a 400, or what
// the collection's nameTaken says), by the object a lost create made (in
// this apply, or an earlier one) or by someone else's: the scope then names
// it, with its import command.
func (rec *recovery[T, R]) refused(ctx context.Context, err error) diag.Diagnostic {
	if rec.c.repeat == repeatAsSent && rec.c.isNameTaken(err) {
		taken := rec.holders(ctx)
		switch {
		case len(taken) > 0:
			return rec.nameTaken(err, taken)
		case rec.firstErr != nil && rec.lookErr == nil:
			return rec.failure(fmt.Sprintf("%s Sent again, it was refused: %s. Flashback refuses a name that is "+
				"already taken in %s, which is what it does when the first attempt made the %s; but %s does not "+
				"list one named %q yet.", rec.intro(), err, rec.op.ref.parentName(), rec.c.kind.one,
				rec.op.ref.parentName(), rec.op.name), fmt.Sprintf("Find it later (in the Flashback console, or with "+
				"a data source) and import it: terraform import %s.<name> <id>; or give this one another name.",
				rec.c.resourceType))
		}
	}
	if rec.firstErr == nil {
		return errorDiag("create", rec.op.ref, err)
	}
	rec.relist(ctx)
	return rec.failure(fmt.Sprintf("%s Sent again, it was refused: %s.", rec.intro(), err), nextStep("create", rec.op.ref, err))
}

// holders lists the scope, afresh and with re-checks while a lost create's
// object may not be listed yet, for the objects that hold the name.
func (rec *recovery[T, R]) holders(ctx context.Context) []T {
	rec.relist(ctx)
	if rec.lookErr != nil {
		return nil
	}
	var taken []T
	for _, o := range rec.listed {
		if rec.c.name(o) == rec.op.name && !rec.c.isDeleted(o) {
			taken = append(taken, o)
		}
	}
	return taken
}

// nameTaken is the error of a create refused because an object holds its
// name. It never claims the object as this resource's: nothing proves which
// writer made it.
func (rec *recovery[T, R]) nameTaken(err error, taken []T) diag.Diagnostic {
	c := rec.c
	var b strings.Builder
	if rec.firstErr != nil {
		fmt.Fprintf(&b, "%s Sent again, it was refused: %s. ", rec.intro(), err)
	} else {
		fmt.Fprintf(&b, "Creating %s was refused: %s. ", rec.op.ref, err)
	}
	show := taken[0]
	descs := make([]string, len(taken))
	likely := false
	for i, o := range taken {
		descs[i] = c.describeOne(o)
		switch {
		case rec.op.same(o, rec.op.name) && rec.mayBeOurs(o):
			descs[i] += ": the values this create sent, made after it began, so probably this create's lost answer"
			show, likely = o, true
		case rec.firstErr != nil:
			descs[i] += ": made earlier or with other values, so most likely another writer's"
		}
	}
	fmt.Fprintf(&b, "%s already holds %s named %q: %s. Names are unique there, so Terraform cannot create another, "+
		"and since another writer (a second Terraform run, someone in the console) could have made the very same, "+
		"Terraform neither adopted nor deleted anything.", capitalize(rec.op.ref.parentName()), c.count(len(taken)),
		rec.op.name, strings.Join(descs, "; "))
	if !likely && rec.firstErr == nil {
		b.WriteString(" An earlier apply whose answer was lost may have made it.")
	}
	fmt.Fprintf(&b, " If it is this resource's, import it: %s%s. If it is someone else's, give this one another name.",
		c.importCommand(rec.op.scope, show), c.importNote())
	return diag.NewErrorDiagnostic(fmt.Sprintf("Cannot create %s", c.kind.one), b.String())
}

// importNote is what an import of the collection leaves to the next apply.
func (c *collection[T]) importNote() string {
	if c.kind == aiLLMKind {
		return "; the first apply after the import sends the secret and key again"
	}
	return ""
}

// next is what to do after a create that failed with err.
func (rec *recovery[T, R]) next(err error) string {
	switch {
	case len(rec.candidates) > 0 && rec.c.repeat == repeatAsSent:
		return "Import the one this resource should manage, then run terraform apply again; or, if none is, give this " +
			"one another name."
	case len(rec.candidates) > 0:
		return "Import the one this resource should manage and delete any other in Flashback, or delete them all, " +
			"then run terraform apply again."
	}
	return nextStep("create", rec.op.ref, err)
}

// renamed gives the object a repeat made under the temporary name the
// configured name, cleans up after the repeats before it, and says what the
// create left.
func (rec *recovery[T, R]) renamed(ctx context.Context, id string) diag.Diagnostic {
	rec.keep = id
	rec.renameErr = rec.c.write(rec.op.scope, func() error { return rec.op.rename(ctx, id) })
	rec.relist(ctx)
	what := fmt.Sprintf("%s The create was repeated under the temporary name %q and renamed: %s %s is the one "+
		"Terraform manages.", rec.intro(), rec.pending, rec.c.kind.one, id)
	if rec.renameErr != nil {
		// The state keeps the object under the configured name; the next
		// refresh reads the temporary one, and the plan renames it.
		what = fmt.Sprintf("%s The create was repeated under the temporary name %q: %s %s, which Terraform now "+
			"manages, still has that name, because renaming it failed: %s. The next plan shows the rename; "+
			"terraform apply makes it.", rec.intro(), rec.pending, rec.c.kind.one, id, rec.renameErr)
	}
	return diag.NewWarningDiagnostic(fmt.Sprintf("%s created after an unknown outcome", capitalize(rec.c.kind.one)),
		what+rec.leftovers())
}

// interrupted runs when the create's context ended (Ctrl-C) while a request
// may have been in flight: one look, on a context of its own and bounded in
// time, names what the create may have left and removes what it provably
// left under the temporary name.
func (rec *recovery[T, R]) interrupted(ctx context.Context, err error) diag.Diagnostic {
	lookCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interruptedLookTimeout)
	defer cancel()
	rec.look(lookCtx)
	return rec.failure(fmt.Sprintf("Creating %s was interrupted (%s) while a request may have been on its way.",
		rec.op.ref, err), rec.next(err))
}

// failure is the error that ends a create: what happened, what it left, and
// what to do next.
func (rec *recovery[T, R]) failure(what, next string) diag.Diagnostic {
	return diag.NewErrorDiagnostic(fmt.Sprintf("Cannot create %s", rec.c.kind.one), what+rec.leftovers()+" "+next)
}

// appendLeftovers adds what the create left to the diagnostics an unusable
// answer ended it with.
func (rec *recovery[T, R]) appendLeftovers(diags diag.Diagnostics) diag.Diagnostics {
	left := rec.leftovers()
	if left == "" {
		return diags
	}
	return append(diags, diag.NewWarningDiagnostic(fmt.Sprintf("%s create left objects behind", capitalize(rec.c.kind.one)),
		strings.TrimSpace(rec.intro()+left)))
}

// relist looks at the scope, and looks again after growing waits while an
// object a lost attempt may have made may not be listed yet: an object under
// the temporary name, or, for a create that made nothing it could keep, any
// candidate at all. The waits are the engine's one bounded re-list.
func (rec *recovery[T, R]) relist(ctx context.Context) {
	tuning := rec.c.engine.tuning
	wait := tuning.readRecheckWait
	for recheck := 0; ; recheck++ {
		rec.look(ctx)
		if rec.lookErr != nil || !rec.awaiting() || recheck == createRechecks {
			return
		}
		if !tuning.wait(ctx, wait) {
			rec.lookErr = ctx.Err()
			return
		}
		wait *= 2
	}
}

// awaiting reports whether a lost attempt's object may still appear in the
// list.
func (rec *recovery[T, R]) awaiting() bool {
	if rec.pendingUnknowns > len(rec.pendingSeen) {
		return true
	}
	return rec.keep == "" && rec.unknowns > 0 && len(rec.candidates) == 0 && len(rec.pendingSeen) == 0
}

// look lists the scope once: it names the objects that a lost attempt may
// have made, and deletes every live object under the temporary name but the
// one the create keeps.
func (rec *recovery[T, R]) look(ctx context.Context) {
	c := rec.c
	objs, err := c.lists.ListFresh(ctx, rec.op.scope, time.Now())
	rec.looked, rec.lookErr, rec.listed = true, err, objs
	if err != nil {
		return
	}
	rec.candidates = rec.candidates[:0]
	if rec.pendingSeen == nil {
		rec.pendingSeen = map[string]bool{}
	}
	for _, o := range objs {
		id := c.id(o)
		switch {
		case c.isDeleted(o):
		case rec.op.same(o, rec.op.name) && rec.mayBeOurs(o):
			rec.candidates = append(rec.candidates, o)
		case rec.pending != "" && rec.op.same(o, rec.pending) && id != rec.keep && !rec.pendingSeen[id]:
			rec.pendingSeen[id] = true
			if err := c.write(rec.op.scope, func() error { return rec.op.remove(ctx, id) }); err != nil && !client.IsNotFound(err) {
				rec.removeFail = append(rec.removeFail, fmt.Sprintf("%s (%s)", id, err))
				continue
			}
			rec.removed = append(rec.removed, id)
			tflog.Warn(ctx, "deleted what a repeated create left under its temporary name", map[string]any{
				"collection": c.kind.one, "scope": rec.op.scope, "id": id,
			})
		}
	}
}

// mayBeOurs reports whether o, which is what the create asked for, may be
// what a lost attempt made: created while such an attempt was under way, and
// not by this provider. A collection whose list gives no creation time never
// repeats: its look-alike check stopped the create at any such object listed
// before it, so every one listed now is new since that list.
func (rec *recovery[T, R]) mayBeOurs(o T) bool {
	if rec.firstErr == nil || rec.c.ours(rec.c.id(o)) {
		return false
	}
	if rec.c.createdAt == nil {
		return true
	}
	at, ok := rec.c.createdTime(o)
	return ok && !at.Before(rec.began.Add(-createClockTolerance)) && !at.After(rec.answered.Add(createClockTolerance))
}

// leftovers says what the create may have left in the scope, and what to do
// about it; empty when nothing can be.
func (rec *recovery[T, R]) leftovers() string {
	c, name, where := rec.c, rec.op.name, rec.op.ref.parentName()
	var b strings.Builder
	switch {
	case rec.firstErr == nil || !rec.looked:
	case rec.lookErr != nil:
		fmt.Fprintf(&b, " Listing %s to look for %s the create may have made failed: %s. %s named %q may exist in %s "+
			"without Terraform knowing it; another writer may have made one too, so check before you import or "+
			"delete one.", where, article(c.kind.one)+" "+c.kind.one, rec.lookErr, capitalize(article(c.kind.one)+" "+c.kind.one), name, where)
		if rec.pendingUnknowns > 0 {
			fmt.Fprintf(&b, " Any %s named %q is this create's: delete it.", c.kind.one, rec.pending)
		}
	case len(rec.candidates) > 0:
		fmt.Fprintf(&b, " Flashback may have made it anyway. Listed with the values this create sent, made while it "+
			"was under way and not by this Terraform run: %s. Any of them may as well be another writer's, so none "+
			"was adopted or deleted. To manage one with this resource, import it: %s.",
			c.describeAll(rec.candidates), c.importCommand(rec.op.scope, rec.candidates[0]))
	case rec.keep == "":
		fmt.Fprintf(&b, " %s lists no %s of that name made meanwhile, so Flashback most likely made none; should one "+
			"appear later (created at about %s), Terraform does not know it: import it or delete it.",
			capitalize(where), c.kind.one, rec.began.UTC().Format(time.RFC3339))
	}
	if len(rec.removed) > 0 {
		fmt.Fprintf(&b, " What a repeat left under the temporary name %q, which no one could use, was deleted: %s.",
			rec.pending, strings.Join(rec.removed, ", "))
	}
	if len(rec.removeFail) > 0 {
		fmt.Fprintf(&b, " Deleting what a repeat left under the temporary name %q failed: %s. It is this create's: "+
			"delete it in Flashback.", rec.pending, strings.Join(rec.removeFail, "; "))
	}
	if rec.lookErr == nil && rec.pendingUnknowns > len(rec.pendingSeen) {
		fmt.Fprintf(&b, " A repeat may also have left %s named %q that the list does not show yet: it is this "+
			"create's; delete it in Flashback.", article(c.kind.one)+" "+c.kind.one, rec.pending)
	}
	return b.String()
}
