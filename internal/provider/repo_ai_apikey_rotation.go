package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// The rotation of a flashback_repo_ai_apikey_rotating: how a key is replaced
// in place while the key it replaces keeps working for a while, and what each
// failure leaves.
//
// A key's life: it is created as the current key; a rotation makes it the
// previous key (renamed "<name> (retiring)"); once overlap has passed since
// that rotation, the next plan retires it, and the apply deletes it.
//
// The rename to "(retiring)" also keeps a previous key from ever being taken
// for a look-alike of a create of the configured name: the key collection
// tells keys apart by name and type alone (see createKey).
//
// A rotation is an in-place update, in this order:
//
//  1. Delete what an earlier rotation of this resource left: keys named
//     "tf-rotating-<id>" for a key of the state, a name no other writer
//     gives, under which a rotation creates its new key (below). Such a key is
//     there only when a rotation lost an answer or died before Terraform
//     saved its state, so no one has its secret.
//  2. Create the new key through the create engine (createKey, the key
//     collection's one create), named "tf-rotating-<current id>". If this
//     fails, nothing has changed: the state stays as it was, the current key
//     keeps working, and the rerun rotates again (after step 1).
//  3. The new key exists: from here on the state holds it with its secret,
//     whatever fails. Rename it to name; rename the old current key, now
//     the previous one, "<name> (retiring)"; delete the key that was
//     previous before, and any that an earlier rotation could not delete.
//     Each step that fails leaves the state true (the new key under its
//     temporary name, the previous key under its old name, a key not deleted
//     in retired_ids), the apply fails with an error that says what is left,
//     and the rerun's plan shows those steps and makes them.
//
// Whether the overlap has passed is decided at refresh, not at plan: Read
// notes the clock in the private state and every plan after it, the one
// Terraform makes again at apply time included, goes by that note. A plan
// that looked at the clock itself could keep the previous key at plan time
// and delete it at apply time, which Terraform refuses as an inconsistent
// plan.

const (
	// retiringSuffix ends the name of a previous key, so that the Flashback
	// console shows which key is on its way out.
	retiringSuffix = " (retiring)"
	// maxRenamedKeyName bounds the names the provider makes up, in
	// characters: Flashback does not document a limit; the emulator's is 255.
	maxRenamedKeyName = 255
	// rotationNamePrefix starts the name of a key a rotation creates, until it
	// is renamed: the current key's ID follows, so that no one else gives it.
	rotationNamePrefix = "tf-rotating-"

	// privateCheckedKey holds when the resource was last read: the time by
	// which plans decide whether the overlap has passed.
	privateCheckedKey = "checked_at"
	// privatePreviousCreatedKey holds when the previous key was created, if
	// no list had shown it when it was rotated out (privateCreatedKey for the
	// current key).
	privatePreviousCreatedKey = "previous_created"
)

// retiringName is the name a previous key gets: name with retiringSuffix,
// once, within maxRenamedKeyName characters.
func retiringName(name string) string {
	if strings.HasSuffix(name, retiringSuffix) {
		return name
	}
	runes := []rune(name)
	if limit := maxRenamedKeyName - len([]rune(retiringSuffix)); len(runes) > limit {
		runes = runes[:limit]
	}
	return string(runes) + retiringSuffix
}

// rotationName is the name under which the rotation of key currentID creates
// the key that replaces it.
func rotationName(currentID string) string { return rotationNamePrefix + currentID }

// rotationNow is the time a rotation is dated with, and the one refreshes
// note for the overlap: the server's, as the keys' created_at are.
func (e *engine) rotationNow() time.Time {
	if e.tuning.now != nil {
		return e.tuning.now()
	}
	return e.now()
}

