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

// A create whose outcome is unknown (a 500, 502 or 504, a 503 without
// Retry-After, a connection dropped after the request was sent, a 2xx answer
// that names no key) may have made a key whose secret nobody received. Keys
// have no client-chosen ID, so that key looks exactly like one another
// Terraform run, or a person, created with the same name and type at the same
// time; deleting the wrong one is an outage, while leaving an orphan costs
// clutter. So the recovery never deletes a key it finds by name:
//
//   - The first attempt sends the configured name (one request, the normal
//     case). If its outcome is unknown, the keys that could be its orphan are
//     named in a diagnostic and left.
//   - Every retry sends a temporary name that only this create could have
//     chosen, and the key that answers is renamed to the configured name. A key
//     that carries the temporary name is this create's beyond doubt: when a
//     retry's outcome is unknown too, such a key is deleted.
//
// CONTRIBUTING.md ("Reliability design") weighs the alternatives.

const (
	// pendingNamePrefix starts the temporary name of a retried create; 16
	// random hex digits follow it, so no other create can choose the same.
	pendingNamePrefix = "tf-pending-"

	// orphanClockTolerance widens the window in which the first attempt's key
	// may have been created, for the difference between our estimate of the
	// server's clock and the real one.
	orphanClockTolerance = 2 * time.Second

	// sweepRechecks bounds how often the recovery lists the repo again, after
	// growing waits (1s, 2s and 4s by default), while a retry whose outcome
	// was unknown may have left a key that the list does not show yet.
	sweepRechecks = 3

	// interruptedCleanupTimeout bounds the clean-up after a create that
	// Terraform interrupted: the user asked to stop, so it is one quick look.
	interruptedCleanupTimeout = 10 * time.Second
)

// create creates a key; when the first attempt's outcome is unknown it
// repeats the create as described above. It returns the key, or nil and an
// error; a create that succeeded after an unknown outcome also returns a
// warning that names what may have been left behind.
func (r *repoAIAPIKeyResource) create(ctx context.Context, repoID, name, aiType string) (*client.CreatedAIAPIKey, diag.Diagnostics) {
	rec := &createRecovery{r: r, repoID: repoID, name: name, aiType: aiType, began: r.data.client.ServerNow(), attempts: 1}
	created, err := r.post(ctx, repoID, name, aiType)
	switch {
	case err == nil:
		return created, nil
	case created != nil:
		return nil, diag.Diagnostics{rec.failure(rec.discard(ctx, created.ID, err), "Run terraform apply again.")}
	case ctx.Err() != nil:
		rec.firstErr = err
		return nil, diag.Diagnostics{rec.interrupted(ctx, err)}
	case !mayHaveCreated(err):
		return nil, diag.Diagnostics{errorDiag("create", rec.ref(), err)}
	}
	rec.firstErr, rec.lastErr, rec.answered = err, err, r.data.client.ServerNow()
	tflog.Warn(ctx, "create outcome unknown; any key it made is left, and the create is repeated under a temporary name",
		map[string]any{"repo_id": repoID, "name": name, "error": err.Error()})
	return rec.retry(ctx)
}

// post sends one create. A key it returns is this process's: never an orphan
// to report.
func (r *repoAIAPIKeyResource) post(ctx context.Context, repoID, name, aiType string) (*client.CreatedAIAPIKey, error) {
	created, err := r.data.client.AIAPIKeys.Create(ctx, repoID, client.CreateAIAPIKeyRequest{Name: name, AIType: aiType})
	r.data.lists.Invalidate(repoID)
	if err == nil {
		r.data.created.Store(created.ID, true)
	}
	return created, err
}

// mayHaveCreated reports whether a failed create may have made a key anyway:
// its outcome is unknown, or a 2xx answer could not be read and named no key.
func mayHaveCreated(err error) bool {
	var unusable *client.ResponseError
	return client.IsOutcomeUnknown(err) || errors.As(err, &unusable)
}

