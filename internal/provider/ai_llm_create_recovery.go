package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// The recovery of an AI LLM configuration create whose outcome is unknown.
//
// Names are unique within a workspace, so a create sent again can never make
// a second configuration: it either succeeds, when the first made nothing, or
// is refused because the name is taken. That makes repeating safe, but it
// also means a configuration that the first attempt did make blocks every
// later create. Finding it is the hard part: a configuration with our name,
// type and endpoint created after our request began is likely ours, but
// another writer (a second Terraform run, someone in the console) could have
// made exactly that. Flashback's answer carries nothing else that would tell
// them apart, so the recovery never adopts or deletes a configuration it
// finds. It names the candidates and says how to import the right one.

// llmClockTolerance widens "created after our request began" to allow for
// the difference between our estimate of the server's clock and the real one.
const llmClockTolerance = 2 * time.Second

// llmInterruptedLookTimeout bounds the look for a configuration after a create
// that Terraform interrupted: the user asked to stop, so it is one quick look.
const llmInterruptedLookTimeout = 10 * time.Second

// create sends the create; when its outcome is unknown it looks for a
// configuration the request may have made before sending it again, within the
// provider's retry budget. It returns the new configuration's id, or "" with
// an error diagnostic.
func (r *aiLLMResource) create(ctx context.Context, req client.CreateAILLMRequest) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	rec := llmCreateRecovery{r: r, req: req}
	attempts := r.data.maxRetries + 1
	for attempt := 1; ; attempt++ {
		began := r.data.client.ServerNow()
		id, err := r.data.client.AILLMs.Create(ctx, req)
		r.data.llmLists.Invalidate(req.WorkspaceID)
		if err == nil {
			return id, diags
		}
		var unusable *client.ResponseError
		switch {
		case ctx.Err() != nil:
			rec.noteUnknown(began, err)
			diags.Append(rec.interrupted(ctx, err))
			return "", diags
		case client.IsBadRequest(err) && rec.unknownErr != nil:
			// Refused after an attempt whose outcome was unknown: most likely
			// because that attempt did make the configuration.
			diags.Append(rec.refusedAfterUnknown(ctx, err))
			return "", diags
		case errors.As(err, &unusable):
			// A 2xx: Flashback made it, but its answer does not say which.
			rec.noteUnknown(began, err)
			diags.Append(rec.unusableAnswer(ctx, err))
			return "", diags
		case !client.IsOutcomeUnknown(err):
			diags.Append(errorDiag("create", rec.ref(), err))
			return "", diags
		}
		rec.noteUnknown(began, err)
		tflog.Warn(ctx, "create outcome unknown; looking for a configuration the server may have made", map[string]any{
			"workspace_id": req.WorkspaceID, "name": req.Name, "error": err.Error(),
		})
		found, listErr := rec.candidates(ctx, 1+r.data.tuning.readRecheckTries)
		if listErr != nil || len(found) > 0 || attempt >= attempts {
			diags.Append(rec.unknownOutcome(attempt, err, found, listErr))
			return "", diags
		}
		tflog.Warn(ctx, "no configuration of that name is listed; sending the create again", map[string]any{
			"workspace_id": req.WorkspaceID, "name": req.Name, "attempt": attempt + 1,
		})
	}
}

// llmCreateRecovery is what the recovery knows of one create.
type llmCreateRecovery struct {
	r   *aiLLMResource
	req client.CreateAILLMRequest
	// began is when the first attempt whose outcome is unknown was sent:
	// a configuration created before it cannot be ours.
	began      time.Time
	unknownErr error
}

func (rec *llmCreateRecovery) noteUnknown(began time.Time, err error) {
	if rec.unknownErr == nil {
		rec.began, rec.unknownErr = began, err
	}
}

// candidates lists the configurations of the workspace that have the name the
// create sent, looking up to looks times, with growing waits, while there is
// none: a configuration made a moment ago may not be listed yet.
func (rec *llmCreateRecovery) candidates(ctx context.Context, looks int) ([]client.AILLM, error) {
	wait := rec.r.data.tuning.readRecheckWait
	for look := 1; ; look++ {
		llms, err := rec.r.data.llmLists.ListFresh(ctx, rec.req.WorkspaceID, time.Now())
		if err != nil {
			return nil, err
		}
		var found []client.AILLM
		for _, l := range llms {
			if l.Name == rec.req.Name {
				found = append(found, l)
			}
		}
		if len(found) > 0 || look >= looks {
			return found, nil
		}
		if !rec.r.data.tuning.wait(ctx, wait) {
			return nil, ctx.Err()
		}
		wait *= 2
	}
}

// likelyOurs reports whether l looks like what the create made: the values it
// sent, created after its first uncertain attempt began. Likely, not proven.
func (rec *llmCreateRecovery) likelyOurs(l client.AILLM) bool {
	at, err := time.Parse(time.RFC3339Nano, l.CreatedAt)
	return err == nil && !at.Before(rec.began.Add(-llmClockTolerance)) &&
		l.AIType == rec.req.AIType && l.Endpoint == rec.req.Endpoint
}

