package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// Terraform starts this test binary as a provider wrapper too.
	if code, wrapped := maybeWrap(); wrapped {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// The whole harness, with a handful of keys: it builds both providers, runs
// every phase against the emulator and reports what the emulator saw.
func TestBench_smallRun(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs the Terraform CLI; set TF_ACC=1 (make test does)")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			t.Skip("no Terraform CLI: set TF_ACC_TERRAFORM_PATH")
		}
	}
	const n, repos = 4, 3
	const repoN, workspaces = 6, 2
	latencies := []time.Duration{time.Millisecond, 2 * time.Millisecond}
	rep, err := run(context.Background(), options{
		terraform: tf, ns: []int{n}, latencies: latencies, runs: 1, planRepeats: 2, repos: repos, parallelism: 10,
		repoNs: []int{repoN}, repoWorkspaces: workspaces,
		log: testLog{t},
	})
	if err != nil {
		t.Fatal(err)
	}

	if len(rep.results) != len(phases)*len(latencies) {
		t.Fatalf("%d rows, want one per latency and phase (%d)", len(rep.results), len(phases)*len(latencies))
	}
	for i, res := range rep.results {
		if res.n != n || res.latency != latencies[i/len(phases)] || res.phase != phases[i%len(phases)] {
			t.Errorf("row %d is N=%d %v %q, want N=%d %v %q", i, res.n, res.latency, res.phase, n, latencies[i/len(phases)], phases[i%len(phases)])
		}
		for _, k := range kinds {
			if res.by[k].wall <= 0 {
				t.Errorf("%s %s: no wall time", res.phase, k)
			}
		}
		if measuresMemory && (res.by[kindFlashback].peakRSS <= 0 || res.by[kindNoop].peakRSS <= 0) {
			t.Errorf("%s: peak memory not recorded: flashback %d, noop %d", res.phase, res.by[kindFlashback].peakRSS, res.by[kindNoop].peakRSS)
		}
		if s := res.by[kindNoop]; s.get+s.post+s.put+s.del != 0 {
			t.Errorf("%s: the emulator counted the no-op provider's requests: %+v", res.phase, s)
		}
	}

	want := map[phase]struct{ post, put, del int }{
		phaseCreate:  {post: n},
		phasePlan:    {},
		phaseRename:  {put: n},
		phaseDestroy: {del: n},
	}
	for _, res := range rep.results {
		s, w := res.by[kindFlashback], want[res.phase]
		if s.post != w.post || s.put != w.put || s.del != w.del {
			t.Errorf("%s: POST %d, PUT %d, DELETE %d; want %d, %d, %d", res.phase, s.post, s.put, s.del, w.post, w.put, w.del)
		}
		// A create is one request: an apply of new keys has nothing to
		// refresh and reads nothing back. Every other phase refreshes,
		// with one list per repo.
		wantLists := repos
		if res.phase == phaseCreate {
			wantLists = 0
		}
		if s.get != wantLists {
			t.Errorf("%s: %d lists for %d keys in %d repos, want %d", res.phase, s.get, n, repos, wantLists)
		}
		if s.respBytes <= 0 {
			t.Errorf("%s: no response bytes counted", res.phase)
		}
		if s.conns < 1 || s.conns > s.get+s.post+s.put+s.del {
			t.Errorf("%s: %d connections for %d requests", res.phase, s.conns, s.get+s.post+s.put+s.del)
		}
	}

	// The repositories: a create is one POST and reads nothing back; every
	// other phase refreshes with one list per workspace, and sends nothing
	// else but its writes, except that each PUT is read back with a list of
	// its workspace sent after it (flashback_repo's docs: "read back after
	// each"), which read-backs that go out together may share: a rename
	// sends between one and repoN lists more than the refresh.
	if len(rep.repoResults) != len(phases)*len(latencies) {
		t.Fatalf("%d repository rows, want one per latency and phase (%d)", len(rep.repoResults), len(phases)*len(latencies))
	}
	wantRepos := map[phase]struct{ lists, post, put, del int }{
		phaseCreate:  {post: repoN},
		phasePlan:    {lists: workspaces},
		phaseRename:  {lists: workspaces + repoN, put: repoN}, // at most
		phaseDestroy: {lists: workspaces, del: repoN},
	}
	for i, res := range rep.repoResults {
		if res.n != repoN || res.latency != latencies[i/len(phases)] || res.phase != phases[i%len(phases)] {
			t.Errorf("repository row %d is N=%d %v %q, want N=%d %v %q", i, res.n, res.latency, res.phase, repoN, latencies[i/len(phases)], phases[i%len(phases)])
		}
		s, w := res.s, wantRepos[res.phase]
		if res.phase == phaseRename && s.repoLists > workspaces && s.repoLists <= workspaces+repoN {
			w.lists = s.repoLists
		}
		if got := [5]int{s.repoLists, s.get, s.post, s.put, s.del}; got != [5]int{w.lists, w.lists, w.post, w.put, w.del} {
			t.Errorf("repositories %s: repo lists, GET, POST, PUT, DELETE = %v, want %v", res.phase, got, [5]int{w.lists, w.lists, w.post, w.put, w.del})
		}
		if s.wall <= 0 {
			t.Errorf("repositories %s: no wall time", res.phase)
		}
	}

	md := rep.markdown()
	for _, line := range []string{
		"| 6 | 1ms | plan (refresh) | ", "| 6 | 2ms | apply (create) | ",
		"N `flashback_repo` (no bucket, no LLM connection) spread over 2 workspaces",
		"| 4 | 1ms | apply (create) |", "| 4 | 1ms | plan (refresh) |", "| 4 | 1ms | apply (rename) |", "| 4 | 1ms | destroy |",
		"| 4 | 2ms | apply (create) |", "| 4 | 2ms | destroy |",
		"plan (refresh) of 4 keys in 3 repos at 1ms ≤ 1.10 × (no-op floor + 1ms)",
		"apply of 4 new keys at 2ms ≤ 1.15 × (no-op floor + 4 × 2ms ÷ 10)",
	} {
		if !strings.Contains(md, line) {
			t.Errorf("the report lacks %q:\n%s", line, md)
		}
	}
	t.Log("\n" + md)
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// The floor adds what the API's round trips must cost at least, and the
// targets hold the provider to 1.15× of it for an apply of new keys and
// 1.10× for a refresh.
func TestReport_targets(t *testing.T) {
	t.Parallel()
	rep := &report{opts: options{repos: 3, parallelism: 10, runs: 3, planRepeats: 3}}
	row := func(p phase, ours, noop time.Duration) result {
		return result{n: 200, latency: 100 * time.Millisecond, phase: p, by: map[kind]sample{
			kindFlashback: {wall: ours}, kindNoop: {wall: noop}, kindData: {wall: time.Second},
		}}
	}
	rep.results = []result{
		row(phaseCreate, 4500*time.Millisecond, 2*time.Second), // floor 2s + 200 × 100ms ÷ 10 = 4s
		row(phasePlan, 1200*time.Millisecond, time.Second),     // floor 1s + 100ms
		row(phaseRename, 9*time.Second, 3*time.Second),         // floor 3s + 100ms + 2s
		row(phaseDestroy, 5*time.Second, 3*time.Second),
	}
	wantFloors := []time.Duration{4 * time.Second, 1100 * time.Millisecond, 5100 * time.Millisecond, 5100 * time.Millisecond}
	for i, res := range rep.results {
		if got := rep.floor(res); got != wantFloors[i] {
			t.Errorf("%s: floor %v, want %v", res.phase, got, wantFloors[i])
		}
	}
	ts := rep.targets()
	if len(ts) < 2 {
		t.Fatalf("%d targets, want the apply's and the refresh's", len(ts))
	}
	// 4.5s ≤ 1.15 × 4s = 4.6s; 1.2s ≤ 1.10 × 1.1s = 1.21s.
	if !ts[0].met || !strings.Contains(ts[0].name, "apply of 200 new keys at 100ms ≤ 1.15 × (no-op floor + 200 × 100ms ÷ 10)") ||
		ts[0].limit != "4.60 s = 1.15 × (2.00 s + 2.00 s)" {
		t.Errorf("apply target: %+v", ts[0])
	}
	if !ts[1].met || !strings.Contains(ts[1].name, "plan (refresh) of 200 keys in 3 repos at 100ms ≤ 1.10 × (no-op floor + 100ms)") {
		t.Errorf("refresh target: %+v", ts[1])
	}
	rep.results[0].by[kindFlashback] = sample{wall: 4700 * time.Millisecond}
	rep.results[1].by[kindFlashback] = sample{wall: 1300 * time.Millisecond}
	if ts := rep.targets(); ts[0].met || ts[1].met {
		t.Errorf("targets met by times above their limits: %+v", ts[:2])
	}
	md := rep.markdown()
	if !strings.Contains(md, "| 200 | 100ms | apply (rename) | 9.00 s | 3.00 s | 1.00 s | 3.00 | 5.10 s | 1.76 |") {
		t.Errorf("the report's rename row does not show the ratios:\n%s", md)
	}
}

