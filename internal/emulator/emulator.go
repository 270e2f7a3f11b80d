package emulator

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/wait"
)

// Options configure a Server. Without Repos, Workspaces, WorkspaceRepos or
// Buckets the server starts with the organization alone, as a new customer
// does: everything else is then made through the API.
type Options struct {
	// Token is the one bearer token the server accepts. If it is empty, no request
	// is authorized.
	Token string
	// Repos are repos the token may access, each named after its id, in the
	// default workspace (DefaultWorkspaceID). A repo id declared neither here nor
	// in WorkspaceRepos nor made through the API, a deleted repo, or one in
	// another organization's workspace, gives 403 on the AI API key endpoints.
	Repos []string
	// OrgID is the organization of the token's user; default DefaultOrgID.
	OrgID string
	// OrgName is the organization's name; default DefaultOrgName.
	OrgName string
	// Workspaces declares workspaces, in the order GET /workspace lists them. The
	// default workspace is added after them when Repos (or a WorkspaceRepos or
	// Buckets entry without a workspace) needs it and they do not declare it.
	Workspaces []Workspace
	// WorkspaceRepos declares repos with their name, workspace, kind, buckets
	// and attached AI LLM configurations, after Repos in the order GET /repo
	// lists them.
	WorkspaceRepos []Repo
	// Buckets declares storage buckets, which the API can list and repos can
	// use but not create.
	Buckets []Bucket
	// DataFile, when set, is loaded by New and rewritten atomically after every
	// change. It holds the whole state: keys, AI LLM configurations, policies,
	// workspaces, repos with their attached LLMs, and buckets, secrets included,
	// and is written with mode 0600. What it holds wins over the declarations
	// above for the same id; declarations it lacks are added.
	DataFile string
	// Latency delays every request, or until the client gives up.
	Latency time.Duration
	// ListLag hides keys, AI LLM configurations, policies, and workspaces and
	// repos made through the API, younger than this from lists, as an
	// eventually consistent backend would.
	ListLag time.Duration
	// ListDeleted makes key lists show soft-deleted keys too, with deletedAt set,
	// as a backend whose list does not filter them out would.
	ListDeleted bool
	// KeepOmittedRepoLists makes PUT /repo/{id} keep the buckets or AI LLM
	// configurations of a list the body leaves out (or sends as null). By
	// default such a list is empty and everything in it is detached: the
	// stricter of the contract's two readings, so that a client that forgets a
	// list is caught.
	KeepOmittedRepoLists bool
	// ErrorCodesIn2xx answers every repo write that carries an error_code with
	// 200 and "success": false instead of its error status, to prove that a
	// client reads error codes in 2xx answers too.
	ErrorCodesIn2xx bool
	// RepoQuota is how many live repos the organization may have; POST /repo
	// beyond it answers QUOTA_EXCEEDED. 0 means no limit. SetRepoQuota changes
	// it.
	RepoQuota int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Server emulates the API. It is an http.Handler and safe for concurrent use.
type Server struct {
	tokenHash        [sha256.Size]byte
	hasToken         bool
	dataFile         string
	latency          time.Duration
	listLag          time.Duration
	listDeleted      bool
	keepOmittedLists bool
	errorCodesIn2xx  bool
	now              func() time.Time
	// orgID and orgName are the caller's organization's; they never change.
	orgID, orgName string

	mu             sync.Mutex
	store          *store
	repoQuota      int
	failValidation bool
	faults         []*Fault
	chaos          *chaos
	requests       map[requestKind]int
	responseBytes  int64
	connections    int
}

type requestKind struct{ method, op string }

// New returns a server holding the objects declared in opts and those saved in
// opts.DataFile, if any. It fails when the declarations contradict each other
// (a repo in an undeclared workspace, an id declared twice, a repo the API's
// rules refuse) or when the data file exists but cannot be read or parsed.
func New(opts Options) (*Server, error) {
	s := &Server{
		tokenHash:        sha256.Sum256([]byte(opts.Token)),
		hasToken:         opts.Token != "",
		dataFile:         opts.DataFile,
		latency:          opts.Latency,
		listLag:          opts.ListLag,
		listDeleted:      opts.ListDeleted,
		keepOmittedLists: opts.KeepOmittedRepoLists,
		errorCodesIn2xx:  opts.ErrorCodesIn2xx,
		repoQuota:        opts.RepoQuota,
		now:              opts.Now,
		orgID:            cmp.Or(opts.OrgID, DefaultOrgID),
		orgName:          cmp.Or(opts.OrgName, DefaultOrgName),
		store:            newStore(),
		requests:         make(map[requestKind]int),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.RepoQuota < 0 {
		return nil, fmt.Errorf("emulator options: RepoQuota %d is negative; 0 means no limit", opts.RepoQuota)
	}
	decl, err := declare(opts, s.orgID)
	if err != nil {
		return nil, err
	}
	if opts.DataFile != "" {
		if err := loadStore(opts.DataFile, s.store); err != nil {
			return nil, err
		}
	}
	// Nothing else can reach the server yet; the lock keeps the rule that the
	// store is touched only under it.
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.adoptLocked(decl); err != nil {
		return nil, err
	}
	return s, nil
}

// SetRepoQuota changes how many live repos the organization may have (0: no
// limit), as a change of subscription would. Repos beyond a lowered quota
// stay; only new ones are refused.
func (s *Server) SetRepoQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repoQuota = max(n, 0)
}

// ServeHTTP counts the request, waits out the configured latency, then either
// fails it as an injected fault or chaos says, or answers it as the API would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := match(r.Method, r.URL.EscapedPath())
	op := d.op()

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
		if !wait.For(r.Context(), s.latency) {
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
	res := s.handle(r, d)
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

func okResult(body any) result {
	return result{status: http.StatusOK, body: body}
}

func (s *Server) handle(r *http.Request, d dispatch) result {
	switch {
	case d.endpoint == nil && len(d.allow) == 0:
		return errorResult(http.StatusNotFound, "no endpoint at %s", r.URL.Path)
	case d.endpoint == nil:
		allow := strings.Join(d.allow, ", ")
		res := errorResult(http.StatusMethodNotAllowed, "method %s is not allowed here; use %s", r.Method, allow)
		res.header = map[string]string{"Allow": allow}
		return res
	case d.endpoint.handle == nil:
		return errorResult(http.StatusNotFound, "no endpoint at %s: %s", r.URL.Path, d.endpoint.absent)
	}
	if res, ok := s.authenticate(r); !ok {
		return res
	}
	return d.endpoint.handle(s, r, d.params)
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

// listed reports whether an object created at createdAt is old enough for lists
// to show under ListLag.
func (s *Server) listed(createdAt, now time.Time) bool {
	return s.listLag <= 0 || now.Sub(createdAt) >= s.listLag
}

// wireNow is the current time as the wire carries it: UTC, whole milliseconds,
// so that what tests inspect equals what clients see.
func (s *Server) wireNow() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}

// Requests counts the requests seen, faulted ones included, with the given method
// ("" = any) and operation (one of the Op constants; "" = any).
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
