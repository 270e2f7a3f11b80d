// Command flashback-emulator serves the in-memory Flashback API emulator (AI API
// keys, AI LLM configurations, AI policies, repos, buckets, workspaces, the user
// profile and the organization), for running the provider by hand or from
// scripts without the real backend.
//
//	FLASHBACK_ACCESS_TOKEN=dev flashback-emulator -repo repo-123 -data .demo/emulator.json
//	FLASHBACK_ACCESS_TOKEN=dev flashback-emulator -empty
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

const usageHeader = `Usage: flashback-emulator [flags]

Serves the Flashback API in memory: AI API keys, AI LLM configurations, AI
policies, repos, buckets, workspaces, the user profile and the organization, as
the wire contract in internal/emulator/contract describes.

The token stands for one user of one organization (-org), an administrator of
every workspace, declared with -workspace or made through the API. -repo puts a
repo in the default workspace, %s; -workspace-repo puts one in a
declared workspace; -bucket declares a bucket (which the API cannot create) in
either.
Give at least one -repo, -workspace, -workspace-repo or -bucket, or -empty to
start with the organization alone and make everything through the API.

Examples:
  FLASHBACK_ACCESS_TOKEN=dev flashback-emulator -org org-1 \
    -workspace ws-1=Production -workspace-repo ws-1:repo-a=gateway \
    -bucket ws-1:bucket-1=backups -repo repo-123 -data .demo/emulator.json
  FLASHBACK_ACCESS_TOKEN=dev flashback-emulator -empty -data .demo/emulator.json

Flags:
`

// listFlag collects a repeatable flag, each value checked by parse.
type listFlag[T any] struct {
	values []T
	parse  func(string) (T, error)
}

func (l *listFlag[T]) String() string { return "" }

func (l *listFlag[T]) Set(v string) error {
	parsed, err := l.parse(v)
	if err != nil {
		return err
	}
	l.values = append(l.values, parsed)
	return nil
}

func parseRepoID(v string) (string, error) {
	if v == "" {
		return "", errors.New("repo id must not be empty")
	}
	return v, nil
}

// parseWorkspace reads ID[=NAME].
func parseWorkspace(v string) (emulator.Workspace, error) {
	id, name, _ := strings.Cut(v, "=")
	if id == "" {
		return emulator.Workspace{}, fmt.Errorf("workspace %q has no id; write ID or ID=NAME", v)
	}
	return emulator.Workspace{ID: id, Name: name}, nil
}

// parseWorkspaceRepo reads WORKSPACE_ID:REPO_ID[=NAME].
func parseWorkspaceRepo(v string) (emulator.Repo, error) {
	workspace, rest, ok := strings.Cut(v, ":")
	id, name, _ := strings.Cut(rest, "=")
	if !ok || workspace == "" || id == "" {
		return emulator.Repo{}, fmt.Errorf("workspace repo %q must be WORKSPACE_ID:REPO_ID or WORKSPACE_ID:REPO_ID=NAME", v)
	}
	return emulator.Repo{ID: id, Name: name, WorkspaceID: workspace}, nil
}

// parseBucket reads [WORKSPACE_ID:]BUCKET_ID[=NAME]; without a workspace the
// bucket is in the default one, as a -repo is.
func parseBucket(v string) (emulator.Bucket, error) {
	spec, name, _ := strings.Cut(v, "=")
	workspace, id, ok := strings.Cut(spec, ":")
	if !ok {
		workspace, id = "", spec
	}
	if (ok && workspace == "") || id == "" {
		return emulator.Bucket{}, fmt.Errorf("bucket %q must be [WORKSPACE_ID:]BUCKET_ID or [WORKSPACE_ID:]BUCKET_ID=NAME", v)
	}
	return emulator.Bucket{ID: id, Name: name, WorkspaceID: workspace}, nil
}

// config is what the command line asks for.
type config struct {
	listen         string
	opts           emulator.Options
	failValidation bool
}

