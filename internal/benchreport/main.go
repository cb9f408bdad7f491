// Command benchreport turns `go test -bench -benchmem` output (on stdin) into
// the Markdown table of BENCHMARKS.md (on stdout). A benchmark named
// BenchmarkXBaseline is the baseline of BenchmarkX: the report gives the
// ratio of their median ns/op. Other metrics a benchmark reports (with
// b.ReportMetric) are listed beside it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

type result struct {
	pkg     string
	name    string
	metrics map[string][]float64 // unit → one value per run
	order   []string             // units in first-seen order
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)
	pkgLine   = regexp.MustCompile(`^pkg: (\S+)`)
	cpuLine   = regexp.MustCompile(`^cpu: (.*)`)
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	var results []*result
	byName := map[string]*result{}
	pkg, cpu := "", "unknown"
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := sc.Text()
		if m := pkgLine.FindStringSubmatch(line); m != nil {
			pkg = m[1]
			continue
		}
		if m := cpuLine.FindStringSubmatch(line); m != nil {
			cpu = m[1]
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := pkg + "." + m[1]
		r := byName[key]
		if r == nil {
			r = &result{pkg: pkg, name: m[1], metrics: map[string][]float64{}}
			byName[key] = r
			results = append(results, r)
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			unit := f[i+1]
			if _, seen := r.metrics[unit]; !seen {
				r.order = append(r.order, unit)
			}
			r.metrics[unit] = append(r.metrics[unit], v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(results) == 0 {
		return fmt.Errorf("no benchmark results on input")
	}

	fmt.Fprintf(out, "# Benchmarks\n\n")
	fmt.Fprintf(out, "Written by `make bench` on %s: %s, %d CPUs, %s/%s, %s. Each figure is the median of the runs.\n",
		time.Now().UTC().Format("2006-01-02"), cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(out, "A ratio compares a benchmark with its baseline, which does the same work by hand in the same process (lower is better; 1.00 is parity).\n\n")
	fmt.Fprintf(out, "| benchmark | ns/op | B/op | allocs/op | baseline ns/op | baseline allocs/op | ratio | other metrics |\n")
	fmt.Fprintf(out, "|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range results {
		if strings.HasSuffix(r.name, "Baseline") {
			if _, ok := byName[r.pkg+"."+strings.TrimSuffix(r.name, "Baseline")]; ok {
				continue // shown on its benchmark's row
			}
		}
		base := byName[r.pkg+"."+r.name+"Baseline"]
		bns, ballocs, ratio := "", "", ""
		if base != nil {
			bns, ballocs = num(base, "ns/op"), num(base, "allocs/op")
			if b := median(base.metrics["ns/op"]); b > 0 {
				ratio = fmt.Sprintf("%.2f×", median(r.metrics["ns/op"])/b)
			}
		}
		var other []string
		for _, u := range r.order {
			if u != "ns/op" && u != "B/op" && u != "allocs/op" {
				other = append(other, fmt.Sprintf("%s %s", num(r, u), u))
			}
		}
		label := r.name
		if sub := strings.TrimPrefix(strings.TrimPrefix(r.pkg, "github.com/quiltt-go/quiltt"), "/"); sub != "" {
			label = sub + "." + r.name
		}
		fmt.Fprintf(out, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", label,
			num(r, "ns/op"), num(r, "B/op"), num(r, "allocs/op"), bns, ballocs, ratio, strings.Join(other, ", "))
	}
	fmt.Fprintf(out, "\nReproduce with `make bench` (which runs `scripts/bench.sh`).\n")
	return nil
}

func num(r *result, unit string) string {
	v, ok := r.metrics[unit]
	if !ok {
		return ""
	}
	m := median(v)
	if m >= 100 || m == float64(int64(m)) {
		return strconv.FormatFloat(m, 'f', 0, 64)
	}
	return strconv.FormatFloat(m, 'f', 3, 64)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
