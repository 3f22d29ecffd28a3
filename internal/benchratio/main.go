// Command benchratio measures benchmark budgets as ratios on a noisy
// machine. It compiles a package's test binary once, then runs each named
// benchmark alone, in a shuffled order, for several rounds, so that every
// benchmark samples the same spread of machine load; it reports the median
// ns/op, B/op and allocs/op of each, and checks budgets such as
// "Transition<=6*Floor". It exits 1 when a budget is broken.
//
//	go run ./internal/benchratio -pkg ./incident -rounds 7 -benchtime 100000x \
//	    -budget 'Transition<=6*Floor' -budget 'Transition<1*NaiveLooplab' \
//	    Floor NaiveLooplab Transition TransitionLongJournal
//
// With -base REV it also builds the package as it is at the git revision
// REV (in a temporary worktree), and a name written base.Name runs the
// benchmark Name of that build: old and new code side by side in the same
// run, as a budget "Transition<=1.15*base.Transition" needs.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

type budgets []string

func (b *budgets) String() string     { return strings.Join(*b, ",") }
func (b *budgets) Set(s string) error { *b = append(*b, s); return nil }

type sample struct{ ns, bytes, allocs float64 }

var lineRE = regexp.MustCompile(`^Benchmark(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op\s+([\d.]+) allocs/op)?`)

func main() {
	pkg := flag.String("pkg", ".", "package whose benchmarks to run")
	rounds := flag.Int("rounds", 7, "rounds; each runs every benchmark once")
	benchtime := flag.String("benchtime", "1s", "-test.benchtime for each run")
	extra := flag.String("args", "", "extra arguments for the test binary, space separated")
	baseRev := flag.String("base", "", "a git revision whose build of the package runs the benchmarks named base.Name")
	var bs budgets
	flag.Var(&bs, "budget", `a budget "A<=k*B" or "A<k*B" (repeatable); A and B are benchmark names without the Benchmark prefix`)
	flag.Parse()
	names := flag.Args()
	if len(names) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: name the benchmarks to run")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "benchratio")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "bench.test")
	build := exec.Command("go", "test", "-c", "-o", bin, *pkg)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	check(build.Run())
	pkgDir, _ := filepath.Abs(*pkg)
	baseBin, baseDir := "", ""
	if *baseRev != "" {
		wt := filepath.Join(dir, "base")
		add := exec.Command("git", "worktree", "add", "--detach", wt, *baseRev)
		add.Stdout, add.Stderr = os.Stderr, os.Stderr
		check(add.Run())
		defer exec.Command("git", "worktree", "remove", "--force", wt).Run()
		root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
		check(err)
		rel, err := filepath.Rel(strings.TrimSpace(string(root)), pkgDir)
		check(err)
		baseDir = filepath.Join(wt, rel)
		baseBin = filepath.Join(dir, "base.test")
		b := exec.Command("go", "test", "-c", "-o", baseBin, ".")
		b.Dir, b.Stdout, b.Stderr = baseDir, os.Stderr, os.Stderr
		check(b.Run())
	}

	samples := map[string][]sample{}
	for r := 0; r < *rounds; r++ {
		order := slices.Clone(names)
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, name := range order {
			runBin, runDir, bench := bin, pkgDir, name
			if b, ok := strings.CutPrefix(name, "base."); ok {
				if baseBin == "" {
					fmt.Fprintf(os.Stderr, "benchratio: %s needs -base REV\n", name)
					os.Exit(2)
				}
				runBin, runDir, bench = baseBin, baseDir, b
			}
			args := []string{"-test.run=^$", "-test.bench=^Benchmark" + bench + "$", "-test.benchmem", "-test.benchtime=" + *benchtime, "-test.count=1"}
			if *extra != "" {
				args = append(args, strings.Fields(*extra)...)
			}
			cmd := exec.Command(runBin, args...)
			cmd.Dir = runDir
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "benchratio: %s: %v\n%s", name, err, out.String())
				os.Exit(2)
			}
			found := false
			sc := bufio.NewScanner(&out)
			for sc.Scan() {
				m := lineRE.FindStringSubmatch(sc.Text())
				if m == nil || m[1] != bench {
					continue
				}
				s := sample{ns: num(m[3]), bytes: num(m[4]), allocs: num(m[5])}
				samples[name] = append(samples[name], s)
				found = true
			}
			if !found {
				fmt.Fprintf(os.Stderr, "benchratio: no result for %s (skipped?):\n%s", name, out.String())
				os.Exit(2)
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", r+1, *rounds)
	}

	med := map[string]sample{}
	fmt.Printf("| benchmark | median ns/op | min | max | B/op | allocs/op |\n|---|---:|---:|---:|---:|---:|\n")
	for _, name := range names {
		ss := samples[name]
		ns := make([]float64, len(ss))
		for i, s := range ss {
			ns[i] = s.ns
		}
		slices.Sort(ns)
		m := sample{ns: median(ns), bytes: ss[0].bytes, allocs: ss[0].allocs}
		med[name] = m
		fmt.Printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f |\n", name, m.ns, ns[0], ns[len(ns)-1], m.bytes, m.allocs)
	}
	fmt.Println()
	failed := false
	for _, b := range bs {
		ok, desc, err := evaluate(b, med)
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchratio: budget %q: %v\n", b, err)
			os.Exit(2)
		}
		verdict := "holds"
		if !ok {
			verdict, failed = "BROKEN", true
		}
		fmt.Printf("- budget `%s`: %s: %s\n", b, desc, verdict)
	}
	if failed {
		os.Exit(1)
	}
}

var budgetRE = regexp.MustCompile(`^([\w.]+)\s*(<=|<)\s*([\d.]+)\s*\*\s*([\w.]+)$`)

func evaluate(b string, med map[string]sample) (bool, string, error) {
	m := budgetRE.FindStringSubmatch(strings.TrimSpace(b))
	if m == nil {
		return false, "", fmt.Errorf("want the form A<=k*B or A<k*B")
	}
	a, ok1 := med[m[1]]
	base, ok2 := med[m[4]]
	if !ok1 || !ok2 {
		return false, "", fmt.Errorf("both benchmarks must be run")
	}
	k := num(m[3])
	ratio := a.ns / base.ns
	desc := fmt.Sprintf("%s/%s = %.2f (limit %s %.2f)", m[1], m[4], ratio, m[2], k)
	if m[2] == "<" {
		return ratio < k, desc, nil
	}
	return ratio <= k, desc, nil
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func num(s string) float64 {
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	check(err)
	return f
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(2)
	}
}