// planUpdate plans an update of a rotating key: it rotates when rotate_when
// changed, retires the previous key once its overlap has passed by the clock
// of the latest refresh (checked, zero if unknown), and otherwise keeps
// every key and what the server decided, so that a plan without changes is
// empty. Each secret is kept as secret_recipients says (sealingPlans): the
// state's, encrypted in place when recipients are set on a plain secret,
// before a rotation moves the current one to previous; a rotation's new
// key's, for the recipients configured.
func planUpdate(state, plan rotatingKeyModel, checked time.Time) (rotatingKeyModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	cur, prev, sealingWarning := sealingPlans(state, plan)
	sealed := state
	sealed.Secret, sealed.EncryptedSecret = cur.secret, cur.encrypted
	if state.hasPrevious() {
		sealed.PreviousSecret, sealed.PreviousEncryptedSecret = prev.secret, prev.encrypted
	}
	p := plan
	p.ID, p.Key, p.Secret, p.EncryptedSecret, p.CreatedAt = sealed.ID, sealed.Key, sealed.Secret, sealed.EncryptedSecret,
		sealed.CreatedAt
	p.PreviousID, p.PreviousKey, p.PreviousSecret = sealed.PreviousID, sealed.PreviousKey, sealed.PreviousSecret
	p.PreviousEncryptedSecret = sealed.PreviousEncryptedSecret
	p.PreviousName, p.RotatedAt = sealed.PreviousName, sealed.RotatedAt
	p.RetiredIDs = types.ListNull(types.StringType)
	if retired := idsOf(state.RetiredIDs); len(retired) > 0 {
		diags.AddWarning("Retired AI API keys are deleted in this apply", fmt.Sprintf(
			"An earlier rotation of this key took %s out of service but could not delete %s: %s still %s. This "+
				"apply deletes %s; whatever still uses %s stops working.", keyList(retired), them(retired),
			them(retired), works(retired), them(retired), them(retired)))
	}
	end, hasEnd := overlapEnd(state.RotatedAt, plan.Overlap)
	expired := state.hasPrevious() && hasEnd && !checked.IsZero() && !checked.Before(end)
	switch {
	case rotateWhenChanged(state.RotateWhen, plan.RotateWhen):
		if state.hasPrevious() {
			diags.Append(previousDeletedByRotation(state, end, hasEnd, expired))
		}
		fresh := secretSealing{recipients: plan.SecretRecipients, priorRecipients: state.SecretRecipients, fresh: true}.plan()
		p.ID, p.Key, p.CreatedAt = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		p.Secret, p.EncryptedSecret = fresh.secret, fresh.encrypted
		p.takePrevious(sealed)
		p.PreviousName = retiringNameOf(plan.Name)
		p.RotatedAt = types.StringUnknown()
		// The new key follows secret_recipients, and the one it replaces retires.
		sealingWarning = nil
	case expired:
		diags.AddWarning("Previous AI API key retires in this apply", fmt.Sprintf(
			"The previous key %s of this %s (repo %s), rotated out at %s, retired at %s, when its overlap of %s "+
				"had passed: this apply deletes it. Whatever still uses its secret (previous_secret) stops "+
				"working; the current key %s is not affected.", state.PreviousID.ValueString(), rotatingKeyType,
			state.RepoID.ValueString(), state.RotatedAt.ValueString(), end.UTC().Format(createdAtLayout),
			plan.Overlap.ValueString(), state.ID.ValueString()))
		p.dropPrevious()
	case state.hasPrevious():
		// A rename that failed, or one made in the console, is made again.
		p.PreviousName = retiringNameOf(state.PreviousName)
	}
	diags.Append(sealingWarning...)
	return p, diags
}

