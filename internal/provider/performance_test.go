package provider

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// terraformParallelism is how many resource operations Terraform runs at once
// by default (-parallelism).
const terraformParallelism = 10

// perfKeys is enough keys that a list per key, a connection per request or a
// list per create shows up clearly in the counts.
const perfKeys = 60

// perfLatency makes Terraform's parallelism real: with an instant emulator few
// requests would ever overlap.
const perfLatency = 20 * time.Millisecond

// newPerformanceEnv is an emulator environment whose every request takes
// latency, with three repos.
func newPerformanceEnv(t *testing.T, latency time.Duration) *testEnv {
	t.Helper()
	return newEmulatorEnv(t, func(o *emulator.Options) { o.Latency = latency }, nil)
}

// configureCounter counts the provider configurations Terraform asks for.
// Each gets its own API client, hence its own connections and list cache: one
// terraform command configures the provider once per graph walk (a plan, an
// apply, a refresh), so `terraform apply` of a saved plan and `terraform plan`
// each configure it once.
type configureCounter struct {
	*flashbackProvider
	n *atomic.Int32
}

func (p configureCounter) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	p.n.Add(1)
	p.flashbackProvider.Configure(ctx, req, resp)
}

func perfFactories(n *atomic.Int32) map[string]func() (tfprotov6.ProviderServer, error) {
	p := &flashbackProvider{version: "test", tuning: testTuning}
	return map[string]func() (tfprotov6.ProviderServer, error){
		"flashback": providerserver.NewProtocol6WithError(configureCounter{flashbackProvider: p, n: n}),
	}
}

// perfKeysConfig declares n keys spread round-robin over repos, named
// perf-<i><suffix>.
func perfKeysConfig(repos []string, n int, suffix string) string {
	quoted := make([]string, len(repos))
	for i, r := range repos {
		quoted[i] = fmt.Sprintf("%q", r)
	}
	return fmt.Sprintf(`
locals {
  repos = [%[1]s]
}

resource "flashback_repo_ai_apikey" "k" {
  count   = %[2]d
  repo_id = local.repos[count.index %% length(local.repos)]
  name    = "perf-${count.index}%[3]s"
  ai_type = "OPENAI"
}
`, strings.Join(quoted, ", "), n, suffix)
}

func perfKeyAddr(i int) string { return fmt.Sprintf("flashback_repo_ai_apikey.k.%d", i) }

// checkPerfNames proves that every key in state has the name the config gives it.
func checkPerfNames(n int, suffix string) resource.TestCheckFunc {
	checks := make([]resource.TestCheckFunc, n)
	for i := range n {
		checks[i] = resource.TestCheckResourceAttr(perfKeyAddr(i), "name", fmt.Sprintf("perf-%d%s", i, suffix))
	}
	return resource.ComposeAggregateTestCheckFunc(checks...)
}

// checkPerfRequests fails unless the emulator saw at most maxLists lists, the
// given creates and updates, and no deletes since its counters were reset.
func checkPerfRequests(emu *emulator.Server, maxLists, posts, puts int) error {
	lists := emu.Requests(http.MethodGet, emulator.OpList)
	got := [3]int{emu.Requests(http.MethodPost, emulator.OpCreate), emu.Requests(http.MethodPut, emulator.OpUpdate), emu.Requests(http.MethodDelete, emulator.OpDelete)}
	if lists > maxLists {
		return fmt.Errorf("%d list requests, want at most %d", lists, maxLists)
	}
	if want := [3]int{posts, puts, 0}; got != want {
		return fmt.Errorf("POST, PUT, DELETE = %v, want %v", got, want)
	}
	return nil
}

// checkKeepAlive fails unless the provider kept its connections alive: each
// configuration's client needs at most one connection per operation that
// Terraform runs at once, however many requests it sends.
func checkKeepAlive(t *testing.T, emu *emulator.Server, configures *atomic.Int32) error {
	conns, requests, n := emu.Connections(), emu.RequestsTotal(), int(configures.Load())
	t.Logf("%d connections for %d requests from %d provider configurations", conns, requests, n)
	if n == 0 {
		return fmt.Errorf("no provider configuration counted")
	}
	if limit := terraformParallelism * n; conns > limit {
		return fmt.Errorf("%d connections for %d requests from %d provider configurations; keep-alive allows at most %d", conns, requests, n, limit)
	}
	if conns*3 > requests {
		return fmt.Errorf("%d connections for only %d requests: the check cannot tell keep-alive from a connection per request", conns, requests)
	}
	return nil
}

