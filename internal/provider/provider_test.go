package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// The acceptance tests run through the real Terraform CLI against the
// in-process Flashback emulator. With FLASHBACK_ACCESS_TOKEN and
// FLASHBACK_TEST_REPO_ID set (and FLASHBACK_BASE_URL, if not the default) they
// run against that Flashback API instead; the tests that need the emulator's
// hooks (faults, out-of-band changes, request counters) are then skipped.
const envTestRepoID = "FLASHBACK_TEST_REPO_ID"

// testTuning makes retries and re-checks take milliseconds, not seconds.
var testTuning = tuning{
	retryWaitMin:     time.Millisecond,
	retryWaitMax:     20 * time.Millisecond,
	readRecheckWait:  20 * time.Millisecond,
	readRecheckTries: 5,
}

// testEnv is where one acceptance test runs.
type testEnv struct {
	emu     *emulator.Server // nil against a real Flashback API
	baseURL string
	token   string
	repos   []string
}

// newTestEnv starts a fresh emulator with three repos for this test alone, or
// points at the real API when the environment says so.
func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	if token, repo := os.Getenv(envAccessToken), os.Getenv(envTestRepoID); token != "" && repo != "" {
		base := os.Getenv(envBaseURL)
		if base == "" {
			base = client.DefaultBaseURL
		}
		return &testEnv{baseURL: base, token: token, repos: []string{repo}}
	}
	return newEmulatorEnv(t, nil, nil)
}

// newEmulatorEnv starts a fresh emulator with three repos whatever the
// environment says. configure may change its options before it starts, and
// wrap may put a handler in front of it, to arrange what the emulator's own
// hooks cannot (such as acting on its API in the middle of a request).
func newEmulatorEnv(t *testing.T, configure func(*emulator.Options), wrap func(*emulator.Server) http.Handler) *testEnv {
	t.Helper()
	repos := []string{"repo-1", "repo-2", "repo-3"}
	token := "fbt_" + randomHex(t, 16)
	opts := emulator.Options{Token: token, Repos: repos}
	seedGateway(&opts)
	if configure != nil {
		configure(&opts)
	}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = emu
	if wrap != nil {
		handler = wrap(emu)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ConnState = emu.ConnState
	srv.Start()
	t.Cleanup(srv.Close)
	return &testEnv{emu: emu, baseURL: srv.URL, token: opts.Token, repos: opts.Repos}
}

// The organization, workspaces and repos every emulator environment holds for
// the AI gateway's resources and data sources, besides the repos of newTestEnv.
const (
	testOrgID           = emulator.DefaultOrgID
	testWorkspaceID     = "ws-prod"
	testWorkspaceName   = "Production"
	testWorkspace2ID    = "ws-staging"
	testWorkspace2Name  = "Staging"
	testGatewayRepoID   = "repo-chat"
	testGatewayRepoName = "chat-assistant"
	testGatewayRepo2ID  = "repo-search"
	testGatewayLLMID    = "llm-openai"
)

func seedGateway(opts *emulator.Options) {
	opts.Workspaces = append(opts.Workspaces,
		emulator.Workspace{ID: testWorkspaceID, Name: testWorkspaceName},
		emulator.Workspace{ID: testWorkspace2ID, Name: testWorkspace2Name})
	opts.WorkspaceRepos = append(opts.WorkspaceRepos,
		emulator.Repo{ID: testGatewayRepoID, Name: testGatewayRepoName, WorkspaceID: testWorkspaceID, LLMIDs: []string{testGatewayLLMID}},
		emulator.Repo{ID: testGatewayRepo2ID, Name: "semantic-search", WorkspaceID: testWorkspaceID},
		emulator.Repo{ID: "repo-staging", Name: testGatewayRepoName, WorkspaceID: testWorkspace2ID})
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// emulator returns the emulator, skipping the test against a real API: what it
// checks can only be arranged or observed inside the emulator.
func (e *testEnv) emulator(t *testing.T) *emulator.Server {
	t.Helper()
	if e.emu == nil {
		t.Skip("needs the Flashback emulator's test hooks; not available against a real Flashback API")
	}
	return e.emu
}

func (e *testEnv) repo() string { return e.repos[0] }

func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return e.factoriesWith(testTuning)
}

func (e *testEnv) factoriesWith(t tuning) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"flashback": providerserver.NewProtocol6WithError(newWithTuning("test", t)()),
	}
}

// providerSetting changes an attribute of the provider block that config
// writes: attrs maps each attribute to its HCL expression.
type providerSetting func(attrs map[string]string)