// previousDeletedByRotation says that a rotation deletes the previous key,
// in its overlap or not.
func previousDeletedByRotation(state rotatingKeyModel, end time.Time, hasEnd, expired bool) diag.Diagnostic {
	prev, cur := state.PreviousID.ValueString(), state.ID.ValueString()
	if expired {
		return diag.NewWarningDiagnostic("Previous AI API key retires in this apply", fmt.Sprintf(
			"This rotation makes key %s the previous key and deletes the previous key %s, which retired at %s "+
				"when its overlap had passed. Whatever still uses its secret stops working.", cur, prev,
			end.UTC().Format(createdAtLayout)))
	}
	until := "until its overlap has passed"
	if hasEnd {
		until = "until " + end.UTC().Format(createdAtLayout)
	}
	return diag.NewWarningDiagnostic("Rotation deletes a previous key still in its overlap", fmt.Sprintf(
		"This rotation makes key %s the previous key, and deletes the previous key %s, which would have kept "+
			"working %s: whatever still uses its secret (previous_secret) stops working in this apply. To let "+
			"it work its overlap, rotate after that.", cur, prev, until))
}

// overlapEnd is when the previous key's overlap ends: rotated_at + overlap.
func overlapEnd(rotatedAt, overlap types.String) (time.Time, bool) {
	if rotatedAt.IsNull() || rotatedAt.IsUnknown() || overlap.IsNull() || overlap.IsUnknown() {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, rotatedAt.ValueString())
	if err != nil {
		return time.Time{}, false
	}
	d, err := time.ParseDuration(overlap.ValueString())
	if err != nil || d <= 0 {
		return time.Time{}, false
	}
	return at.Add(d), true
}

// rotateWhenChanged reports whether rotate_when has new entries, changed or
// removed ones, or ones not known yet. Null and {} are the same.
func rotateWhenChanged(prior, planned types.Map) bool {
	before, ok := stringMap(prior)
	if !ok {
		return true
	}
	after, ok := stringMap(planned)
	return !ok || !maps.Equal(before, after)
}

func stringMap(m types.Map) (map[string]string, bool) {
	if m.IsUnknown() {
		return nil, false
	}
	out := map[string]string{}
	for k, v := range m.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsUnknown() {
			return nil, false
		}
		out[k] = s.ValueString()
	}
	return out, true
}

func retiringNameOf(name types.String) types.String {
	if name.IsNull() || name.IsUnknown() {
		return name
	}
	return types.StringValue(retiringName(name.ValueString()))
}