// createRecovery is one create's recovery: what it tried, and what it found
// and did, for the diagnostic that ends it.
type createRecovery struct {
	r                    *repoAIAPIKeyResource
	repoID, name, aiType string

	// began and answered bound, on the server's clock, when the first
	// attempt's key, if any, was created.
	began, answered time.Time
	firstErr        error
	lastErr         error
	attempts        int

	// pending is the temporary name of the retries; keep is the key that
	// answered one, the one the create returns.
	pending string
	keep    string
	// renameErr is why keep could not be given the configured name.
	renameErr error
	// unknownRetries counts the retries whose outcome was unknown: each may
	// have left a key named pending.
	unknownRetries int

	// What the latest look at the repo found.
	looked      bool
	lookErr     error
	candidates  []string
	pendingSeen map[string]bool
	swept       []string
	sweepFailed []string
}

// ref names the key the create is for, and what it sent.
func (rec *createRecovery) ref() objectRef {
	ref := aiAPIKeyRef(rec.repoID, "").sending([]string{sentValue("name", rec.name), sentValue("ai_type", rec.aiType)})
	ref.name = rec.name
	return ref
}

// retry repeats the create under the temporary name, up to max_retries
// times, with the client's backoff between attempts.
func (rec *createRecovery) retry(ctx context.Context) (*client.CreatedAIAPIKey, diag.Diagnostics) {
	data := rec.r.data
	rec.pending = pendingName()
	for retry := range data.maxRetries {
		if !data.tuning.wait(ctx, data.client.RetryWait(retry)) {
			return nil, diag.Diagnostics{rec.interrupted(ctx, ctx.Err())}
		}
		rec.attempts++
		created, err := rec.r.post(ctx, rec.repoID, rec.pending, rec.aiType)
		switch {
		case err == nil:
			return created, diag.Diagnostics{rec.finish(ctx, created.ID)}
		case created != nil:
			discarded := rec.discard(ctx, created.ID, err)
			rec.sweep(ctx)
			return nil, diag.Diagnostics{rec.failure(fmt.Sprintf("Creating AI API key %q in repo %s had an unknown outcome (%s). %s",
				rec.name, rec.repoID, rec.firstErr, discarded), "Run terraform apply again.")}
		case ctx.Err() != nil:
			rec.unknownRetries++
			return nil, diag.Diagnostics{rec.interrupted(ctx, err)}
		case !mayHaveCreated(err):
			rec.sweep(ctx)
			return nil, diag.Diagnostics{rec.failure(fmt.Sprintf(
				"Creating AI API key %q in repo %s had an unknown outcome (%s), and repeating it under the temporary name %q failed: %s.",
				rec.name, rec.repoID, rec.firstErr, rec.pending, err), nextStep("create", rec.ref(), err))}
		}
		rec.unknownRetries++
		rec.lastErr = err
		tflog.Warn(ctx, "repeated create outcome unknown", map[string]any{"repo_id": rec.repoID, "name": rec.pending, "error": err.Error()})
	}
	rec.sweep(ctx)
	times := "once"
	if rec.attempts > 1 {
		times = fmt.Sprintf("%d times", rec.attempts)
	}
	return nil, diag.Diagnostics{rec.failure(fmt.Sprintf("Creating AI API key %q in repo %s failed %s with an unknown outcome; the last error: %s.",
		rec.name, rec.repoID, times, rec.lastErr), nextStep("create", rec.ref(), rec.lastErr))}
}