// withProviderAttr sets the provider attribute name to the HCL expression
// expr; an empty expr leaves the attribute out.
func withProviderAttr(name, expr string) providerSetting {
	return func(attrs map[string]string) {
		if expr == "" {
			delete(attrs, name)
			return
		}
		attrs[name] = expr
	}
}

func withToken(token string) providerSetting {
	return withProviderAttr("access_token", strconv.Quote(token))
}

func withRetries(n int) providerSetting {
	return withProviderAttr("max_retries", strconv.Itoa(n))
}

// config is a provider block for this environment followed by body: the
// environment's base_url and access_token and max_retries = 8, unless
// settings change them. Every test writes its provider block here.
func (e *testEnv) config(body string, settings ...providerSetting) string {
	attrs := map[string]string{
		"base_url":     strconv.Quote(e.baseURL),
		"access_token": strconv.Quote(e.token),
		"max_retries":  "8",
	}
	for _, s := range settings {
		s(attrs)
	}
	// A fixed order keeps the configurations readable in failure output.
	names := []string{"base_url", "access_token", "max_retries"}
	var others []string
	for name := range attrs {
		if !slices.Contains(names, name) {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	names = append(names, others...)
	var b strings.Builder
	b.WriteString("\nprovider \"flashback\" {\n")
	for _, name := range names {
		if expr, ok := attrs[name]; ok {
			fmt.Fprintf(&b, "  %s = %s\n", name, expr)
		}
	}
	b.WriteString("}\n")
	b.WriteString(body)
	return b.String()
}

// newClient is a client for checks made beside Terraform, on either kind of server.
func (e *testEnv) newClient(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: e.baseURL, Token: e.token, MaxRetries: 8,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// collectionCheck is what the tests' harness knows of one collection: which
// scope an object of the state is listed in, how to list that scope through
// the API, and, against the emulator, what it holds (never late, whatever the
// list lag or the faults): the attributes the list shows, by ID, live objects
// only. checkDestroyed and checkServerMatchesState serve every collection
// that has one.
type collectionCheck struct {
	scope func(attrs map[string]string) string
	list  func(ctx context.Context, c *client.Client, scope string) (map[string]map[string]string, error)
	live  func(emu *emulator.Server, scope string) map[string]map[string]string
}

var collectionChecks = map[string]collectionCheck{
	"flashback_repo_ai_apikey": {
		scope: func(a map[string]string) string { return a["repo_id"] },
		list: func(ctx context.Context, c *client.Client, scope string) (map[string]map[string]string, error) {
			keys, err := c.AIAPIKeys.List(ctx, scope)
			out := map[string]map[string]string{}
			for _, k := range keys {
				if !k.Deleted() {
					out[k.ID] = map[string]string{"name": k.Name, "ai_type": k.AIType}
					if k.Key != nil {
						out[k.ID]["key"] = *k.Key
					}
				}
			}
			return out, err
		},
		live: func(emu *emulator.Server, scope string) map[string]map[string]string {
			out := map[string]map[string]string{}
			for _, k := range emu.LiveKeys(scope) {
				out[k.ID] = map[string]string{"name": k.Name, "ai_type": k.AIType, "key": k.Key}
			}
			return out
		},
	},
	"flashback_ai_llm": {
		scope: func(a map[string]string) string { return a["workspace_id"] },
		list: func(ctx context.Context, c *client.Client, scope string) (map[string]map[string]string, error) {
			llms, err := c.AILLMs.List(ctx, scope)
			out := map[string]map[string]string{}
			for _, l := range llms {
				out[l.ID] = map[string]string{"name": l.Name, "ai_type": l.AIType, "endpoint": l.Endpoint}
			}
			return out, err
		},
		live: func(emu *emulator.Server, scope string) map[string]map[string]string {
			out := map[string]map[string]string{}
			for _, l := range emu.LLMs(scope) {
				out[l.ID] = map[string]string{"name": l.Name, "ai_type": l.AIType, "endpoint": l.Endpoint}
			}
			return out
		},
	},
	"flashback_repo": {
		scope: func(a map[string]string) string { return a["workspace_id"] },
		list: func(ctx context.Context, c *client.Client, scope string) (map[string]map[string]string, error) {
			repos, err := c.Repos.ListWorkspace(ctx, scope)
			out := map[string]map[string]string{}
			for _, r := range repos {
				out[r.ID] = map[string]string{"name": r.Name, "storage_type": r.StorageType, "mode": r.Mode,
					"bucket.#": strconv.Itoa(len(r.Buckets)), "ai_llm_ids.#": strconv.Itoa(len(r.AILLMIDs))}
			}
			return out, err
		},
		live: func(emu *emulator.Server, scope string) map[string]map[string]string {
			out := map[string]map[string]string{}
			for _, r := range emu.Repos(scope) {
				out[r.ID] = map[string]string{"name": r.Name, "storage_type": r.StorageType, "mode": r.Mode,
					"bucket.#": strconv.Itoa(len(r.Buckets)), "ai_llm_ids.#": strconv.Itoa(len(r.LLMIDs))}
			}
			return out
		},
	},
	rotatingKeyType: rotatingKeyCheck,
	"flashback_ai_policy": {
		scope: func(a map[string]string) string {
			return client.AIPolicyScopeKey(a["org_id"], a["workspace_id"], a["repo_id"])
		},
		list: func(ctx context.Context, c *client.Client, scope string) (map[string]map[string]string, error) {
			policies, err := c.AIPolicies.ListScope(ctx, scope)
			out := map[string]map[string]string{}
			for _, p := range policies {
				out[p.ID] = map[string]string{"name": p.Name, "content": p.Content, "risk_type": p.RiskType,
					"action_type": p.ActionType.String()}
			}
			return out, err
		},
		live: func(emu *emulator.Server, scope string) map[string]map[string]string {
			out := map[string]map[string]string{}
			for _, p := range emu.Policies() {
				if p.DeletedAt == nil && client.AIPolicyScopeKey(p.OrgID, p.WorkspaceID, p.RepoID) == scope {
					out[p.ID] = map[string]string{"name": p.Name, "content": p.Content, "risk_type": p.RiskType,
						"action_type": client.AIPolicyAction(p.ActionType).String()}
				}
			}
			return out
		},
	},
	"flashback_workspace": workspaceCollectionCheck,
}

// listedBy looks an object of the state up in its scope: in what the
// emulator holds when emu is set, else in the scope's list through c, each
// scope listed once.
func listedBy(c *client.Client, emu *emulator.Server) func(rs *terraform.ResourceState) (map[string]string, bool, error) {
	lists := map[string]map[string]map[string]string{}
	return func(rs *terraform.ResourceState) (map[string]string, bool, error) {
		check := collectionChecks[rs.Type]
		scope := check.scope(rs.Primary.Attributes)
		key := rs.Type + "\x00" + scope
		objs, ok := lists[key]
		switch {
		case ok:
		case emu != nil:
			objs = check.live(emu, scope)
		default:
			var err error
			if objs, err = check.list(context.Background(), c, scope); err != nil {
				return nil, false, err
			}
		}
		lists[key] = objs
		obj, found := objs[rs.Primary.ID]
		return obj, found, nil
	}
}

// checkDestroyed proves that every object of every collection the state
// held is gone from its scope.
func (e *testEnv) checkDestroyed(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error { return checkDestroyedThrough(e.newClient(t), e.emu, s) }
}

func checkDestroyedThrough(c *client.Client, emu *emulator.Server, s *terraform.State) error {
	lookup := listedBy(c, emu)
	for addr, rs := range s.RootModule().Resources {
		if _, known := collectionChecks[rs.Type]; !known {
			continue
		}
		_, found, err := lookup(rs)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("%s: %s still exists after destroy", addr, rs.Primary.ID)
		}
	}
	return nil
}

// checkServerMatchesState proves that the server lists every object of
// every collection the state holds, with the state's values. Against the
// emulator it also proves the keys' secrets the same and that no other key
// is live. A real API shows neither secrets nor which keys of a shared repo
// are this test's, so there it compares what the lists show, and logs what
// it cannot check.
func (e *testEnv) checkServerMatchesState(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		lookup := listedBy(e.newClient(t), e.emu)
		checked := 0
		for addr, rs := range s.RootModule().Resources {
			if _, known := collectionChecks[rs.Type]; !known {
				continue
			}
			obj, found, err := lookup(rs)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("%s: %s is in state but not listed in its scope", addr, rs.Primary.ID)
			}
			for attr, v := range obj {
				if got := rs.Primary.Attributes[attr]; got != v {
					return fmt.Errorf("%s: state has %s %q, the server %q", addr, attr, got, v)
				}
			}
			checked++
		}
		if e.emu == nil {
			t.Logf("checked %d objects of the state through the API's lists; secrets and orphans can only be checked against the emulator", checked)
			return nil
		}
		return e.checkKeysLive(s)
	}
}