// ref names the configuration the create is for, and what it sent.
func (rec *llmCreateRecovery) ref() objectRef {
	ref := aiLLMRef(rec.req.WorkspaceID, "").sending(llmSentByCreate(rec.req))
	ref.name = rec.req.Name
	return ref
}

func (rec *llmCreateRecovery) what() string { return rec.ref().String() }

func (rec *llmCreateRecovery) unknownOutcome(attempts int, err error, found []client.AILLM, listErr error) diag.Diagnostic {
	intro := fmt.Sprintf("Creating %s failed with an unknown outcome: %s.", rec.what(), err)
	if attempts > 1 {
		intro = fmt.Sprintf("Creating %s failed %d times with an unknown outcome; the last error: %s.", rec.what(), attempts, err)
	}
	return rec.report(intro, found, listErr)
}

func (rec *llmCreateRecovery) refusedAfterUnknown(ctx context.Context, err error) diag.Diagnostic {
	found, listErr := rec.candidates(ctx, 1+rec.r.data.tuning.readRecheckTries)
	return rec.report(fmt.Sprintf("Creating %s failed with an unknown outcome (%s); sent again, it was refused: %s. "+
		"Flashback refuses a name that is already taken in the workspace, which is what the first request would have "+
		"done if it made the configuration.", rec.what(), rec.unknownErr, err), found, listErr)
}

func (rec *llmCreateRecovery) unusableAnswer(ctx context.Context, err error) diag.Diagnostic {
	found, listErr := rec.candidates(ctx, 1+rec.r.data.tuning.readRecheckTries)
	return rec.report(fmt.Sprintf("Flashback answered the create of %s with a success that names no configuration (%s), "+
		"so it most likely made one.", rec.what(), err), found, listErr)
}

// interrupted looks once, on a context of its own, for a configuration that
// a create Terraform interrupted may have made.
func (rec *llmCreateRecovery) interrupted(ctx context.Context, err error) diag.Diagnostic {
	lookCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), llmInterruptedLookTimeout)
	defer cancel()
	found, listErr := rec.candidates(lookCtx, 1)
	return rec.report(fmt.Sprintf("Creating %s was interrupted (%s) while its request may have been on its way, so "+
		"Flashback may have made the configuration.", rec.what(), err), found, listErr)
}

// report is the one diagnostic of the recovery: what happened (intro), then
// what the workspace holds under the name and what to do about it. It never
// claims a configuration as this resource's: that is the user's call.
func (rec *llmCreateRecovery) report(intro string, found []client.AILLM, listErr error) diag.Diagnostic {
	name, ws := rec.req.Name, rec.req.WorkspaceID
	importHint := "terraform import flashback_ai_llm.<name> <id> (or an import block with that id)"
	var b strings.Builder
	b.WriteString(intro)
	switch {
	case listErr != nil:
		fmt.Fprintf(&b, " Listing workspace %s to look for it failed too: %s. A configuration named %q may exist there "+
			"without Terraform knowing it: look for it in the Flashback console or with the flashback_ai_llms data "+
			"source, import it if it is this one (%s), then run terraform apply again.", ws, listErr, name, importHint)
	case len(found) == 0:
		fmt.Fprintf(&b, " Workspace %s does not list a configuration named %q, so Flashback made none, or does not list "+
			"it yet. Run terraform apply again when the Flashback API is healthy. If that create is refused because "+
			"the name is taken, find the configuration with the flashback_ai_llms data source or in the Flashback "+
			"console and import it: %s.", ws, name, importHint)
	default:
		var likely []string
		descs := make([]string, len(found))
		for i, l := range found {
			descs[i] = fmt.Sprintf("%s (ai_type %s, endpoint %q, created %s", l.ID, l.AIType, l.Endpoint, l.CreatedAt)
			if rec.likelyOurs(l) {
				likely = append(likely, l.ID)
				descs[i] += ": the values this create sent, made after it began, so probably this request's)"
			} else {
				descs[i] += ": made earlier or with other values, so most likely another writer's)"
			}
		}
		fmt.Fprintf(&b, " Workspace %s has an AI LLM configuration named %q: %s. Names are unique in a workspace, so "+
			"Terraform cannot create another, and nothing proves which writer made this one (another Terraform run "+
			"or someone in the console could have made the very same), so Terraform neither adopted nor deleted "+
			"anything.", ws, name, strings.Join(descs, "; "))
		if len(likely) == 1 {
			importHint = fmt.Sprintf("terraform import flashback_ai_llm.<name> %s (or an import block with id = %q)", likely[0], likely[0])
		}
		fmt.Fprintf(&b, " If it is this resource's configuration, import it: %s; the first apply after the import "+
			"sends the secret and key again. If it is someone else's, give this configuration another name.", importHint)
	}
	return diag.NewErrorDiagnostic("Cannot create AI LLM configuration", b.String())
}