// finish gives the key a retry created its configured name, cleans up after
// the retries before it, and says what the create left.
func (rec *createRecovery) finish(ctx context.Context, id string) diag.Diagnostic {
	rec.keep = id
	name := rec.name
	rec.renameErr = rec.r.data.client.AIAPIKeys.Update(ctx, rec.repoID, id, client.UpdateAIAPIKeyRequest{Name: &name})
	rec.r.data.lists.Invalidate(rec.repoID)
	rec.sweep(ctx)

	what := fmt.Sprintf("The first request to create AI API key %q in repo %s had an unknown outcome (%s). The create was "+
		"repeated under the temporary name %q and renamed: key %s is the one Terraform manages.",
		rec.name, rec.repoID, rec.firstErr, rec.pending, id)
	if rec.renameErr != nil {
		// The state keeps the key and its secret under the configured name;
		// the next refresh reads the temporary one, and the plan renames it.
		what = fmt.Sprintf("The first request to create AI API key %q in repo %s had an unknown outcome (%s). The create was "+
			"repeated under the temporary name %q: key %s, which Terraform now manages with its secret, still has that name, "+
			"because renaming it failed: %s. The next plan shows the rename; terraform apply makes it.",
			rec.name, rec.repoID, rec.firstErr, rec.pending, id, rec.renameErr)
	}
	return diag.NewWarningDiagnostic("AI API key created after an unknown outcome", what+rec.leftovers())
}

// discard deletes a key whose create answer named it but could not be used:
// the server said the key is this create's, and nobody has its secret.
func (rec *createRecovery) discard(ctx context.Context, id string, createErr error) string {
	err := rec.r.data.client.AIAPIKeys.Delete(ctx, rec.repoID, id)
	rec.r.data.lists.Invalidate(rec.repoID)
	if err != nil && !client.IsNotFound(err) {
		return fmt.Sprintf("Flashback created AI API key %s in repo %s but its response was unusable (%s), and deleting the key "+
			"failed: %s. Delete key %s in Flashback.", id, rec.repoID, createErr, err, id)
	}
	tflog.Warn(ctx, "deleted a key whose create answer was unusable", map[string]any{"repo_id": rec.repoID, "id": id})
	return fmt.Sprintf("Flashback created AI API key %s in repo %s but its response was unusable (%s). The key was deleted "+
		"again so that none is left without its secret.", id, rec.repoID, createErr)
}

// interrupted runs when the create's context ended (Ctrl-C) while a request
// may have been in flight: one look, on a context of its own and bounded in
// time, names what the create may have left and removes any key under the
// temporary name.
func (rec *createRecovery) interrupted(ctx context.Context, err error) diag.Diagnostic {
	if rec.answered.IsZero() {
		rec.answered = rec.r.data.client.ServerNow()
	}
	cleanCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interruptedCleanupTimeout)
	defer cancel()
	rec.look(cleanCtx)
	return rec.failure(fmt.Sprintf("Creating AI API key %q in repo %s was interrupted (%s).", rec.name, rec.repoID, err),
		"Run terraform apply again to create it.")
}

// failure is the error that ends a create: what happened, what it left, and
// what to do next.
func (rec *createRecovery) failure(what, next string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Cannot create AI API key", what+rec.leftovers()+" "+next)
}

// sweep looks at the repo, and looks again after growing waits while a retry
// whose outcome was unknown may have left a key the list does not show yet.
func (rec *createRecovery) sweep(ctx context.Context) {
	data := rec.r.data
	wait := data.tuning.readRecheckWait
	for recheck := 0; ; recheck++ {
		rec.look(ctx)
		if rec.lookErr != nil || len(rec.pendingSeen) >= rec.unknownRetries || recheck == sweepRechecks {
			return
		}
		if !data.tuning.wait(ctx, wait) {
			rec.lookErr = ctx.Err()
			return
		}
		wait *= 2
	}
}

