package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
)

// wrapProvider runs in place of a provider binary that Terraform starts: it
// runs the real one from realDir with the same arguments, stdio and
// environment, and when it exits appends its peak resident memory to
// rssFile. Terraform's plugin handshake goes through untouched, since the
// child writes to the very stdout Terraform reads.
func wrapProvider(realDir, rssFile string) int {
	name := filepath.Base(os.Args[0])
	cmd := exec.Command(filepath.Join(realDir, name), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Should Terraform kill the wrapper, the provider must not outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	// Terraform interrupts its plugins itself; pass on whatever reaches us.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "bench wrapper:", err)
		return 1
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		// Linux reports ru_maxrss in KiB. One short O_APPEND write per
		// process keeps concurrent provider processes' lines whole.
		if f, ferr := os.OpenFile(rssFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); ferr == nil {
			_, _ = fmt.Fprintf(f, "%s %d\n", name, ru.Maxrss)
			_ = f.Close()
		}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

const measuresMemory = true