// checkKeysLive proves, against the emulator, that the keys of the state hold
// the secrets the server issued, and that no other key is live.
func (e *testEnv) checkKeysLive(s *terraform.State) error {
	live := map[string]emulator.Key{}
	for _, k := range e.emu.LiveKeys("") {
		live[k.ID] = k
	}
	inState := 0
	for addr, rs := range s.RootModule().Resources {
		if rs.Type == rotatingKeyType {
			n, err := checkRotatingKeysLive(addr, rs, live)
			inState += n
			if err != nil {
				return err
			}
			continue
		}
		if rs.Type != "flashback_repo_ai_apikey" {
			continue
		}
		inState++
		if secret := rs.Primary.Attributes["secret"]; secret != "" && secret != live[rs.Primary.ID].Secret {
			return fmt.Errorf("%s: secret in state differs from the one the server issued", addr)
		}
	}
	if inState != len(live) {
		return fmt.Errorf("server has %d live keys, state has %d: a key is orphaned or missing", len(live), inState)
	}
	return nil
}

// errorRE compiles pattern for ExpectError and for diagnostics, letting each
// space in it match the line breaks Terraform puts into long messages. Quote
// literal text with regexp.QuoteMeta: its spaces still match line breaks.
func errorRE(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// planErrorCase is a configuration that must fail at plan time with want.
type planErrorCase struct {
	name, config string
	want         *regexp.Regexp
}

// testPlanErrors proves, case by case, that each configuration is refused
// at plan time with its error.
func testPlanErrors(t *testing.T, env *testEnv, cases []planErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{{
					Config:      env.config(tc.config),
					PlanOnly:    true,
					ExpectError: tc.want,
				}},
			})
		})
	}
}