func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("flashback-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), usageHeader, emulator.DefaultWorkspaceID)
		fs.PrintDefaults()
	}
	var (
		cfg        config
		repos      = listFlag[string]{parse: parseRepoID}
		workspaces = listFlag[emulator.Workspace]{parse: parseWorkspace}
		wsRepos    = listFlag[emulator.Repo]{parse: parseWorkspaceRepo}
		buckets    = listFlag[emulator.Bucket]{parse: parseBucket}
		empty      bool
	)
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8080", "address to listen on; port 0 picks a free port")
	// The default is deliberately not shown in -help output, which would print the token.
	token := fs.String("token", "", "the accepted bearer token (default $FLASHBACK_ACCESS_TOKEN)")
	fs.StringVar(&cfg.opts.OrgID, "org", emulator.DefaultOrgID, "`ID` of the token's organization")
	fs.StringVar(&cfg.opts.OrgName, "org-name", emulator.DefaultOrgName, "`NAME` of the token's organization")
	fs.Var(&workspaces, "workspace", "a workspace of the organization, as `ID[=NAME]` (repeatable; NAME defaults to ID)")
	fs.Var(&repos, "repo", "a repo `ID` in the default workspace, named after its id (repeatable)")
	fs.Var(&wsRepos, "workspace-repo", "a repo in a -workspace, as `WORKSPACE_ID:REPO_ID[=NAME]` (repeatable; NAME defaults to REPO_ID)")
	fs.Var(&buckets, "bucket", "an S3 bucket in a -workspace or the default workspace, as `[WORKSPACE_ID:]BUCKET_ID[=NAME]` (repeatable; NAME and the physical bucket name default to BUCKET_ID)")
	fs.BoolVar(&empty, "empty", false, "start with the organization alone: no workspace, repo or bucket until the API makes them")
	fs.StringVar(&cfg.opts.DataFile, "data", "", "`file` to keep the whole state in across restarts: keys, AI LLM configurations, policies, workspaces, repos and buckets (holds secrets; mode 0600)")
	fs.DurationVar(&cfg.opts.Latency, "latency", 0, "delay before answering each request")
	fs.DurationVar(&cfg.opts.ListLag, "list-lag", 0, "hide keys, AI LLM configurations, policies, and workspaces and repos made through the API, younger than this from lists (eventual consistency)")
	fs.BoolVar(&cfg.failValidation, "fail-validation", false, "make every POST /ai/llm/{id}/validate fail")
	fs.BoolVar(&cfg.opts.KeepOmittedRepoLists, "keep-omitted-repo-lists", false, "make PUT /repo/{id} keep a list of buckets or AI LLMs that the body leaves out (default: an omitted list is empty)")
	fs.BoolVar(&cfg.opts.ErrorCodesIn2xx, "error-codes-in-2xx", false, "answer repo writes refused with an error_code with 200 and \"success\": false")
	fs.IntVar(&cfg.opts.RepoQuota, "repo-quota", 0, "how many repos the organization may have; POST /repo beyond it answers QUOTA_EXCEEDED (0: no limit)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q; every setting is a flag (see -h)", fs.Arg(0))
	}
	cfg.opts.Token = *token
	if cfg.opts.Token == "" {
		cfg.opts.Token = getenv("FLASHBACK_ACCESS_TOKEN")
	}
	if cfg.opts.Token == "" {
		return config{}, errors.New("no access token: set -token or FLASHBACK_ACCESS_TOKEN")
	}
	declared := len(repos.values) + len(workspaces.values) + len(wsRepos.values) + len(buckets.values)
	switch {
	case empty && declared > 0:
		return config{}, errors.New("-empty starts with the organization alone: drop it, or drop every -repo, -workspace, -workspace-repo and -bucket")
	case !empty && declared == 0:
		return config{}, errors.New("nothing to serve: give at least one -repo, -workspace, -workspace-repo or -bucket, or -empty to start with the organization alone")
	case cfg.opts.RepoQuota < 0:
		return config{}, fmt.Errorf("-repo-quota %d is negative; 0 means no limit", cfg.opts.RepoQuota)
	}
	cfg.opts.Repos = repos.values
	cfg.opts.Workspaces = workspaces.values
	cfg.opts.WorkspaceRepos = wsRepos.values
	cfg.opts.Buckets = buckets.values
	return cfg, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flashback-emulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseArgs(args, getenv, stderr)
	if err != nil {
		return err
	}
	emu, err := emulator.New(cfg.opts)
	if err != nil {
		return err
	}
	emu.ForceValidationFailure(cfg.failValidation)

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{
		Handler:           logRequests(logger, emu),
		ConnState:         emu.ConnState,
		ReadHeaderTimeout: 10 * time.Second,
	}

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
