package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// The targets the provider is held to (CONTRIBUTING.md, "Benchmarks"): an
// apply of new keys costs one round trip per key on the critical path,
// spread over Terraform's parallelism, and a refresh one round trip in all
// (the lists of the repos go out together), above what Terraform and the
// plugin framework cost by themselves: the no-op provider with the same
// schema.
const (
	targetApplyFactor   = 1.15
	targetRefreshFactor = 1.10
	targetPeakRSS       = 100 << 20
	mib                 = 1 << 20
	wallTimeFormat      = "%.2f s"
)

// target is one goal, measured at one N and latency.
type target struct {
	name     string
	measured string
	limit    string
	met      bool
}

// work is the least time the API's round trips add to a phase of n keys:
// what the floor lacks. A create sends one request per key, parallelism at
// a time; a refresh lists the repos at once; a rename or destroy refreshes,
// then sends one request per key.
func (r *report) work(p phase, n int, latency time.Duration) time.Duration {
	perKey := time.Duration(n) * latency / time.Duration(r.opts.parallelism)
	switch p {
	case phaseCreate:
		return perKey
	case phasePlan:
		return latency
	default:
		return latency + perKey
	}
}

// workFormula says how work is computed, for the report.
func (r *report) workFormula(p phase, n int, latency time.Duration) string {
	perKey := fmt.Sprintf("%d × %v ÷ %d", n, latency, r.opts.parallelism)
	switch p {
	case phaseCreate:
		return perKey
	case phasePlan:
		return latency.String()
	default:
		return latency.String() + " + " + perKey
	}
}

// floor is the no-op provider's time plus the API's work: what the provider
// is compared with.
func (r *report) floor(res result) time.Duration {
	return res.by[kindNoop].wall + r.work(res.phase, res.n, res.latency)
}

func (r *report) targets() []target {
	var ts []target
	for _, res := range r.results {
		var factor float64
		var what string
		switch res.phase {
		case phaseCreate:
			factor, what = targetApplyFactor, fmt.Sprintf("apply of %d new keys", res.n)
		case phasePlan:
			factor, what = targetRefreshFactor, fmt.Sprintf("plan (refresh) of %d keys in %d repos", res.n, r.opts.repos)
		default:
			continue
		}
		ours, floor := res.by[kindFlashback].wall, r.floor(res)
		limit := time.Duration(float64(floor) * factor)
		ts = append(ts, target{
			name:     fmt.Sprintf("%s at %v ≤ %.2f × (no-op floor + %s)", what, res.latency, factor, r.workFormula(res.phase, res.n, res.latency)),
			measured: fmt.Sprintf("%s (%.2f×)", seconds(ours), float64(ours)/float64(floor)),
			limit:    fmt.Sprintf("%s = %.2f × (%s + %s)", seconds(limit), factor, seconds(res.by[kindNoop].wall), seconds(r.work(res.phase, res.n, res.latency))),
			met:      ours <= limit,
		})
	}
	if measuresMemory {
		n := 0
		for _, res := range r.results {
			n = max(n, res.n)
		}
		var peak int64
		for _, res := range r.results {
			if res.n == n {
				peak = max(peak, res.by[kindFlashback].peakRSS)
			}
		}
		ts = append(ts, target{
			name:     fmt.Sprintf("provider peak memory at %d keys < %d MiB", n, targetPeakRSS/mib),
			measured: fmt.Sprintf("%.1f MiB", float64(peak)/mib),
			limit:    fmt.Sprintf("%d MiB", targetPeakRSS/mib),
			met:      peak > 0 && peak < targetPeakRSS,
		})
	}
	return ts
}

func seconds(d time.Duration) string {
	return fmt.Sprintf(wallTimeFormat, d.Seconds())
}

