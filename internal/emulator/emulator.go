// Package emulator is an in-memory stand-in for the Flashback AI API key endpoints
// (see shared/flashback-api.md), faithful enough to run the provider's whole
// lifecycle against it, with hooks to change keys behind the provider's back, count
// traffic and inject failures.
package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	// Token is the one bearer token the server accepts. If it is empty, no request
	// is authorized.
	Token string
	// Repos are the repos the token may access; any other repo id gives 403.
	Repos []string
	// DataFile, when set, is loaded by New and rewritten atomically after every
	// change. It holds secrets and is written with mode 0600.
	DataFile string
	// Latency delays every request, or until the client gives up.
	Latency time.Duration
	// ListLag hides keys younger than this from lists, as an eventually consistent
	// backend would.
	ListLag time.Duration
	// ListDeleted makes lists show soft-deleted keys too, with deletedAt set, as a
	// backend whose list does not filter them out would.
	ListDeleted bool
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Server emulates the API. It is an http.Handler and safe for concurrent use.
type Server struct {
	tokenHash   [sha256.Size]byte
	hasToken    bool
	dataFile    string
	latency     time.Duration
	listLag     time.Duration
	listDeleted bool
	now         func() time.Time

	mu            sync.Mutex
	repos         map[string]bool
	store         *store
	faults        []*Fault
	chaos         *chaos
	requests      map[requestKind]int
	responseBytes int64
	connections   int
}

type requestKind struct{ method, op string }

// New returns a server holding the keys saved in opts.DataFile, if any. It fails
// only when that file exists but cannot be read or parsed.
func New(opts Options) (*Server, error) {
	s := &Server{
		tokenHash:   sha256.Sum256([]byte(opts.Token)),
		hasToken:    opts.Token != "",
		dataFile:    opts.DataFile,
		latency:     opts.Latency,
		listLag:     opts.ListLag,
		listDeleted: opts.ListDeleted,
		now:         opts.Now,
		repos:       make(map[string]bool),
		store:       newStore(),
		requests:    make(map[requestKind]int),
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, repo := range opts.Repos {
		s.repos[repo] = true
	}
	if opts.DataFile != "" {
		st, err := loadStore(opts.DataFile)
		if err != nil {
			return nil, err
		}
		s.store = st
	}
	return s, nil
}

// AddRepo grants the token access to one more repo.
func (s *Server) AddRepo(repoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[repoID] = true
}

// ServeHTTP counts the request, waits out the configured latency, then either
// fails it as an injected fault or chaos says, or answers it as the API would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := parseRoute(r.URL.EscapedPath())
	op := rt.op(r.Method)

	s.mu.Lock()
	s.requests[requestKind{r.Method, op}]++
	s.mu.Unlock()

	if s.latency > 0 {
		// net/http notices a client hanging up only once the request body has been
		// read, so read it before waiting.
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !sleepCtx(r.Context(), s.latency) {
			return
		}
	}

	s.mu.Lock()
	fault := s.pickFault(r.Method, op)
	s.mu.Unlock()

	if fault != nil && !fault.AfterAct {
		s.fail(w, fault, "")
		return
	}
	res := s.handle(r, rt, op)
	if fault != nil {
		s.fail(w, fault, res.createdID)
		return
	}
	for name, value := range res.header {
		w.Header().Set(name, value)
	}
	s.writeJSON(w, res.status, res.body)
}

// result is what handling a request produced, before it is written, so that an
// AfterAct fault can act and still answer differently.
type result struct {
	status    int
	body      any
	header    map[string]string
	createdID string
}

func errorResult(status int, format string, args ...any) result {
	return result{status: status, body: messageBody{Message: fmt.Sprintf(format, args...)}}
}

