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
	"sync"
	"testing"
	"time"

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
	testOrgID           = "org-acme"
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
	opts.OrgID = testOrgID
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

// config is a provider block for this environment followed by body.
func (e *testEnv) config(body string) string {
	return e.configWithToken(e.token, body)
}

func (e *testEnv) configWithToken(token, body string) string {
	return fmt.Sprintf(`
provider "flashback" {
  base_url     = %[1]q
  access_token = %[2]q
  max_retries  = 8
}
%[3]s
`, e.baseURL, token, body)
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

// checkDestroyed proves that every key the state held is gone from its repo.
func (e *testEnv) checkDestroyed(t *testing.T) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		c := e.newClient(t)
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "flashback_repo_ai_apikey" {
				continue
			}
			keys, err := c.AIAPIKeys.List(context.Background(), rs.Primary.Attributes["repo_id"])
			if err != nil {
				return err
			}
			for _, k := range keys {
				if k.ID == rs.Primary.ID {
					return fmt.Errorf("AI API key %s still exists in repo %s after destroy", k.ID, k.RepoID)
				}
			}
		}
		return nil
	}
}

// checkServerMatchesState proves that the emulator holds exactly the keys the
// state holds, with the same names, types, keys and secrets.
func (e *testEnv) checkServerMatchesState() resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if e.emu == nil {
			return nil
		}
		live := map[string]emulator.Key{}
		for _, k := range e.emu.LiveKeys("") {
			live[k.ID] = k
		}
		inState := 0
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "flashback_repo_ai_apikey" {
				continue
			}
			inState++
			a := rs.Primary.Attributes
			k, ok := live[rs.Primary.ID]
			switch {
			case !ok:
				return fmt.Errorf("%s: key %s is in state but not live on the server", addr, rs.Primary.ID)
			case k.RepoID != a["repo_id"] || k.Name != a["name"] || k.AIType != a["ai_type"] || k.Key != a["key"]:
				return fmt.Errorf("%s: state (%s, %q, %s, %s) differs from server (%s, %q, %s, %s)", addr,
					a["repo_id"], a["name"], a["ai_type"], a["key"], k.RepoID, k.Name, k.AIType, k.Key)
			case a["secret"] != "" && a["secret"] != k.Secret:
				return fmt.Errorf("%s: secret in state differs from the one the server issued", addr)
			}
		}
		if inState != len(live) {
			return fmt.Errorf("server has %d live keys, state has %d: a key is orphaned or missing", len(live), inState)
		}
		return nil
	}
}

func TestAccProvider_missingAccessToken(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "flashback" {
  base_url = %q
}
%s`, env.baseURL, keyConfig("k", env.repo(), "demo", "OPENAI")),
			ExpectError: regexp.MustCompile(`(?s)Missing Flashback access token.*access_token.*FLASHBACK_ACCESS_TOKEN`),
		}},
	})
}

func TestAccProvider_invalidBaseURL(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "flashback" {
  base_url     = "backend.flashback.tech"
  access_token = %q
}
%s`, env.token, keyConfig("k", env.repo(), "demo", "OPENAI")),
			ExpectError: regexp.MustCompile(`(?s)Invalid Flashback base URL.*base_url.*"backend.flashback.tech" is not an\s+absolute\s+http\(s\)\s+URL`),
		}},
	})
}

func TestAccProvider_invalidListCacheTTL(t *testing.T) {
	env := newTestEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "flashback" {
  base_url       = %q
  access_token   = %q
  list_cache_ttl = "soon"
}
%s`, env.baseURL, env.token, keyConfig("k", env.repo(), "demo", "OPENAI")),
			ExpectError: regexp.MustCompile(`(?s)Invalid duration.*"soon"`),
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
			Config: fmt.Sprintf(`
resource "terraform_data" "token" {
  input = %[2]q
}

provider "flashback" {
  base_url     = %[1]q
  access_token = terraform_data.token.output
}
%[3]s`, env.baseURL, env.token, keyConfig("k", env.repo(), "demo", "OPENAI")),
			Check: env.checkServerMatchesState(),
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
