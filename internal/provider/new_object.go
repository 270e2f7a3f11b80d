package provider

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// An object this provider created moments ago may not be in its scope's list
// yet: Flashback's lists can lag behind a create. Until a list shows the
// object, and with it the created_at that only lists carry, a refresh cannot
// tell "not listed yet" from "deleted since", and dropping the object would
// make the next apply create a second one while the first, whose secret only
// the state may hold, stays behind. These helpers serve every list-only
// collection alike.

// privateCreatedKey names the private state that holds when this provider
// created an object, until a list shows it.
const privateCreatedKey = "created"

// recentObjectWindow is how long after its creation an object that a list
// does not show is assumed to be not listed yet rather than deleted.
const recentObjectWindow = 2 * time.Minute

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// rememberCreated notes in private when the object was created, by the
// server's clock, for tooNewToBeListed.
func (e *engine) rememberCreated(ctx context.Context, private privateSetter) diag.Diagnostics {
	at, _ := json.Marshal(e.now().UTC())
	return private.SetKey(ctx, privateCreatedKey, at)
}

// forgetCreated drops that note once a list has shown the object: a later
// absence is then a deletion.
func forgetCreated(ctx context.Context, private privateSetter) diag.Diagnostics {
	return private.SetKey(ctx, privateCreatedKey, nil)
}

// recentlyCreated reports whether an object may be too new to be listed: no
// list has shown it yet (createdAt is null), or it was created within
// recentObjectWindow. A read then looks for it again before giving up.
func (e *engine) recentlyCreated(createdAt types.String) bool {
	if createdAt.IsNull() || createdAt.IsUnknown() {
		return true
	}
	at, err := time.Parse(time.RFC3339Nano, createdAt.ValueString())
	return err == nil && e.now().Sub(at) < recentObjectWindow
}

// tooNewToBeListed reports whether an object that the list does not show may
// just not be listed yet: no list ever showed it (createdAt is null), and this
// provider created it within recentObjectWindow. An object a list once showed
// and no longer does was deleted.
func (e *engine) tooNewToBeListed(ctx context.Context, createdAt types.String, private privateGetter) bool {
	if !createdAt.IsNull() || private == nil {
		return false
	}
	raw, diags := private.GetKey(ctx, privateCreatedKey)
	var at time.Time
	if diags.HasError() || len(raw) == 0 || json.Unmarshal(raw, &at) != nil {
		return false
	}
	return e.now().Sub(at) < recentObjectWindow
}

func hasPrivateKey(ctx context.Context, private privateGetter, key string) bool {
	if private == nil {
		return false
	}
	raw, diags := private.GetKey(ctx, key)
	return !diags.HasError() && len(raw) > 0
}