// rotate replaces the current key of state in place, as plan asks. It reports
// whether the new key exists: if not, nothing changed and the prior state
// stands. If it does, next is what Flashback holds after the steps that
// succeeded, and the diagnostics name those that did not.
func (r *repoAIAPIKeyRotatingResource) rotate(ctx context.Context, reqPrivate privateGetter, respPrivate privateSetter,
	state, plan rotatingKeyModel) (next rotatingKeyModel, rotated bool, diags diag.Diagnostics) {
	repoID, oldID := state.RepoID.ValueString(), state.ID.ValueString()
	// Parsed before anything is sent, so that recipients that cannot be used never cost a key.
	recipients, recipientDiags := parseSecretRecipients(plan.SecretRecipients)
	if diags.Append(recipientDiags...); recipientDiags.HasError() {
		return state, false, diags
	}
	diags.Append(r.sweep(ctx, state, "")...)
	created, createDiags := r.createForRotation(ctx, repoID, oldID, plan.AIType.ValueString())
	diags.Append(createDiags...)
	if created == nil {
		diags.AddError("AI API key not rotated", fmt.Sprintf(
			"Key %s in repo %s is still the current key, and works: the rotation changed nothing. A key named %q "+
				"that the create may have left is this rotation's beyond doubt (no other writer gives that name), "+
				"and no one has its secret: the next rotation, or the destroy, deletes it. Run terraform apply "+
				"again to rotate.", oldID, repoID, rotationName(oldID)))
		return state, false, diags
	}
	ctx = maskSecret(ctx, created.Secret)
	tflog.Info(ctx, "rotated AI API key", map[string]any{"repo_id": repoID, "id": created.ID, "previous_id": oldID})
	if len(createDiags) > 0 {
		// An attempt whose answer was lost may have left a key under the
		// rotation's name: it is this rotation's beyond doubt.
		diags.Append(r.sweep(ctx, state, created.ID)...)
	}

	next = state
	next.takePrevious(state)
	next.PreviousName = state.Name
	next.RotatedAt = types.StringValue(r.data.engine.rotationNow().UTC().Format(createdAtLayout))
	if err := next.setCurrent(created, recipients); err != nil {
		diags.Append(secretNotKept(aiAPIKeyRef(repoID, created.ID).String(), err, fmt.Sprintf(
			"the key is the current key all the same, and no one has its secret, while key %s keeps working as the "+
				"previous key. Change rotate_when to rotate again.", oldID)))
	}
	next.Name = types.StringValue(rotationName(oldID))
	next.RotateWhen, next.Overlap = plan.RotateWhen, plan.Overlap
	retiring := idsOf(state.RetiredIDs)
	if state.hasPrevious() {
		retiring = append(retiring, state.PreviousID.ValueString())
	}
	next.RetiredIDs = listOfIDs(retiring)
	diags.Append(r.notePrevious(ctx, reqPrivate, respPrivate, state)...)

	var left []string
	name := plan.Name.ValueString()
	if err := r.renameKey(ctx, repoID, created.ID, name); err != nil {
		left = append(left, fmt.Sprintf("rename key %s, the new current key, from %q to %q (%s)", created.ID,
			rotationName(oldID), name, err))
	} else {
		next.Name = plan.Name
	}
	if err := r.renameKey(ctx, repoID, oldID, retiringName(name)); err != nil {
		left = append(left, fmt.Sprintf("rename key %s, now the previous key, to %q (%s)", oldID, retiringName(name), err))
	} else {
		next.PreviousName = types.StringValue(retiringName(name))
	}
	remaining, errs := r.deleteKeys(ctx, repoID, retiring)
	for i, id := range remaining {
		left = append(left, fmt.Sprintf("delete key %s, which this rotation took out of service and which still "+
			"works (%s)", id, errs[i]))
	}
	next.RetiredIDs = listOfIDs(remaining)
	if len(left) > 0 {
		diags.AddError("AI API key rotation not finished", fmt.Sprintf(
			"Key %s in repo %s was rotated: the new key %s is the current key, and its secret is in the state; key "+
				"%s is the previous key, and keeps working until overlap has passed. Left to do: %s. Run terraform "+
				"apply again: its plan shows what is left, and the apply does it.", oldID, repoID, created.ID, oldID,
			strings.Join(left, "; ")))
	}
	return next, true, diags
}

// createForRotation creates the key that replaces currentID, under a name
// that only this rotation gives.
func (r *repoAIAPIKeyRotatingResource) createForRotation(ctx context.Context, repoID, currentID, aiType string) (*client.CreatedAIAPIKey, diag.Diagnostics) {
	return r.keys().createKey(ctx, repoID, rotationName(currentID), aiType)
}

// notePrevious carries over, to the key that becomes the previous one, the
// note of when it was created if no list has shown it yet: a refresh then
// keeps it while the list lags, as it would the current key.
func (r *repoAIAPIKeyRotatingResource) notePrevious(ctx context.Context, reqPrivate privateGetter, respPrivate privateSetter,
	state rotatingKeyModel) diag.Diagnostics {
	var created []byte
	var diags diag.Diagnostics
	if state.CreatedAt.IsNull() && reqPrivate != nil {
		created, diags = reqPrivate.GetKey(ctx, privateCreatedKey)
	}
	diags.Append(respPrivate.SetKey(ctx, privatePreviousCreatedKey, created)...)
	diags.Append(r.data.engine.rememberCreated(ctx, respPrivate)...)
	return diags
}