// look lists the repo once: it names the keys that may be the first
// attempt's orphan, and deletes every live key under the temporary name but
// the one the create keeps.
func (rec *createRecovery) look(ctx context.Context) {
	data := rec.r.data
	keys, err := data.client.AIAPIKeys.List(ctx, rec.repoID)
	rec.looked, rec.lookErr = true, err
	if err != nil {
		return
	}
	rec.candidates = rec.candidates[:0]
	if rec.pendingSeen == nil {
		rec.pendingSeen = map[string]bool{}
	}
	for _, k := range keys {
		switch {
		case k.Deleted():
		case k.Name == rec.name && k.AIType == rec.aiType && rec.mayBeFirstOrphan(k):
			rec.candidates = append(rec.candidates, k.ID)
		case rec.pending != "" && k.Name == rec.pending && k.ID != rec.keep && !rec.pendingSeen[k.ID]:
			rec.pendingSeen[k.ID] = true
			err := data.client.AIAPIKeys.Delete(ctx, rec.repoID, k.ID)
			data.lists.Invalidate(rec.repoID)
			if err != nil && !client.IsNotFound(err) {
				rec.sweepFailed = append(rec.sweepFailed, fmt.Sprintf("%s (%s)", k.ID, err))
				continue
			}
			rec.swept = append(rec.swept, k.ID)
			tflog.Warn(ctx, "deleted the key left by a create under its temporary name", map[string]any{
				"repo_id": rec.repoID, "id": k.ID, "name": k.Name,
			})
		}
	}
}

// mayBeFirstOrphan reports whether k, of the configured name and type, may be
// the key the first attempt made: created while that request was under way,
// and not by this process.
func (rec *createRecovery) mayBeFirstOrphan(k client.AIAPIKey) bool {
	if rec.firstErr == nil {
		return false
	}
	if _, ours := rec.r.data.created.Load(k.ID); ours {
		return false
	}
	at, ok := k.Created()
	return ok && !at.Before(rec.began.Add(-orphanClockTolerance)) && !at.After(rec.answered.Add(orphanClockTolerance))
}

// leftovers says what the create may have left in the repo, and what to do
// about it; empty when nothing can be.
func (rec *createRecovery) leftovers() string {
	var b strings.Builder
	switch {
	case rec.firstErr == nil || !rec.looked:
	case rec.lookErr != nil:
		fmt.Fprintf(&b, " Listing the repo to check for a key the create may have made failed: %s. A key named %q may exist "+
			"in repo %s without Terraform knowing it, its secret lost; another client may have created a key of that name "+
			"too, so check before you delete one.", rec.lookErr, rec.name, rec.repoID)
		if rec.unknownRetries > 0 {
			fmt.Fprintf(&b, " Any key named %q is this create's: delete it.", rec.pending)
		}
	case len(rec.candidates) > 0:
		fmt.Fprintf(&b, " Flashback may have made a key anyway, whose secret was lost. Keys named %q of type %s created "+
			"meanwhile, not by this Terraform run: %s. Any of them may as well be another client's key, so none was "+
			"deleted: delete one only once you know that no one uses it.", rec.name, rec.aiType, strings.Join(rec.candidates, ", "))
	default:
		fmt.Fprintf(&b, " No key that Flashback may have made meanwhile is listed, but a key named %q may exist in repo %s "+
			"that the list does not show yet: one of type %s created at about %s that no one uses is this create's, "+
			"its secret lost.", rec.name, rec.repoID, rec.aiType, rec.began.UTC().Format(time.RFC3339))
	}
	if len(rec.swept) > 0 {
		fmt.Fprintf(&b, " The keys a retry left under the temporary name %q, whose secrets were lost, were deleted: %s.",
			rec.pending, strings.Join(rec.swept, ", "))
	}
	if len(rec.sweepFailed) > 0 {
		fmt.Fprintf(&b, " Deleting the keys a retry left under the temporary name %q failed: %s. They are this create's: "+
			"delete them in Flashback.", rec.pending, strings.Join(rec.sweepFailed, "; "))
	}
	if rec.lookErr == nil && rec.unknownRetries > len(rec.pendingSeen) {
		fmt.Fprintf(&b, " A retry may also have left a key named %q that the list does not show yet: it is this create's, "+
			"its secret lost; delete it in Flashback.", rec.pending)
	}
	return b.String()
}

// pendingName is a temporary key name no other create can choose: a fixed
// prefix, which says what the key is to whoever sees it, and 64 random bits.
func pendingName() string {
	b := make([]byte, 8)
	// crypto/rand.Read never fails since Go 1.24.
	_, _ = rand.Read(b)
	return pendingNamePrefix + hex.EncodeToString(b)
}
