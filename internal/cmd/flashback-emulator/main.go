// Command flashback-emulator serves the in-memory Flashback AI API key emulator, for
// running the provider by hand or from scripts without the real backend.
//
//	FLASHBACK_ACCESS_TOKEN=dev flashback-emulator -repo repo-123 -data .demo/emulator.json
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// repoList collects a repeatable -repo flag.
type repoList []string

func (r *repoList) String() string { return strings.Join(*r, ",") }

func (r *repoList) Set(v string) error {
	if v == "" {
		return errors.New("repo id must not be empty")
	}
	*r = append(*r, v)
	return nil
}

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flashback-emulator:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flashback-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on; port 0 picks a free port")
	// The default is deliberately not shown in -help output, which would print the token.
	token := fs.String("token", "", "the accepted bearer token (default $FLASHBACK_ACCESS_TOKEN)")
	var repos repoList
	fs.Var(&repos, "repo", "a repo id the token may access (repeatable, at least one)")
	dataFile := fs.String("data", "", "file to keep keys in across restarts (holds secrets; mode 0600)")
	latency := fs.Duration("latency", 0, "delay before answering each request")
	listLag := fs.Duration("list-lag", 0, "hide keys younger than this from lists (eventual consistency)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv("FLASHBACK_ACCESS_TOKEN")
	}
	if *token == "" {
		return errors.New("no access token: set -token or FLASHBACK_ACCESS_TOKEN")
	}
	if len(repos) == 0 {
		return errors.New("no repo: give at least one -repo")
	}

	emu, err := emulator.New(emulator.Options{
		Token:    *token,
		Repos:    repos,
		DataFile: *dataFile,
		Latency:  *latency,
		ListLag:  *listLag,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{
		Handler:           logRequests(logger, emu),
		ConnState:         emu.ConnState,
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "flashback emulator listening on http://%s\n", ln.Addr())

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// logRequests logs one line per request. It logs only the method, path, status,
// size and duration: never headers (the token) nor bodies (secrets).
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			// No status means no response: a dropped connection or a client that left.
			status := "none"
			if rec.status != 0 {
				status = fmt.Sprint(rec.status)
			}
			logger.Info("request",
				"method", r.Method,
				"path", r.URL.EscapedPath(),
				"status", status,
				"bytes", rec.bytes,
				"duration", time.Since(start).Round(time.Microsecond),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// statusRecorder notes what the emulator wrote. Unwrap lets the emulator still
// hijack the connection to drop it.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