// Unit tests of the resource call its methods with a client of their own.

// newUnitResource is the resource wired to a client for handler, as Configure
// would wire it, with the given waits and retry budget.
func newUnitResource(t *testing.T, handler http.Handler, token string, tn tuning, maxRetries int) *repoAIAPIKeyResource {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL, Token: token, MaxRetries: maxRetries,
		RetryWaitMin: tn.retryWaitMin, RetryWaitMax: tn.retryWaitMax, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &repoAIAPIKeyResource{data: newProviderData(c, token, maxRetries, 0, tn)}
}

// newUnitEmulator is an emulator holding repo-1 for the token.
func newUnitEmulator(t *testing.T, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	opts.Token = "fbt_" + randomHex(t, 16)
	opts.Repos = []string{"repo-1"}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return emu, opts.Token
}

// hourLong makes every wait of the provider an hour long, longer than any
// test may run: a test that returns at all proves that the cancelled context
// ended the wait.
var hourLong = tuning{
	retryWaitMin:     time.Hour,
	retryWaitMax:     time.Hour,
	readRecheckWait:  time.Hour,
	readRecheckTries: 5,
}

// recordedWaits replaces the provider's own waits: it records each and
// returns at once, unless the context has ended.
type recordedWaits struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (w *recordedWaits) sleep(ctx context.Context, d time.Duration) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waits = append(w.waits, d)
	return ctx.Err() == nil
}

// sleepAtMost is sleep, except that every wait after the first n reports the
// context ended: a loop that waits without bound stops there, and the test
// that counts its waits fails instead of spinning forever.
func (w *recordedWaits) sleepAtMost(n int) func(context.Context, time.Duration) bool {
	return func(ctx context.Context, d time.Duration) bool {
		return w.sleep(ctx, d) && w.count() <= n
	}
}

func (w *recordedWaits) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.waits)
}

func (w *recordedWaits) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waits = nil
}

func (w *recordedWaits) total() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var sum time.Duration
	for _, d := range w.waits {
		sum += d
	}
	return sum
}

// interruptedInWait is hourLong whose own waits (not the client's retries) are
// interrupted: each is recorded, cancels the context returned, as a Ctrl-C
// during it would, and reports that the context ended. No clock is involved:
// a caller that carries on after an interrupted wait waits again, or sends
// another request, and the counts show it.
func interruptedInWait(t *testing.T) (context.Context, tuning, *recordedWaits) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	waits := &recordedWaits{}
	tn := hourLong
	tn.sleep = func(waitCtx context.Context, d time.Duration) bool {
		waits.sleep(waitCtx, d)
		cancel()
		return false
	}
	return ctx, tn, waits
}

func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s: %s\n", d.Severity(), d.Summary(), d.Detail())
	}
	return b.String()
}

// cannedAPI answers each "METHOD op" with a fixed status and body.
type cannedAPI map[string]struct {
	status int
	body   string
}

