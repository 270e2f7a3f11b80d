//go:build !linux

package main

import (
	"fmt"
	"os"
)

// wrapProvider is only needed where peak memory is measured, on Linux.
func wrapProvider(string, string) int {
	fmt.Fprintln(os.Stderr, "bench wrapper: only supported on Linux")
	return 1
}

// measuresMemory is false where rusage's peak resident memory is not
// reported the way the wrapper reads it.
const measuresMemory = false