// update makes the changes of an apply that does not rotate: a rename of the
// current key, the previous key's retirement or rename, and the deletion of
// retired keys. next is what Flashback holds after the steps that succeeded.
func (r *repoAIAPIKeyRotatingResource) update(ctx context.Context, state, plan rotatingKeyModel) (next rotatingKeyModel, diags diag.Diagnostics) {
	repoID, id := state.RepoID.ValueString(), state.ID.ValueString()
	next = state
	next.RotateWhen, next.Overlap = plan.RotateWhen, plan.Overlap
	if !plan.Name.Equal(state.Name) {
		name := plan.Name.ValueString()
		if err := r.renameKey(ctx, repoID, id, name); err != nil {
			diags.Append(errorDiag("update", aiAPIKeyRef(repoID, id).sending([]string{sentValue("name", name)}), err))
		} else {
			next.Name = plan.Name
		}
	}
	if state.hasPrevious() {
		prev := state.PreviousID.ValueString()
		switch {
		case !plan.hasPrevious():
			if err := r.deleteKey(ctx, repoID, prev); err != nil {
				diags.Append(errorDiag("delete", aiAPIKeyRef(repoID, prev), err))
				diags.AddError("Previous AI API key not retired", fmt.Sprintf("Key %s, the previous key, still works "+
					"and stays in the state (previous_id); the next apply deletes it.", prev))
			} else {
				next.dropPrevious()
			}
		case !plan.PreviousName.IsUnknown() && !plan.PreviousName.Equal(state.PreviousName):
			name := plan.PreviousName.ValueString()
			if err := r.renameKey(ctx, repoID, prev, name); err != nil {
				diags.Append(errorDiag("update", aiAPIKeyRef(repoID, prev).sending([]string{sentValue("name", name)}), err))
			} else {
				next.PreviousName = plan.PreviousName
			}
		}
	}
	remaining, errs := r.deleteKeys(ctx, repoID, idsOf(state.RetiredIDs))
	for i, id := range remaining {
		diags.Append(errorDiag("delete", aiAPIKeyRef(repoID, id), errs[i]))
	}
	next.RetiredIDs = listOfIDs(remaining)
	return next, diags
}

// deleteOthers deletes the previous and the retired keys of state, and
// returns the state of what is left.
func (r *repoAIAPIKeyRotatingResource) deleteOthers(ctx context.Context, state rotatingKeyModel) (rest rotatingKeyModel, diags diag.Diagnostics) {
	repoID := state.RepoID.ValueString()
	rest = state
	remaining, errs := r.deleteKeys(ctx, repoID, idsOf(state.RetiredIDs))
	for i, id := range remaining {
		diags.Append(errorDiag("delete", aiAPIKeyRef(repoID, id), errs[i]))
	}
	rest.RetiredIDs = listOfIDs(remaining)
	if state.hasPrevious() {
		prev := state.PreviousID.ValueString()
		if err := r.deleteKey(ctx, repoID, prev); err != nil {
			diags.Append(errorDiag("delete", aiAPIKeyRef(repoID, prev), err))
		} else {
			rest.dropPrevious()
		}
	}
	return rest, diags
}

// sweep deletes what rotations of this resource left: the keys named
// rotationName of a key the state holds, but the state's own keys and except
// (the key a rotation just made). Only a rotation of this resource gives
// those names, and a key left under one has a secret no one has.
func (r *repoAIAPIKeyRotatingResource) sweep(ctx context.Context, state rotatingKeyModel, except string) diag.Diagnostics {
	repoID := state.RepoID.ValueString()
	ours := map[string]bool{except: true, state.ID.ValueString(): true, state.PreviousID.ValueString(): true}
	markers := map[string]bool{rotationName(state.ID.ValueString()): true}
	if state.hasPrevious() {
		markers[rotationName(state.PreviousID.ValueString())] = true
	}
	for _, id := range idsOf(state.RetiredIDs) {
		ours[id] = true
	}
	listed, err := r.data.keys.lists.List(ctx, repoID)
	if err != nil {
		tflog.Warn(ctx, "cannot list the repo to look for what an earlier rotation left", map[string]any{
			"repo_id": repoID, "error": err.Error(),
		})
		return nil
	}
	var diags diag.Diagnostics
	for _, k := range listed {
		if !markers[k.Name] || ours[k.ID] || k.Deleted() {
			continue
		}
		if err := r.deleteKey(ctx, repoID, k.ID); err != nil {
			diags.AddWarning("AI API key left by a rotation", fmt.Sprintf(
				"Key %s in repo %s, named %q, is what a rotation of this key left when it was interrupted or lost an "+
					"answer; no one has its secret. Deleting it failed: %s. Delete it in Flashback; the next rotation "+
					"or destroy of this key tries again.", k.ID, repoID, k.Name, err))
			continue
		}
		what := "what a rotation of this key left when it was interrupted or lost an answer"
		if except != "" {
			what = "what this rotation's attempt whose answer was lost made (the create's warning names it, not " +
				"knowing whose it is)"
		}
		diags.AddWarning("AI API key left by a rotation deleted", fmt.Sprintf(
			"Key %s in repo %s, named %q, was %s: only a rotation of this key gives that name, and no one has its "+
				"secret. It was deleted.", k.ID, repoID, k.Name, what))
	}
	return diags
}

