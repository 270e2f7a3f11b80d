package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/devcli"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/emulator"
)

// The environment that turns the bench binary into a provider wrapper (see
// wrapProvider): where the real provider binaries are, and where peak memory
// is recorded.
const (
	envWrapDir = "FLASHBACK_BENCH_PROVIDER_DIR"
	envRSSFile = "FLASHBACK_BENCH_RSS_FILE"
)

// maybeWrap runs the binary as a provider wrapper when Terraform started it
// as one, and reports whether it did.
func maybeWrap() (exitCode int, wrapped bool) {
	dir, rss := os.Getenv(envWrapDir), os.Getenv(envRSSFile)
	if dir == "" || rss == "" || !strings.HasPrefix(filepath.Base(os.Args[0]), "terraform-provider-") {
		return 0, false
	}
	return wrapProvider(dir, rss), true
}

// kind is one of the providers measured: ours, and the two floors.
type kind string

const (
	kindFlashback kind = "flashback"
	kindNoop      kind = "noop"
	kindData      kind = "terraform_data"
)

var kinds = []kind{kindFlashback, kindNoop, kindData}

// series is what each phase measures in turn: a floor, or the provider
// against an emulator with one of the latencies. The floors send no requests,
// so one measurement of theirs serves every latency.
type series struct {
	kind    kind
	latency time.Duration
}

func (s series) String() string {
	if s.kind != kindFlashback {
		return string(s.kind)
	}
	return fmt.Sprintf("%s@%v", s.kind, s.latency)
}

type phase string

const (
	phaseCreate  phase = "apply (create)"
	phasePlan    phase = "plan (refresh)"
	phaseRename  phase = "apply (rename)"
	phaseDestroy phase = "destroy"
)

var phases = []phase{phaseCreate, phasePlan, phaseRename, phaseDestroy}

type options struct {
	terraform string
	ns        []int
	latencies []time.Duration
	runs      int
	// planRepeats is how many times each run measures the plan (refresh).
	planRepeats int
	repos       int
	parallelism int
	// repoNs are the numbers of flashback_repo resources measured, spread over
	// repoWorkspaces workspaces; none skips the repositories.
	repoNs         []int
	repoWorkspaces int
	// root is the module root; "" finds it with `go env GOMOD`.
	root string
	// log receives progress; the report is returned, not logged.
	log io.Writer
}

// sample is what one phase cost in one run.
type sample struct {
	wall time.Duration
	// requests by method, response bytes and new connections, at the emulator.
	get, post, put, del int
	// repoLists counts GET /repo, the lists a refresh of repositories sends.
	repoLists int
	respBytes int64
	conns     int
	// peakRSS is the largest peak resident memory of the provider processes
	// the phase started, in bytes; 0 where there is none or it is unmeasured.
	peakRSS int64
}

// result is one (N, latency, phase) row: the median of each measure over the
// runs (and the plan's repeats), by kind. The floors' samples are the same
// for every latency.
type result struct {
	n       int
	latency time.Duration
	phase   phase
	by      map[kind]sample
}

// repoResult is one (N, latency, phase) row of the repositories: the median
// of each measure over the runs (and the plan's repeats). The repositories
// have no floor: the no-op provider has no repository resource.
type repoResult struct {
	n       int
	latency time.Duration
	phase   phase
	s       sample
}

type report struct {
	opts        options
	results     []result
	repoResults []repoResult
	machine     string
}

