package wait

import (
	"context"
	"testing"
	"time"
)

// promptly bounds how long a cancelled wait may take to return: far above
// any scheduling delay, far below the hour it was asked to wait.
const promptly = 30 * time.Second

func TestFor_endsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if For(ctx, time.Hour) {
		t.Error("a wait with an ended context reported that it waited the whole time")
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	start := time.Now()
	if For(ctx, time.Hour) {
		t.Error("a wait cancelled midway reported that it waited the whole time")
	}
	if d := time.Since(start); d > promptly {
		t.Errorf("the wait took %s to notice its context ended", d)
	}

	if !For(context.Background(), time.Millisecond) {
		t.Error("a wait that was not cancelled reported that it was")
	}
}