// readPrevious refreshes the previous and retired keys of m from the repo's
// list (the one Read listed the current key in). It reports false when the
// list could not be read, with the error in resp.
func (r *repoAIAPIKeyRotatingResource) readPrevious(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse, m *rotatingKeyModel) bool {
	keys := r.data.keys
	repoID := m.RepoID.ValueString()
	if m.hasPrevious() {
		id := m.PreviousID.ValueString()
		recent := r.data.engine.tooNewToBeListed(ctx, types.StringNull(), privateAs{req.Private, privatePreviousCreatedKey})
		prev, err := keys.find(ctx, repoID, id, recent)
		if err != nil {
			resp.Diagnostics.Append(errorDiag("read", aiAPIKeyRef(repoID, id), err))
			return false
		}
		switch {
		case prev != nil && !keys.isDeleted(*prev):
			m.PreviousName = types.StringValue(prev.Name)
			if prev.Key != nil {
				m.PreviousKey = types.StringValue(*prev.Key)
			}
			resp.Diagnostics.Append(resp.Private.SetKey(ctx, privatePreviousCreatedKey, nil)...)
		case prev == nil && recent:
			resp.Diagnostics.AddWarning("AI API key not listed yet", fmt.Sprintf(
				"The previous key %s in repo %s was created moments ago and the list does not show it yet; it is "+
					"kept in the state. A later refresh reads it again.", id, repoID))
		default:
			resp.Diagnostics.AddWarning("Previous AI API key deleted outside Terraform", fmt.Sprintf(
				"The previous key %s in repo %s no longer exists: previous_id, previous_key and previous_secret are "+
					"null now. The current key %s is not affected.", id, repoID, m.ID.ValueString()))
			m.dropPrevious()
		}
	}
	var still []string
	for _, id := range idsOf(m.RetiredIDs) {
		k, err := keys.find(ctx, repoID, id, false)
		if err != nil {
			resp.Diagnostics.Append(errorDiag("read", aiAPIKeyRef(repoID, id), err))
			return false
		}
		if k != nil && !keys.isDeleted(*k) {
			still = append(still, id)
		}
	}
	m.RetiredIDs = listOfIDs(still)
	return true
}

// leftWhenCurrentGone names the keys a rotating key leaves when its current
// key was deleted outside Terraform and the resource is created anew.
func leftWhenCurrentGone(state rotatingKeyModel) diag.Diagnostics {
	left := idsOf(state.RetiredIDs)
	if state.hasPrevious() {
		left = append([]string{state.PreviousID.ValueString()}, left...)
	}
	if len(left) == 0 {
		return nil
	}
	repoID := state.RepoID.ValueString()
	return diag.Diagnostics{diag.NewWarningDiagnostic("AI API keys left without a resource", fmt.Sprintf(
		"Besides the current key, this %s held %s in repo %s, which %s no longer managed by Terraform: the next "+
			"apply creates a new key and leaves %s. Delete %s in Flashback once nothing uses %s, or import one as a "+
			"key: terraform import flashback_repo_ai_apikey.<name> %s/%s.", rotatingKeyType, keyList(left), repoID,
		are(left), them(left), them(left), them(left), repoID, left[0])),
	}
}