func (f cannedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := "list"
	switch r.Method {
	case http.MethodPost:
		op = "create"
	case http.MethodDelete:
		op = "delete"
	case http.MethodPut:
		op = "update"
	}
	answer, ok := f[r.Method+" "+op]
	if !ok {
		answer.status, answer.body = http.StatusTeapot, `{"success":false,"message":"unexpected request"}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(answer.status)
	_, _ = w.Write([]byte(answer.body))
}

// providerAttrDescription is the MarkdownDescription of a provider attribute:
// what docs/index.md says of it.
func providerAttrDescription(name string) string {
	var resp provider.SchemaResponse
	(&flashbackProvider{}).Schema(context.Background(), provider.SchemaRequest{}, &resp)
	return resp.Schema.Attributes[name].GetMarkdownDescription()
}

func TestAccProvider_missingAccessToken(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(keyConfig("k", env.repo(), "demo", "OPENAI"), withProviderAttr("access_token", "")),
			ExpectError: errorRE(`Missing Flashback access token.*access_token.*FLASHBACK_ACCESS_TOKEN`),
		}},
	})
}

// access_token = "" in the block hides FLASHBACK_ACCESS_TOKEN, which may well
// be set: the error says so, rather than asking for the variable.
func TestAccProvider_emptyAccessToken(t *testing.T) {
	env := newTestEnv(t)
	t.Setenv(envAccessToken, env.token)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("k", env.repo(), "demo", "OPENAI"), withToken("")),
			ExpectError: errorRE(`Empty Flashback access token.*access_token is set to an empty string in the provider block` +
				`.*Remove access_token from the block to use the variable`),
		}},
	})
}

func TestAccProvider_invalidBaseURL(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(keyConfig("k", env.repo(), "demo", "OPENAI"), withProviderAttr("base_url", `"backend.flashback.tech"`)),
			ExpectError: errorRE(`Invalid Flashback base URL.*base_url.*"backend.flashback.tech" is not an absolute http\(s\) URL`),
		}},
	})
}

// The token travels on every request: http to anything but a loopback host
// is refused before any request is sent.
func TestAccProvider_cleartextBaseURL(t *testing.T) {
	env := newTestEnv(t)
	for _, url := range []string{"http://backend.flashback.tech", "http://10.1.2.3:8080/api"} {
		t.Run(url, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{{
					Config: env.config(keyConfig("k", env.repo(), "demo", "OPENAI"), withProviderAttr("base_url", strconv.Quote(url))),
					ExpectError: errorRE(`Insecure Flashback base URL.*base_url.*` + regexp.QuoteMeta(url) +
						`.*access token unencrypted.*Use https.*loopback`),
				}},
			})
		})
	}
}

func TestAccProvider_invalidListCacheTTL(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.config(keyConfig("k", env.repo(), "demo", "OPENAI"), withProviderAttr("list_cache_ttl", `"soon"`)),
			ExpectError: errorRE(`Invalid duration.*"soon"`),
		}},
	})
}

// A provider whose token is only known once another resource is applied must
// still plan, then work at apply.
func TestAccProvider_configUnknownAtPlan(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{{
			Config: env.config(fmt.Sprintf(`
resource "terraform_data" "token" {
  input = %q
}
`, env.token)+keyConfig("k", env.repo(), "demo", "OPENAI"),
				withProviderAttr("access_token", "terraform_data.token.output"), withProviderAttr("max_retries", "")),
			Check: env.checkServerMatchesState(t),
		}},
	})
}

// Every request names the provider's and Terraform's versions, so that
// Flashback can tell which clients talk to it.
func TestAccProvider_userAgent(t *testing.T) {
	var mu sync.Mutex
	agents := map[string]bool{}
	env := newEmulatorEnv(t, nil, func(emu *emulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			agents[r.Header.Get("User-Agent")] = true
			mu.Unlock()
			emu.ServeHTTP(w, r)
		})
	})
	want := regexp.MustCompile(`^terraform-provider-flashback/test Terraform/\d+\.\d+\.\d+`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(keyConfig("test", env.repo(), "agent", "OTHER")),
			Check: func(*terraform.State) error {
				mu.Lock()
				defer mu.Unlock()
				if len(agents) == 0 {
					return fmt.Errorf("no request reached the server")
				}
				for ua := range agents {
					if !want.MatchString(ua) {
						return fmt.Errorf("User-Agent %q does not match %s", ua, want)
					}
				}
				return nil
			},
		}},
	})
}