func TestAccPerformance_refreshListsEachRepoOnce(t *testing.T) {
	env := newPerformanceEnv(t, 0)
	emu := env.emu
	var configures atomic.Int32
	cfg := env.config(perfKeysConfig(env.repos, perfKeys, ""))
	reset := func() {
		emu.ResetCounters()
		configures.Store(0)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: perfFactories(&configures),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				// terraform refresh: one configuration reads all 60 keys,
				// with one list per repo.
				PreConfig:    reset,
				RefreshState: true,
				Check: func(*terraform.State) error {
					if n := configures.Load(); n != 1 {
						return fmt.Errorf("terraform refresh configured the provider %d times, want 1", n)
					}
					if n := emu.Requests(http.MethodGet, emulator.OpList); n != len(env.repos) {
						return fmt.Errorf("%d lists, want one per repo (%d)", n, len(env.repos))
					}
					return checkPerfRequests(emu, len(env.repos), 0, 0)
				},
			},
			{
				// A plan-only step runs `terraform plan -refresh=false`, which
				// reads nothing, and then `terraform plan`, which refreshes.
				PreConfig: reset,
				Config:    cfg,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					if err := checkPerfRequests(emu, len(env.repos), 0, 0); err != nil {
						t.Errorf("the plan-only step: %v", err)
					}
					if n := emu.Requests(http.MethodGet, emulator.OpList); n == 0 {
						t.Error("the plan-only step listed nothing: its refresh was not measured")
					}
				},
				Config: cfg,
				Check:  env.checkServerMatchesState(t),
			},
		},
	})
}

func TestAccPerformance_keepAliveReusesConnections(t *testing.T) {
	env := newPerformanceEnv(t, perfLatency)
	emu := env.emu
	var configures atomic.Int32
	reset := func() {
		emu.ResetCounters()
		configures.Store(0)
	}
	check := func(*terraform.State) error { return checkKeepAlive(t, emu, &configures) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: perfFactories(&configures),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				// terraform plan (nothing to read) and terraform apply of 60 creates.
				PreConfig: reset,
				Config:    env.config(perfKeysConfig(env.repos, perfKeys, "")),
				Check:     check,
			},
			{
				// terraform plan (a refresh) and terraform apply of 60 renames.
				PreConfig: reset,
				Config:    env.config(perfKeysConfig(env.repos, perfKeys, "-renamed")),
				Check: resource.ComposeAggregateTestCheckFunc(check, func(*terraform.State) error {
					return checkPerfRequests(emu, len(env.repos), 0, perfKeys)
				}),
			},
		},
	})
}

// Creating N keys in R repos costs N creates and at most R lists (none: an
// apply of new keys has nothing to refresh): one round trip per key.
// created_at is filled in by the next refresh, with one list per repo and no
// change planned.
func TestAccPerformance_createIsOneRequestPerKey(t *testing.T) {
	env := newPerformanceEnv(t, perfLatency)
	emu := env.emu
	var configures atomic.Int32
	createdAt := make([]resource.TestCheckFunc, perfKeys)
	noCreatedAt := make([]resource.TestCheckFunc, perfKeys)
	for i := range perfKeys {
		createdAt[i] = resource.TestMatchResourceAttr(perfKeyAddr(i), "created_at", createdAtPattern)
		noCreatedAt[i] = resource.TestCheckNoResourceAttr(perfKeyAddr(i), "created_at")
	}
	cfg := env.config(perfKeysConfig(env.repos, perfKeys, ""))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: perfFactories(&configures),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				PreConfig: emu.ResetCounters,
				Config:    cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						return checkPerfRequests(emu, len(env.repos), perfKeys, 0)
					},
					resource.ComposeAggregateTestCheckFunc(noCreatedAt...),
					env.checkServerMatchesState(t),
				),
			},
			{
				PreConfig: emu.ResetCounters,
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						// The step's plan refreshed; applying the saved plan
						// did not.
						if n := emu.Requests(http.MethodGet, emulator.OpList); n != len(env.repos) {
							return fmt.Errorf("%d lists for a refresh, want one per repo (%d)", n, len(env.repos))
						}
						return checkPerfRequests(emu, len(env.repos), 0, 0)
					},
					resource.ComposeAggregateTestCheckFunc(createdAt...),
				),
			},
		},
	})
}

