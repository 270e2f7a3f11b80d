package wait

import (
	"context"
	"testing"
	"time"
)

func TestFor_endsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if For(ctx, time.Hour) {
		t.Error("a wait with an ended context reported that it waited the whole time")
	}

	// A day, longer than any test may run: that For returns at all proves
	// that the cancel ended it; no clock needs to say how soon.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if For(ctx, 24*time.Hour) {
		t.Error("a wait cancelled midway reported that it waited the whole time")
	}

	if !For(context.Background(), time.Millisecond) {
		t.Error("a wait that was not cancelled reported that it was")
	}
}
