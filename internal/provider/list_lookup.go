package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// listLookup finds one object in the list of its scope, for collections with
// no call that reads a single object. An object created moments ago may not be
// listed yet, so for a recent one the list is asked again a few times, with
// growing waits, before the object is given up.
type listLookup[T any] struct {
	lists *client.ListCache[T]
	id    func(T) string
	// what names the collection in log lines.
	what   string
	tuning tuning
}

// find looks id up in scope's list, through the cache; nil means it is not
// there.
func (l listLookup[T]) find(ctx context.Context, scope, id string, recent bool) (*T, error) {
	return l.lookFor(ctx, scope, id, recent, func() ([]T, error) { return l.lists.List(ctx, scope) })
}

// lookFor does find's work, asking list for the first look and fresh lists
// for the others.
func (l listLookup[T]) lookFor(ctx context.Context, scope, id string, recent bool, list func() ([]T, error)) (*T, error) {
	tries := 1
	if recent {
		tries += l.tuning.readRecheckTries
	}
	wait := l.tuning.readRecheckWait
	for try := 1; ; try++ {
		items, err := list()
		if err != nil {
			return nil, err
		}
		for i := range items {
			if l.id(items[i]) == id {
				found := items[i]
				return &found, nil
			}
		}
		if try >= tries {
			return nil, nil
		}
		tflog.Debug(ctx, "recently created object not listed yet; looking again", map[string]any{
			"collection": l.what, "scope": scope, "id": id, "wait": wait.String(),
		})
		if !l.tuning.wait(ctx, wait) {
			return nil, ctx.Err()
		}
		wait *= 2
		notBefore := time.Now()
		list = func() ([]T, error) { return l.lists.ListFresh(ctx, scope, notBefore) }
	}
}