// markdown renders the report: the machine, the table and the targets.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", r.machine)
	fmt.Fprintf(&b, "Settings: %d repos, `-parallelism=%d`, median of %d runs; each run measures the plan (refresh) %d "+
		"times, so its rows are medians of %d. Within a run every phase measures each provider in turn before the "+
		"next phase starts. Times are wall-clock seconds of the whole terraform command. The no-op provider and "+
		"terraform_data send no requests, so one measurement of theirs is shown against every latency. ×noop is "+
		"flashback ÷ the no-op provider; floor is the no-op provider plus the least time the API's round trips add (apply: N × latency ÷ parallelism; plan: one latency; rename and "+
		"destroy: one latency for the refresh plus N × latency ÷ parallelism), and ×floor is flashback ÷ floor. "+
		"Requests, bytes (response bodies), connections (new TCP connections) and peak RSS (the largest "+
		"`terraform-provider-*` process of the command) are flashback's.\n\n",
		r.opts.repos, r.opts.parallelism, r.opts.runs, r.opts.planRepeats, r.opts.runs*r.opts.planRepeats)
	b.WriteString("| N | latency | phase | flashback | noop | terraform_data | ×noop | floor | ×floor | GET | POST | PUT | DELETE | bytes | conns | peak RSS flashback | peak RSS noop |\n")
	b.WriteString("|--:|--:|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, res := range r.results {
		ours, noop, data := res.by[kindFlashback], res.by[kindNoop], res.by[kindData]
		floor := r.floor(res)
		fmt.Fprintf(&b, "| %d | %v | %s | %s | %s | %s | %s | %s | %s | %d | %d | %d | %d | %s | %d | %s | %s |\n",
			res.n, res.latency, res.phase, seconds(ours.wall), seconds(noop.wall), seconds(data.wall),
			ratio(ours.wall, noop.wall), seconds(floor), ratio(ours.wall, floor),
			ours.get, ours.post, ours.put, ours.del, byteSize(ours.respBytes), ours.conns,
			rss(ours.peakRSS), rss(noop.peakRSS))
	}
	b.WriteString("\n| target | measured | limit | |\n|:--|--:|--:|:--|\n")
	for _, t := range r.targets() {
		verdict := "MISSED"
		if t.met {
			verdict = "MET"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | **%s** |\n", t.name, t.measured, t.limit, verdict)
	}
	r.repoMarkdown(&b)
	return b.String()
}

// repoMarkdown renders the repositories' rows, if any were measured. They have
// no floor and no target: what they pin is the number of lists.
func (r *report) repoMarkdown(b *strings.Builder) {
	if len(r.repoResults) == 0 {
		return
	}
	fmt.Fprintf(b, "\nRepositories: N `flashback_repo` (no bucket, no LLM connection) spread over %d workspaces, "+
		"`-parallelism=%d`, median of %d runs (the plan of %d). A rename is one `PUT` of the whole repository, "+
		"read back with a list of its workspace sent after it (read-backs that go out together may share one). repo lists is `GET /repo`: a refresh sends one per workspace however "+
		"many repositories it holds. The repositories have no floor (the no-op provider has no repository "+
		"resource) and no target.\n\n",
		r.opts.repoWorkspaces, r.opts.parallelism, r.opts.runs, r.opts.runs*r.opts.planRepeats)
	b.WriteString("| N repos | latency | phase | flashback | repo lists | GET | POST | PUT | DELETE | bytes | conns | peak RSS flashback |\n")
	b.WriteString("|--:|--:|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, res := range r.repoResults {
		s := res.s
		fmt.Fprintf(b, "| %d | %v | %s | %s | %d | %d | %d | %d | %d | %s | %d | %s |\n",
			res.n, res.latency, res.phase, seconds(s.wall), s.repoLists, s.get, s.post, s.put, s.del,
			byteSize(s.respBytes), s.conns, rss(s.peakRSS))
	}
}

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func rss(bytes int64) string {
	if bytes == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MiB", float64(bytes)/mib)
}

func byteSize(n int64) string {
	switch {
	case n >= mib:
		return fmt.Sprintf("%.1f MiB", float64(n)/mib)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// machineInfo says where the numbers come from: they mean little without it.
func machineInfo(ctx context.Context, terraform string) string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	tfVersion := "unknown"
	if out, err := exec.CommandContext(ctx, terraform, "version").Output(); err == nil {
		tfVersion = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	load := "unknown"
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	return fmt.Sprintf("Machine: %d CPUs (%s), %s/%s, %s, %s; load average at start %s; %s.",
		runtime.NumCPU(), cpu, runtime.GOOS, runtime.GOARCH, runtime.Version(), tfVersion, load,
		time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}
