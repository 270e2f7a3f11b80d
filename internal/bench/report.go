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

// The targets the provider is held to (see the README's Performance section).
const (
	targetFactor   = 1.3
	targetPeakRSS  = 100 << 20
	mib            = 1 << 20
	wallTimeFormat = "%.2f s"
)

// target is one goal, measured at the largest N.
type target struct {
	name     string
	measured string
	limit    string
	met      bool
}

func (r *report) targets() []target {
	n := 0
	for _, res := range r.results {
		n = max(n, res.n)
	}
	row := func(p phase) (sample, sample, bool) {
		for _, res := range r.results {
			if res.n == n && res.phase == p {
				return res.by[kindFlashback], res.by[kindNoop], true
			}
		}
		return sample{}, sample{}, false
	}
	lat, par := r.opts.latency, r.opts.parallelism
	var ts []target
	if ours, floor, ok := row(phasePlan); ok {
		limit := scale(floor.wall + time.Duration(r.opts.repos)*lat)
		ts = append(ts, target{
			name:     fmt.Sprintf("plan (refresh) of %d keys in %d repos ≤ %.1f × (no-op floor + %d × latency)", n, r.opts.repos, targetFactor, r.opts.repos),
			measured: seconds(ours.wall),
			limit:    fmt.Sprintf("%s = %.1f × (%s + %d × %v)", seconds(limit), targetFactor, seconds(floor.wall), r.opts.repos, lat),
			met:      ours.wall <= limit,
		})
	}
	if ours, floor, ok := row(phaseCreate); ok {
		limit := scale(floor.wall + time.Duration(n)*lat/time.Duration(par))
		ts = append(ts, target{
			name:     fmt.Sprintf("apply of %d new keys ≤ %.1f × (no-op floor + %d × latency ÷ %d)", n, targetFactor, n, par),
			measured: seconds(ours.wall),
			limit:    fmt.Sprintf("%s = %.1f × (%s + %d × %v ÷ %d)", seconds(limit), targetFactor, seconds(floor.wall), n, lat, par),
			met:      ours.wall <= limit,
		})
	}
	var peak int64
	for _, res := range r.results {
		if res.n == n {
			peak = max(peak, res.by[kindFlashback].peakRSS)
		}
	}
	if measuresMemory {
		ts = append(ts, target{
			name:     fmt.Sprintf("provider peak memory at %d keys < %d MiB", n, targetPeakRSS/mib),
			measured: fmt.Sprintf("%.1f MiB", float64(peak)/mib),
			limit:    fmt.Sprintf("%d MiB", targetPeakRSS/mib),
			met:      peak > 0 && peak < targetPeakRSS,
		})
	}
	return ts
}

func scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * targetFactor)
}

func seconds(d time.Duration) string {
	return fmt.Sprintf(wallTimeFormat, d.Seconds())
}

// markdown renders the report: the machine, the table and the targets.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", r.machine)
	fmt.Fprintf(&b, "Settings: %d repos, emulator latency %v per request, `-parallelism=%d`, median of %d runs. "+
		"Times are wall-clock seconds of the whole terraform command; ×noop is flashback ÷ the no-op provider. "+
		"Requests, bytes (response bodies), connections (new TCP connections) and peak RSS (the largest "+
		"`terraform-provider-*` process of the command) are flashback's.\n\n",
		r.opts.repos, r.opts.latency, r.opts.parallelism, r.opts.runs)
	b.WriteString("| N | phase | flashback | noop | terraform_data | ×noop | GET | POST | PUT | DELETE | bytes | conns | peak RSS flashback | peak RSS noop |\n")
	b.WriteString("|--:|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, res := range r.results {
		ours, noop, data := res.by[kindFlashback], res.by[kindNoop], res.by[kindData]
		ratio := "–"
		if noop.wall > 0 {
			ratio = fmt.Sprintf("%.2f", float64(ours.wall)/float64(noop.wall))
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %d | %d | %d | %d | %s | %d | %s | %s |\n",
			res.n, res.phase, seconds(ours.wall), seconds(noop.wall), seconds(data.wall), ratio,
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
	return b.String()
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
