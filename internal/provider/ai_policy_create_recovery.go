package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// A create whose outcome is unknown (the answer was lost, or unusable without
// naming the policy) may still have made a policy, and a policy that exists is
// enforced: it may block traffic. Policies have no unique name, so nothing
// proves that a policy found afterwards is the one this create made rather
// than someone else's identical one. So the provider never deletes or adopts
// such a policy: it names every candidate and says how to import or delete it.

// policyClockTolerance widens "created since the request began" to allow for
// the difference between our estimate of the server's clock and the real one.
const policyClockTolerance = 2 * time.Second

// policyInterruptedLookTimeout bounds the look for candidates after a create
// that Terraform interrupted: the user asked to stop, so it is one quick look.
const policyInterruptedLookTimeout = 10 * time.Second

// policyCreates is what the provider remembers of the policies it creates.
type policyCreates struct {
	// locks serialises creates of look-alike policies (same scope, name and
	// content), so that a create with an unknown outcome never names the
	// policy of a sibling create still in flight as a candidate.
	locks sync.Map
	// created holds the ids of every policy this provider configuration
	// created: never a candidate.
	created sync.Map
}

func (c *policyCreates) lock(in client.CreateAIPolicyRequest) *sync.Mutex {
	key := strings.Join([]string{client.AIPolicyScopeKey(in.OrgID, in.WorkspaceID, in.RepoID), in.Name, in.Content}, "\x00")
	lock, _ := c.locks.LoadOrStore(key, &sync.Mutex{})
	return lock.(*sync.Mutex) //nolint:forcetypeassert // locks only ever holds *sync.Mutex
}

// create creates the policy and returns it as Flashback stored it, or nil
// with diagnostics that say what happened and what may be left behind.
func (r *aiPolicyResource) create(ctx context.Context, in client.CreateAIPolicyRequest) (*client.AIPolicy, diag.Diagnostics) {
	var diags diag.Diagnostics
	scope := policyScope{org: in.OrgID, workspace: in.WorkspaceID, repo: in.RepoID}
	lock := r.data.policyCreates.lock(in)
	lock.Lock()
	defer lock.Unlock()

	began := r.data.client.ServerNow()
	created, err := r.data.client.AIPolicies.Create(ctx, in)
	r.data.policyLists.Invalidate(scope.key())
	if created != nil {
		r.data.policyCreates.created.Store(created.ID, true)
	}
	var unusable *client.ResponseError
	switch {
	case err == nil:
		return created, diags
	case created != nil:
		// The answer named the policy it made: it is certainly this create's.
		return r.readBackUnusable(ctx, in, created.ID, err)
	case ctx.Err() != nil:
		lookCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), policyInterruptedLookTimeout)
		defer cancel()
		diags.Append(r.reportCandidates(lookCtx, in, began, err, 1))
		return nil, diags
	case client.IsOutcomeUnknown(err) || errors.As(err, &unusable):
		tflog.Warn(ctx, "AI policy create outcome unknown; looking for a policy it may have made", map[string]any{
			"scope": scope.String(), "error": err.Error(),
		})
		diags.Append(r.reportCandidates(ctx, in, began, err, 1+r.data.tuning.readRecheckTries))
		return nil, diags
	default:
		sent := append([]string{"name", "content", "risk_type", "action_type"}, scope.attributes()...)
		diags.Append(errorDiag("create", scope.ref("", in.Name).sending(sent), err))
		return nil, diags
	}
}

// readBackUnusable reads back policy id, which Flashback made but described in
// an unusable answer (createErr). If it cannot be read either, it is returned
// as it was requested, with an error: Terraform then records it as tainted,
// and the next apply replaces it. It is this create's, so it is never left
// behind unrecorded.
func (r *aiPolicyResource) readBackUnusable(ctx context.Context, in client.CreateAIPolicyRequest, id string, createErr error) (*client.AIPolicy, diag.Diagnostics) {
	var diags diag.Diagnostics
	scope := policyScope{org: in.OrgID, workspace: in.WorkspaceID, repo: in.RepoID}
	p, err := r.data.client.AIPolicies.Get(ctx, id)
	if err == nil {
		diags.AddWarning("AI policy read back after an unusable answer", fmt.Sprintf(
			"Flashback created AI policy %s in %s, but its answer was unusable (%s); the policy was read back "+
				"instead.", id, scope, createErr))
		return p, diags
	}
	diags.AddError("Cannot create AI policy", fmt.Sprintf(
		"Flashback created AI policy %s in %s, but its answer was unusable (%s), and reading the policy back failed: "+
			"%s. Terraform records it as tainted: the next terraform apply deletes it and creates it again.",
		id, scope, createErr, err))
	return &client.AIPolicy{ID: id, OrgID: in.OrgID, WorkspaceID: in.WorkspaceID, RepoID: in.RepoID, Name: in.Name,
		Content: in.Content, RiskType: in.RiskType, ActionType: in.ActionType}, diags
}

