// Command bench measures the provider against its floor: for N keys spread
// over a few repos of the in-process emulator (at each of a few per-request
// latencies), it times terraform apply (create), plan (refresh), apply
// (rename) and destroy, counts the requests and bytes the emulator serves and
// records the provider process's peak memory. The floor is the same N
// resources of a provider with the same schema that does no I/O (package
// noop, served by testdata/noop) and N terraform_data resources, measured in
// the same run. Then it times the same phases for N repositories
// (flashback_repo) spread over a few workspaces, and counts the lists of
// repositories each sends; they have no floor.
// Run it with `make bench`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if code, wrapped := maybeWrap(); wrapped {
		os.Exit(code)
	}

	opts := options{log: os.Stderr}
	var ns, repoNs, latencies, out string
	flag.StringVar(&opts.terraform, "terraform", "terraform", "the Terraform CLI to run")
	flag.StringVar(&ns, "n", "200,500", "comma-separated numbers of keys to measure")
	flag.StringVar(&latencies, "latency", "20ms,100ms", "comma-separated latencies per request of the emulator")
	flag.IntVar(&opts.runs, "runs", 3, "runs per measurement; the median is reported")
	flag.IntVar(&opts.planRepeats, "plan-repeats", 3, "times each run measures the plan (refresh), which changes nothing; the median of all runs' plans is reported")
	flag.IntVar(&opts.repos, "repos", 3, "repos the keys are spread over")
	flag.IntVar(&opts.parallelism, "parallelism", 10, "terraform -parallelism (10 is Terraform's default)")
	flag.StringVar(&repoNs, "repo-n", "50", "comma-separated numbers of flashback_repo resources to measure after the keys; 0 measures none")
	flag.IntVar(&opts.repoWorkspaces, "repo-workspaces", 2, "workspaces the repositories are spread over")
	flag.StringVar(&out, "out", "", "also write the markdown report to this file")
	flag.Parse()

	if err := opts.parseNs(ns); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := opts.parseRepoNs(repoNs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := opts.parseLatencies(latencies); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if opts.runs < 1 || opts.planRepeats < 1 || opts.repos < 1 || opts.parallelism < 1 || opts.repoWorkspaces < 1 {
		fmt.Fprintln(os.Stderr, "bench: -runs, -plan-repeats, -repos, -parallelism and -repo-workspaces must be at least 1")
		os.Exit(2)
	}
	tf, err := exec.LookPath(opts.terraform)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: no Terraform CLI at %q: %v; pass -terraform\n", opts.terraform, err)
		os.Exit(2)
	}
	opts.terraform = tf

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	md := rep.markdown()
	fmt.Print(md)
	if out != "" {
		if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

func (o *options) parseNs(list string) error {
	o.ns = nil
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-n %q: each entry must be a positive number", list)
		}
		o.ns = append(o.ns, n)
	}
	return nil
}

// parseRepoNs reads -repo-n: positive numbers, or 0 alone for none.
func (o *options) parseRepoNs(list string) error {
	o.repoNs = nil
	if strings.TrimSpace(list) == "0" {
		return nil
	}
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-repo-n %q: each entry must be a positive number, or 0 alone to measure no repositories", list)
		}
		o.repoNs = append(o.repoNs, n)
	}
	return nil
}

func (o *options) parseLatencies(list string) error {
	o.latencies = nil
	for _, f := range strings.Split(list, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil || d < 0 || slices.Contains(o.latencies, d) {
			return fmt.Errorf("-latency %q: each entry must be a distinct duration that is not negative, such as 20ms", list)
		}
		o.latencies = append(o.latencies, d)
	}
	return nil
}
