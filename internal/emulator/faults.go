package emulator

import (
	"math/rand/v2"
	"net/http"
	"slices"
)

// Fault makes matching requests fail, for testing how a client copes.
type Fault struct {
	// Method matches r.Method exactly; "" matches any method.
	Method string
	// Op is "" (any request) or one operation: OpList, OpCreate, OpUpdate or
	// OpDelete for AI API keys, or another collection's Op constant (OpLLMCreate,
	// OpPolicyGet, OpRepoCreate, OpBucketList, OpWorkspaceDelete, ...).
	Op string
	// Status is the status to answer with, together with an error body unless Body
	// is set. 0 without Drop means 500.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Body, when set, is sent verbatim instead of the JSON error body, e.g. an HTML
	// proxy page or truncated JSON. "{{id}}" in it is replaced by the id of the
	// object (key, AI LLM configuration, policy, repo, workspace) the request
	// created (only meaningful with AfterAct on a create).
	Body string
	// ContentType is the Content-Type of the fault's response; default
	// application/json, so a client sees a server claiming JSON it then cannot parse.
	ContentType string
	// Drop closes the connection without any response.
	Drop bool
	// AfterAct first handles the request for real (the object is created, changed
	// or deleted) and only then fails: the client cannot know the outcome.
	AfterAct bool
	// Count is how many matching requests the fault applies to; 0 means until
	// ClearFaults.
	Count int
}

func (f *Fault) matches(method, op string) bool {
	return (f.Method == "" || f.Method == method) && (f.Op == "" || f.Op == op)
}

// Chaos fails a random fraction of all requests, before they are acted on unless
// AfterAct is set. Each failure is, with equal chance, a 429 with Retry-After "0",
// a 502, a 503, a 504 or a dropped connection. The same Seed and the same
// sequence of requests give the same outcomes.
type Chaos struct {
	Rate float64
	Seed int64
	// AfterAct makes every chaos failure happen after the request was acted on,
	// as when an answer is lost on its way back: a 502, a 504 or a dropped
	// connection, with equal chance. (A 429 or 503 after acting would be a
	// server misreporting what it did.)
	AfterAct bool
}

// chaosFaults are what a chaos failure picks from.
var chaosFaults = []Fault{
	{Status: http.StatusTooManyRequests, RetryAfter: "0"},
	{Status: http.StatusBadGateway},
	{Status: http.StatusServiceUnavailable},
	{Status: http.StatusGatewayTimeout},
	{Drop: true},
}

// chaosAfterActFaults are what a chaos failure picks from with Chaos.AfterAct.
var chaosAfterActFaults = []Fault{
	{Status: http.StatusBadGateway, AfterAct: true},
	{Status: http.StatusGatewayTimeout, AfterAct: true},
	{Drop: true, AfterAct: true},
}

type chaos struct {
	rate   float64
	faults []Fault
	rng    *rand.Rand
}

func newChaos(c *Chaos) *chaos {
	seed := uint64(c.Seed)
	faults := chaosFaults
	if c.AfterAct {
		faults = chaosAfterActFaults
	}
	return &chaos{rate: c.Rate, faults: faults, rng: rand.New(rand.NewPCG(seed, seed))}
}

// next draws the fate of one request: nil means it goes through.
func (c *chaos) next() *Fault {
	if c.rng.Float64() >= c.rate {
		return nil
	}
	f := c.faults[c.rng.IntN(len(c.faults))]
	return &f
}

// InjectFault adds a fault after those already injected. Faults are checked in the
// order they were injected; the first that matches a request and has uses left
// applies to it, and chaos is then not consulted.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every injected fault (not chaos).
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// SetChaos starts failing requests at random; nil stops it. Setting it again
// restarts the sequence from the seed.
func (s *Server) SetChaos(c *Chaos) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == nil {
		s.chaos = nil
		return
	}
	s.chaos = newChaos(c)
}

// pickFault decides, under s.mu, which fault (if any) a request suffers, using up
// one use of an injected fault.
func (s *Server) pickFault(method, op string) *Fault {
	for i, f := range s.faults {
		if !f.matches(method, op) {
			continue
		}
		picked := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return &picked
	}
	if s.chaos != nil {
		return s.chaos.next()
	}
	return nil
}