// A rename by Terraform is what the next refresh reads, and so is a rename
// outside Terraform between two commands: no list outlives the provider
// configuration that fetched it, even within list_cache_ttl.
func TestAccPerformance_refreshSeesRenames(t *testing.T) {
	env := newPerformanceEnv(t, 0)
	emu := env.emu
	const n = 6
	var configures atomic.Int32
	renamed := env.config(perfKeysConfig(env.repos, n, "-renamed"))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: perfFactories(&configures),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{Config: env.config(perfKeysConfig(env.repos, n, ""))},
			{Config: renamed, Check: checkPerfNames(n, "-renamed")},
			{RefreshState: true, Check: resource.ComposeAggregateTestCheckFunc(checkPerfNames(n, "-renamed"), env.checkServerMatchesState(t))},
			{
				PreConfig: func() {
					for _, k := range emu.LiveKeys("") {
						if k.Name == "perf-4-renamed" {
							if err := emu.RenameKey(k.RepoID, k.ID, "renamed-in-the-ui"); err != nil {
								t.Fatal(err)
							}
							return
						}
					}
					t.Fatal("key perf-4-renamed not found on the server")
				},
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(perfKeyAddr(4), "name", "renamed-in-the-ui"),
					resource.TestCheckResourceAttr(perfKeyAddr(1), "name", "perf-1-renamed"),
					env.checkServerMatchesState(t),
				),
			},
			{Config: renamed, Check: resource.ComposeAggregateTestCheckFunc(checkPerfNames(n, "-renamed"), env.checkServerMatchesState(t))},
		},
	})
}

// perfRepos is the count: 50 repositories in 2 workspaces.
const perfRepos = 50

// perfReposConfig declares n AI-only repositories spread round-robin over the
// two seeded workspaces, named perf-repo-<i>.
func perfReposConfig(n int) string {
	return fmt.Sprintf(`
locals {
  workspaces = [%q, %q]
}

resource "flashback_repo" "r" {
  count        = %d
  workspace_id = local.workspaces[count.index %% length(local.workspaces)]
  name         = "perf-repo-${count.index}"
  storage_type = "S3"
  mode         = "NORMAL"
}
`, testWorkspaceID, testWorkspace2ID, n)
}

// Creating 50 repositories in 2 workspaces costs 50 creates and no list: a
// create is one round trip, read back by the next refresh. That refresh costs
// exactly 2 lists, one per workspace, whatever the number of repositories, and
// no other request.
func TestAccPerformance_repoRefreshListsEachWorkspaceOnce(t *testing.T) {
	env := newPerformanceEnv(t, 0)
	emu := env.emu
	var configures atomic.Int32
	cfg := env.config(perfReposConfig(perfRepos))
	reset := func() {
		emu.ResetCounters()
		configures.Store(0)
	}
	counts := func(getLists, gets, posts, puts, deletes int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			got := [5]int{
				emu.Requests(http.MethodGet, emulator.OpRepoList), emu.Requests(http.MethodGet, ""),
				emu.Requests(http.MethodPost, ""), emu.Requests(http.MethodPut, ""), emu.Requests(http.MethodDelete, ""),
			}
			if want := [5]int{getLists, gets, posts, puts, deletes}; got != want {
				return fmt.Errorf("repo lists, GET, POST, PUT, DELETE = %v, want %v", got, want)
			}
			return nil
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: perfFactories(&configures),
		CheckDestroy:             env.checkDestroyed(t),
		Steps: []resource.TestStep{
			{
				// terraform plan (nothing to read) and terraform apply of 50
				// creates: 50 POST /repo, no list.
				PreConfig: reset,
				Config:    cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					counts(0, 0, perfRepos, 0, 0),
					func(*terraform.State) error {
						if n := emu.Requests(http.MethodPost, emulator.OpRepoCreate); n != perfRepos {
							return fmt.Errorf("%d repository creates, want %d", n, perfRepos)
						}
						return nil
					},
				),
			},
			{
				// terraform refresh: one configuration reads the 50
				// repositories with one list per workspace.
				PreConfig:    reset,
				RefreshState: true,
				Check: resource.ComposeAggregateTestCheckFunc(
					counts(2, 2, 0, 0, 0),
					func(*terraform.State) error {
						if n := configures.Load(); n != 1 {
							return fmt.Errorf("terraform refresh configured the provider %d times, want 1", n)
						}
						return nil
					},
				),
			},
			{
				// terraform plan refreshes the same way and plans nothing.
				PreConfig: reset,
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: counts(2, 2, 0, 0, 0),
			},
		},
	})
}