// The commands compared with each other run back to back: every phase
// measures each series before the next phase starts, the plan is measured
// planRepeats times per run, and no series always goes first.
func TestSchedule_seriesTakeTurnsWithinEachPhase(t *testing.T) {
	t.Parallel()
	all := []series{{kind: kindNoop}, {kind: kindData}, {kind: kindFlashback, latency: 20 * time.Millisecond}}
	const runs, planRepeats = 2, 3
	steps := schedule(runs, planRepeats, all)

	want := runs * (len(phases) - 1 + planRepeats) * len(all)
	if len(steps) != want {
		t.Fatalf("%d steps, want %d", len(steps), want)
	}
	i := 0
	for r := 1; r <= runs; r++ {
		for _, p := range phases {
			rounds := 1
			if p == phasePlan {
				rounds = planRepeats
			}
			firsts := map[series]bool{}
			for range rounds {
				seen := map[series]bool{}
				for range all {
					st := steps[i]
					i++
					if st.run != r || st.phase != p {
						t.Fatalf("step %d is run %d %s, want run %d %s: every series takes a phase before the next phase starts",
							i-1, st.run, st.phase, r, p)
					}
					if seen[st.series] {
						t.Fatalf("step %d: %s measured twice in one round of run %d %s", i-1, st.series, r, p)
					}
					if len(seen) == 0 {
						firsts[st.series] = true
					}
					seen[st.series] = true
				}
			}
			if len(firsts) != rounds {
				t.Errorf("run %d %s: the %d rounds start with %d different series, want each round to start with another",
					r, p, rounds, len(firsts))
			}
		}
	}
}