// run builds the providers, then measures every phase for every N and kind.
func run(ctx context.Context, opts options) (*report, error) {
	if opts.root == "" {
		root, err := devcli.ModuleRoot(ctx)
		if err != nil {
			return nil, err
		}
		opts.root = root
	}
	work, err := os.MkdirTemp("", "flashback-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	b := &bench{opts: opts, work: work}
	if err := b.setup(ctx); err != nil {
		return nil, err
	}
	rep := &report{opts: opts, machine: machineInfo(ctx, opts.terraform)}
	for _, n := range opts.ns {
		rows, err := b.measureN(ctx, n)
		if err != nil {
			return nil, err
		}
		rep.results = append(rep.results, rows...)
	}
	for _, n := range opts.repoNs {
		rows, err := b.measureRepos(ctx, n)
		if err != nil {
			return nil, err
		}
		rep.repoResults = append(rep.repoResults, rows...)
	}
	return rep, nil
}

type bench struct {
	opts options
	work string
	// bin holds what Terraform starts (wrappers, or the providers themselves
	// where memory is not measured); real holds the providers.
	bin, real string
	cliConfig string
	rssFile   string
	token     string
}

func (b *bench) logf(format string, args ...any) {
	if b.opts.log != nil {
		fmt.Fprintf(b.opts.log, format+"\n", args...)
	}
}

func (b *bench) setup(ctx context.Context) error {
	b.bin = filepath.Join(b.work, "bin")
	b.real = filepath.Join(b.work, "real")
	b.rssFile = filepath.Join(b.work, "rss")
	b.cliConfig = filepath.Join(b.work, "cli.tfrc")
	for _, d := range []string{b.bin, b.real} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return err
	}
	b.token = "bench_" + hex.EncodeToString(tok)

	providers := map[string]string{
		"terraform-provider-flashback": ".",
		"terraform-provider-noop":      "./internal/bench/testdata/noop",
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for name, pkg := range providers {
		b.logf("building %s", name)
		dest := filepath.Join(b.real, name)
		if !measuresMemory {
			dest = filepath.Join(b.bin, name)
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-o", dest, pkg)
		cmd.Dir = b.opts.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s from %s: %w\n%s", name, pkg, err, out)
		}
		if measuresMemory {
			if err := os.Symlink(self, filepath.Join(b.bin, name)); err != nil {
				return err
			}
		}
	}
	return devcli.WriteCLIConfig(b.cliConfig, b.bin, "flashbacknetwork/flashback", "bench/noop")
}

func (b *bench) repoIDs() []string {
	ids := make([]string, b.opts.repos)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-repo-%d", i+1)
	}
	return ids
}

// config is a root module with n resources of k, spread over the repos, whose
// names end in var.suffix.
func (b *bench) config(k kind) string {
	repos := make([]string, b.opts.repos)
	for i, r := range b.repoIDs() {
		repos[i] = strconv.Quote(r)
	}
	head := `variable "n" {
  type = number
}

variable "suffix" {
  type    = string
  default = ""
}

locals {
  repos = [` + strings.Join(repos, ", ") + `]
}
`
	switch k {
	case kindFlashback:
		return head + `
terraform {
  required_providers {
    flashback = { source = "flashbacknetwork/flashback" }
  }
}

resource "flashback_repo_ai_apikey" "k" {
  count   = var.n
  repo_id = local.repos[count.index % length(local.repos)]
  name    = "bench-${count.index}${var.suffix}"
  ai_type = "OPENAI"
}
`
	case kindNoop:
		return head + `
terraform {
  required_providers {
    noop = { source = "bench/noop" }
  }
}

resource "noop_thing" "k" {
  count   = var.n
  repo_id = local.repos[count.index % length(local.repos)]
  name    = "bench-${count.index}${var.suffix}"
  ai_type = "OPENAI"
}
`
	default:
		return head + `
resource "terraform_data" "k" {
  count = var.n
  input = {
    repo_id = local.repos[count.index % length(local.repos)]
    name    = "bench-${count.index}${var.suffix}"
    ai_type = "OPENAI"
  }
}
`
	}
}

func (b *bench) workspaceIDs() []string {
	ids := make([]string, b.opts.repoWorkspaces)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-ws-%d", i+1)
	}
	return ids
}

// repoConfig is a root module with var.n AI-only repositories spread over the
// workspaces, whose names end in var.suffix.
func (b *bench) repoConfig() string {
	ws := make([]string, b.opts.repoWorkspaces)
	for i, w := range b.workspaceIDs() {
		ws[i] = strconv.Quote(w)
	}
	return `variable "n" {
  type = number
}

variable "suffix" {
  type    = string
  default = ""
}

locals {
  workspaces = [` + strings.Join(ws, ", ") + `]
}

terraform {
  required_providers {
    flashback = { source = "flashbacknetwork/flashback" }
  }
}

resource "flashback_repo" "r" {
  count        = var.n
  workspace_id = local.workspaces[count.index % length(local.workspaces)]
  name         = "bench-repo-${count.index}${var.suffix}"
  storage_type = "S3"
  mode         = "NORMAL"
}
`
}

