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
	rep, err := run(context.Background(), options{
		terraform: tf, ns: []int{n}, latency: time.Millisecond, runs: 1, repos: repos, parallelism: 10,
		log: testLog{t},
	})
	if err != nil {
		t.Fatal(err)
	}

	if len(rep.results) != len(phases) {
		t.Fatalf("%d rows, want one per phase (%d)", len(rep.results), len(phases))
	}
	for i, res := range rep.results {
		if res.n != n || res.phase != phases[i] {
			t.Errorf("row %d is N=%d %q, want N=%d %q", i, res.n, res.phase, n, phases[i])
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
		// Every phase lists each repo at least once (a refresh or a
		// create's read-back), and no more often than once per key.
		if s.get < repos || s.get > max(n, repos) {
			t.Errorf("%s: %d lists for %d keys in %d repos", res.phase, s.get, n, repos)
		}
		if s.respBytes <= 0 {
			t.Errorf("%s: no response bytes counted", res.phase)
		}
		if s.conns < 1 || s.conns > s.get+s.post+s.put+s.del {
			t.Errorf("%s: %d connections for %d requests", res.phase, s.conns, s.get+s.post+s.put+s.del)
		}
	}

	md := rep.markdown()
	for _, line := range []string{
		"| 4 | apply (create) |", "| 4 | plan (refresh) |", "| 4 | apply (rename) |", "| 4 | destroy |",
		"plan (refresh) of 4 keys in 3 repos", "apply of 4 new keys",
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