// reportCandidates looks, up to looks times with growing waits, for the
// policies that a create with an unknown outcome (createErr) may have made,
// and returns the error that names them.
func (r *aiPolicyResource) reportCandidates(ctx context.Context, in client.CreateAIPolicyRequest, began time.Time, createErr error, looks int) diag.Diagnostic {
	scope := policyScope{org: in.OrgID, workspace: in.WorkspaceID, repo: in.RepoID}
	what := fmt.Sprintf("Creating AI policy %q in %s failed with an unknown outcome (%s)", in.Name, scope, createErr)
	candidates, err := r.createCandidates(ctx, in, began, looks)
	if err != nil {
		return diag.NewErrorDiagnostic("Cannot create AI policy", fmt.Sprintf(
			"%s, and listing the policies of the %s to look for one it may have made failed too: %s. A policy named "+
				"%q may now exist there, enforced, without Terraform knowing it: look for it in Flashback, and either "+
				"import it into this resource (an import block, or terraform import, with its id) or delete it, then "+
				"run terraform apply again.", what, scope.parent().kind, err, in.Name))
	}
	if len(candidates) == 0 {
		return diag.NewErrorDiagnostic("Cannot create AI policy", fmt.Sprintf(
			"%s. Flashback lists no policy of that name and content created since the request began, so it was "+
				"probably not created: run terraform apply again. Should such a policy appear in %s later, Terraform "+
				"does not know it: import it into this resource or delete it.", what, scope))
	}
	ids := make([]string, len(candidates))
	for i, p := range candidates {
		ids[i] = fmt.Sprintf("%s (created %s)", p.ID, normalizeTimestamp(p.CreatedAt))
	}
	return diag.NewErrorDiagnostic("Cannot create AI policy", fmt.Sprintf(
		"%s. Flashback lists %d policies of the same scope, name and content created since the request began: %s. "+
			"One is probably the policy this create made: it is enforced, and Terraform does not know it. Nothing "+
			"was deleted, since the provider cannot prove which policy is its own. Import the one this resource "+
			"should manage (an import block with id = %q, or terraform import <address> %s) and delete any other in "+
			"Flashback; or delete them all, then run terraform apply again.",
		what, len(candidates), strings.Join(ids, ", "), candidates[0].ID, candidates[0].ID))
}

// createCandidates lists the scope afresh for policies that look like in,
// were created since began, and are not one this provider made. A policy the
// server made moments ago may not be listed yet, so an empty answer is asked
// again, up to looks times.
func (r *aiPolicyResource) createCandidates(ctx context.Context, in client.CreateAIPolicyRequest, began time.Time, looks int) ([]client.AIPolicy, error) {
	scope := policyScope{org: in.OrgID, workspace: in.WorkspaceID, repo: in.RepoID}
	wait := r.data.tuning.readRecheckWait
	for look := 1; ; look++ {
		policies, err := r.data.policyLists.ListFresh(ctx, scope.key(), time.Now())
		if err != nil {
			return nil, err
		}
		var candidates []client.AIPolicy
		for _, p := range policies {
			if p.Name != in.Name || p.Content != in.Content || scopeOfPolicy(p) != scope {
				continue
			}
			if _, ours := r.data.policyCreates.created.Load(p.ID); ours {
				continue
			}
			if at, err := time.Parse(time.RFC3339Nano, p.CreatedAt); err == nil && at.Before(began.Add(-policyClockTolerance)) {
				continue
			}
			candidates = append(candidates, p)
		}
		if len(candidates) > 0 || look >= looks {
			return candidates, nil
		}
		if !r.data.tuning.wait(ctx, wait) {
			return nil, ctx.Err()
		}
		wait *= 2
	}
}