// measureRepos measures n repositories through every phase at every latency,
// each latency in turn within a phase, as schedule orders the keys' series.
func (b *bench) measureRepos(ctx context.Context, n int) ([]repoResult, error) {
	var all []series
	emus := map[time.Duration]*emulator.Server{}
	baseURLs := map[time.Duration]string{}
	dirs := map[time.Duration]string{}
	for _, lat := range b.opts.latencies {
		emu, baseURL, stop, err := b.startEmulatorWith(emulator.Options{Token: b.token, Workspaces: b.workspaces(), Latency: lat})
		if err != nil {
			return nil, err
		}
		defer stop()
		emus[lat], baseURLs[lat] = emu, baseURL
		all = append(all, series{kind: kindFlashback, latency: lat})
		dir := filepath.Join(b.work, fmt.Sprintf("repos-n%d-%s", n, lat))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.repoConfig()), 0o644); err != nil {
			return nil, err
		}
		dirs[lat] = dir
	}
	samples := map[phase]map[time.Duration][]sample{}
	for _, p := range phases {
		samples[p] = map[time.Duration][]sample{}
	}
	for _, st := range schedule(b.opts.runs, b.opts.planRepeats, all) {
		lat := st.series.latency
		smp, err := b.measurePhase(ctx, emus[lat], baseURLs[lat], dirs[lat], kindFlashback, st.phase, n)
		if err != nil {
			return nil, fmt.Errorf("measuring %s %s of %d repositories: %w", st.series, st.phase, n, err)
		}
		b.logf("repos N=%d run %d/%d: %s %s: %s (%d repo lists)", n, st.run, b.opts.runs, st.series, st.phase, seconds(smp.wall), smp.repoLists)
		samples[st.phase][lat] = append(samples[st.phase][lat], smp)
	}
	var rows []repoResult
	for _, lat := range b.opts.latencies {
		for _, p := range phases {
			rows = append(rows, repoResult{n: n, latency: lat, phase: p, s: medianSample(samples[p][lat])})
		}
	}
	return rows, nil
}

func (b *bench) workspaces() []emulator.Workspace {
	var ws []emulator.Workspace
	for _, id := range b.workspaceIDs() {
		ws = append(ws, emulator.Workspace{ID: id, Name: id})
	}
	return ws
}

// step is one measurement of a run: one series through one phase.
type step struct {
	run    int
	phase  phase
	series series
}

// schedule orders a measurement's steps. Each run takes the phases in turn,
// and within a phase every series takes its turn before the next phase
// starts, so that the commands compared with each other run seconds apart
// and a change in the machine's load falls on all of them alike. The plan
// (refresh) changes nothing, costs little and is held to the tightest
// target, so each run repeats it planRepeats times, starting each round with
// the next series so that none always goes first.
func schedule(runs, planRepeats int, all []series) []step {
	var steps []step
	for r := 1; r <= runs; r++ {
		for _, p := range phases {
			rounds := 1
			if p == phasePlan {
				rounds = planRepeats
			}
			for i := range rounds {
				for j := range all {
					steps = append(steps, step{run: r, phase: p, series: all[(i+j)%len(all)]})
				}
			}
		}
	}
	return steps
}

// measureN measures every series through every phase, in the order schedule
// gives.
func (b *bench) measureN(ctx context.Context, n int) ([]result, error) {
	all := []series{{kind: kindNoop}, {kind: kindData}}
	baseURLs := map[time.Duration]string{}
	emus := map[time.Duration]*emulator.Server{}
	for _, lat := range b.opts.latencies {
		emu, baseURL, stop, err := b.startEmulator(lat)
		if err != nil {
			return nil, err
		}
		defer stop()
		emus[lat], baseURLs[lat] = emu, baseURL
		all = append(all, series{kind: kindFlashback, latency: lat})
	}

	dirs := map[series]string{}
	for _, s := range all {
		dir := filepath.Join(b.work, fmt.Sprintf("n%d-%s-%s", n, s.kind, s.latency))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.config(s.kind)), 0o644); err != nil {
			return nil, err
		}
		dirs[s] = dir
	}

	samples := map[phase]map[series][]sample{}
	for _, p := range phases {
		samples[p] = map[series][]sample{}
	}
	for _, st := range schedule(b.opts.runs, b.opts.planRepeats, all) {
		s := st.series
		// The floors talk to no emulator; any one counts their zero
		// requests.
		emu, baseURL := emus[s.latency], baseURLs[s.latency]
		if s.kind != kindFlashback {
			emu, baseURL = emus[b.opts.latencies[0]], baseURLs[b.opts.latencies[0]]
		}
		smp, err := b.measurePhase(ctx, emu, baseURL, dirs[s], s.kind, st.phase, n)
		if err != nil {
			return nil, fmt.Errorf("measuring %s %s of %d keys: %w", s, st.phase, n, err)
		}
		b.logf("N=%d run %d/%d: %s %s: %s", n, st.run, b.opts.runs, s, st.phase, seconds(smp.wall))
		samples[st.phase][s] = append(samples[st.phase][s], smp)
	}
	var rows []result
	for _, lat := range b.opts.latencies {
		for _, p := range phases {
			rows = append(rows, result{n: n, latency: lat, phase: p, by: map[kind]sample{
				kindFlashback: medianSample(samples[p][series{kind: kindFlashback, latency: lat}]),
				kindNoop:      medianSample(samples[p][series{kind: kindNoop}]),
				kindData:      medianSample(samples[p][series{kind: kindData}]),
			}})
		}
	}
	return rows, nil
}