func (r *repoAIAPIKeyRotatingResource) renameKey(ctx context.Context, repoID, id, name string) error {
	return r.data.keys.write(repoID, func() error {
		return r.data.client.AIAPIKeys.Update(ctx, repoID, id, client.UpdateAIAPIKeyRequest{Name: &name})
	})
}

// deleteKey deletes a key; one already gone is deleted too.
func (r *repoAIAPIKeyRotatingResource) deleteKey(ctx context.Context, repoID, id string) error {
	err := r.data.keys.write(repoID, func() error { return r.data.client.AIAPIKeys.Delete(ctx, repoID, id) })
	if client.IsNotFound(err) {
		return nil
	}
	return err
}

// deleteKeys deletes each key of ids, and returns those that remain, with
// why.
func (r *repoAIAPIKeyRotatingResource) deleteKeys(ctx context.Context, repoID string, ids []string) (remaining []string, errs []error) {
	for _, id := range ids {
		if err := r.deleteKey(ctx, repoID, id); err != nil {
			remaining, errs = append(remaining, id), append(errs, err)
		}
	}
	return remaining, errs
}

func idsOf(l types.List) []string {
	var ids []string
	for _, v := range l.Elements() {
		if s, ok := v.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			ids = append(ids, s.ValueString())
		}
	}
	return ids
}

// listOfIDs is ids as retired_ids: null for none.
func listOfIDs(ids []string) types.List {
	if len(ids) == 0 {
		return types.ListNull(types.StringType)
	}
	return types.ListValueMust(types.StringType, stringValues(ids))
}

func stringValues(ss []string) []attr.Value {
	out := make([]attr.Value, len(ss))
	for i, s := range ss {
		out[i] = types.StringValue(s)
	}
	return out
}

// keyList is "key a" or "keys a, b".
func keyList(ids []string) string {
	if len(ids) == 1 {
		return "key " + ids[0]
	}
	return "keys " + strings.Join(ids, ", ")
}

func them(ids []string) string  { return pick(ids, "it", "them") }
func works(ids []string) string { return pick(ids, "works", "work") }
func are(ids []string) string   { return pick(ids, "is", "are") }

func pick(ids []string, one, many string) string {
	if len(ids) == 1 {
		return one
	}
	return many
}

// privateAs reads privateCreatedKey from another key of the private state,
// so that tooNewToBeListed serves the previous key too.
type privateAs struct {
	p   privateGetter
	key string
}

func (a privateAs) GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics) {
	if key == privateCreatedKey {
		key = a.key
	}
	return a.p.GetKey(ctx, key)
}

// timeIn reads a time noted in the private state.
func timeIn(ctx context.Context, private privateGetter, key string) (time.Time, bool) {
	if private == nil {
		return time.Time{}, false
	}
	raw, diags := private.GetKey(ctx, key)
	var at time.Time
	if diags.HasError() || len(raw) == 0 || json.Unmarshal(raw, &at) != nil {
		return time.Time{}, false
	}
	return at, true
}

// setTime notes a time in the private state.
func setTime(ctx context.Context, private privateSetter, key string, at time.Time) diag.Diagnostics {
	raw, _ := json.Marshal(at.UTC())
	return private.SetKey(ctx, key, raw)
}

// positiveDuration accepts a Go duration greater than zero, such as "168h".
type positiveDuration struct{}

var _ validator.String = positiveDuration{}

func (positiveDuration) Description(context.Context) string {
	return "value must be a positive Go duration, such as 168h or 90m"
}

func (v positiveDuration) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (positiveDuration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err == nil && d > 0 {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", fmt.Sprintf(
		"%s must be a positive duration in Go's syntax, such as \"168h\" (a week), \"36h\" or \"90m\" (Go durations "+
			"have no days); got %q.", req.Path, req.ConfigValue.ValueString()))
}
