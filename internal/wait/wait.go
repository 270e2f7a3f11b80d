// Package wait holds the one wait that every loop of this module uses
// (the provider's re-checks and recoveries, the emulator's latency): a wait
// that ends early, and says so, when its context ends.
package wait

import (
	"context"
	"time"
)

// For waits for d or until ctx ends, and reports whether it waited the whole
// time.
func For(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