// startEmulator serves a fresh emulator with the keys' repos and the given
// latency on loopback.
func (b *bench) startEmulator(latency time.Duration) (*emulator.Server, string, func(), error) {
	return b.startEmulatorWith(emulator.Options{Token: b.token, Repos: b.repoIDs(), Latency: latency})
}

// startEmulatorWith serves a fresh emulator with opts on loopback.
func (b *bench) startEmulatorWith(opts emulator.Options) (*emulator.Server, string, func(), error) {
	emu, err := emulator.New(opts)
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	srv := &http.Server{Handler: emu, ConnState: emu.ConnState, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return emu, "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

func (b *bench) measurePhase(ctx context.Context, emu *emulator.Server, baseURL, dir string, k kind, p phase, n int) (sample, error) {
	args := []string{"-input=false", "-no-color", fmt.Sprintf("-parallelism=%d", b.opts.parallelism), fmt.Sprintf("-var=n=%d", n)}
	switch p {
	case phaseCreate:
		args = append([]string{"apply", "-auto-approve"}, args...)
	case phasePlan:
		// Exit code 2 would mean the refresh found drift: a broken benchmark.
		args = append([]string{"plan", "-detailed-exitcode"}, args...)
	case phaseRename:
		args = append([]string{"apply", "-auto-approve", "-var=suffix=-renamed"}, args...)
	case phaseDestroy:
		args = append([]string{"destroy", "-auto-approve", "-var=suffix=-renamed"}, args...)
	}
	if err := os.Remove(b.rssFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return sample{}, err
	}
	emu.ResetCounters()

	cmd := exec.CommandContext(ctx, b.opts.terraform, append([]string{"-chdir=" + dir}, args...)...)
	// exec uses the last value of a repeated variable, so these win over the
	// caller's environment.
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+b.cliConfig,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"FLASHBACK_BASE_URL="+baseURL,
		"FLASHBACK_ACCESS_TOKEN="+b.token,
		envWrapDir+"="+b.real,
		envRSSFile+"="+b.rssFile,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("terraform %s: %w\n%s", args[0], err, tail(out.String(), 40))
	}

	s := sample{
		wall:      wall,
		get:       emu.Requests(http.MethodGet, ""),
		post:      emu.Requests(http.MethodPost, ""),
		put:       emu.Requests(http.MethodPut, ""),
		del:       emu.Requests(http.MethodDelete, ""),
		repoLists: emu.Requests(http.MethodGet, emulator.OpRepoList),
		respBytes: emu.ResponseBytes(),
		conns:     emu.Connections(),
	}
	if k != kindData {
		rss, err := peakRSS(b.rssFile, "terraform-provider-"+string(k))
		if err != nil {
			return sample{}, err
		}
		s.peakRSS = rss
	}
	return s, nil
}

// peakRSS is the largest peak memory, in bytes, that the wrappers recorded for
// the named provider.
func peakRSS(file, name string) (int64, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var peak int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 || fields[0] != name {
			continue
		}
		kib, err := strconv.ParseInt(fields[1], 10, 64)
		if err == nil {
			peak = max(peak, kib*1024)
		}
	}
	return peak, sc.Err()
}

func medianSample(ss []sample) sample {
	med := func(get func(sample) int64) int64 {
		vs := make([]int64, len(ss))
		for i, s := range ss {
			vs[i] = get(s)
		}
		slices.Sort(vs)
		return vs[len(vs)/2]
	}
	return sample{
		wall:      time.Duration(med(func(s sample) int64 { return int64(s.wall) })),
		get:       int(med(func(s sample) int64 { return int64(s.get) })),
		post:      int(med(func(s sample) int64 { return int64(s.post) })),
		put:       int(med(func(s sample) int64 { return int64(s.put) })),
		del:       int(med(func(s sample) int64 { return int64(s.del) })),
		repoLists: int(med(func(s sample) int64 { return int64(s.repoLists) })),
		respBytes: med(func(s sample) int64 { return s.respBytes }),
		conns:     int(med(func(s sample) int64 { return int64(s.conns) })),
		peakRSS:   med(func(s sample) int64 { return s.peakRSS }),
	}
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