func (s *Server) handle(r *http.Request, rt route, op string) result {
	if rt.kind == routeNone {
		return errorResult(http.StatusNotFound, "no endpoint at %s", r.URL.Path)
	}
	if op == "" {
		allow := rt.allow()
		res := errorResult(http.StatusMethodNotAllowed, "method %s is not allowed here; use %s", r.Method, allow)
		res.header = map[string]string{"Allow": allow}
		return res
	}
	if res, ok := s.authenticate(r); !ok {
		return res
	}
	s.mu.Lock()
	allowed := s.repos[rt.repoID]
	s.mu.Unlock()
	if !allowed {
		return errorResult(http.StatusForbidden, "insufficient permissions for repo %s", rt.repoID)
	}
	switch op {
	case OpList:
		return s.list(rt.repoID)
	case OpCreate:
		return s.create(r, rt.repoID)
	case OpUpdate:
		return s.update(r, rt.repoID, rt.keyID)
	default:
		return s.delete(rt.repoID, rt.keyID)
	}
}

func (s *Server) authenticate(r *http.Request) (result, bool) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return s.unauthorized("missing Authorization header"), false
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return s.unauthorized("Authorization header must be 'Bearer <access token>'"), false
	}
	// Hashing first makes the comparison constant-time in the token's length too.
	got := sha256.Sum256([]byte(token))
	if !s.hasToken || subtle.ConstantTimeCompare(got[:], s.tokenHash[:]) != 1 {
		return s.unauthorized("invalid access token"), false
	}
	return result{}, true
}

func (s *Server) unauthorized(message string) result {
	res := errorResult(http.StatusUnauthorized, "%s", message)
	res.header = map[string]string{"WWW-Authenticate": "Bearer"}
	return res
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// DeleteKey soft-deletes a key as someone using the Flashback UI would. It returns
// an error wrapping ErrKeyNotFound if the key is unknown in the repo or already
// deleted.
func (s *Server) DeleteKey(repoID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteLocked(repoID, id)
}

// RenameKey renames a key as someone using the Flashback UI would. The name must
// be valid for the API, and the key live.
func (s *Server) RenameKey(repoID, id, name string) error {
	if err := validateName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renameLocked(repoID, id, name)
}

func (s *Server) deleteLocked(repoID, id string) error {
	rec, ok := s.store.liveKey(repoID, id)
	if !ok {
		return fmt.Errorf("%w: %s in repo %s", ErrKeyNotFound, id, repoID)
	}
	deletedAt := s.now().UTC().Truncate(time.Millisecond)
	rec.DeletedAt = &deletedAt
	return s.persistLocked(func() { rec.DeletedAt = nil })
}

func (s *Server) renameLocked(repoID, id, name string) error {
	rec, ok := s.store.liveKey(repoID, id)
	if !ok {
		return fmt.Errorf("%w: %s in repo %s", ErrKeyNotFound, id, repoID)
	}
	old := rec.Name
	rec.Name = name
	return s.persistLocked(func() { rec.Name = old })
}

// persistLocked saves the store after a change, and undoes the change if it cannot:
// memory must never claim what the data file does not hold.
func (s *Server) persistLocked(undo func()) error {
	if s.dataFile == "" {
		return nil
	}
	if err := saveStore(s.dataFile, s.store); err != nil {
		undo()
		return err
	}
	return nil
}

// LiveKeys returns copies of the non-deleted keys of a repo ("" = every repo),
// secrets included, newest first. ListLag does not hide any of them.
func (s *Server) LiveKeys(repoID string) []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := s.store.live(repoID)
	keys := make([]Key, len(recs))
	for i, rec := range recs {
		keys[i] = rec.Key
	}
	return keys
}

// Requests counts the requests seen, faulted ones included, with the given method
// ("" = any) and operation (OpList, OpCreate, OpUpdate, OpDelete; "" = any).
func (s *Server) Requests(method, op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for kind, count := range s.requests {
		if (method == "" || kind.method == method) && (op == "" || kind.op == op) {
			n += count
		}
	}
	return n
}

// RequestsTotal counts every request seen, including those to unknown paths.
func (s *Server) RequestsTotal() int {
	return s.Requests("", "")
}

// ResetCounters zeroes the request, connection and response-byte counters.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.requests)
	s.responseBytes = 0
	s.connections = 0
}

// ResponseBytes is the total size of the response bodies written.
func (s *Server) ResponseBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.responseBytes
}

// ConnState counts new connections; install it as http.Server.ConnState.
func (s *Server) ConnState(_ net.Conn, state http.ConnState) {
	if state != http.StateNew {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connections++
}

// Connections is how many connections ConnState has seen opened.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}
