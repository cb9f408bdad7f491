// Command benchreport turns `go test -bench -benchmem` output (on stdin) into
// the Markdown tables of BENCHMARKS.md (on stdout). A benchmark named
// BenchmarkXBaseline is the baseline of BenchmarkX (the same work by hand):
// the report gives the ratio of their median ns/op. A benchmark named
// BenchmarkXVsLib is another library, Lib, doing BenchmarkX's job on input
// of the same size: the report gives that ratio in a second table. A
// benchmark that measures its baseline itself, call by call beside its own
// (interleaved, so that the machine's load of the moment weighs on both
// alike), reports it as the metrics baseline-ns/op and baseline-allocs/op:
// its ratio is that of each run's ns/op to the same run's baseline-ns/op,
// the median over the runs. Ratios
// the project has set a target for show it, and whether it is met. Other
// metrics a benchmark reports (with b.ReportMetric) are listed beside it.
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

// targets are the ratios the project has committed to, by the package and
// name of the benchmark that is compared (BenchmarkX for its baseline,
// BenchmarkXVsLib for another library): the ratio must not exceed them.
var targets = map[string]float64{
	// Issue 13: the webhook path within 1.5× of the hand-written floor
	// (HMAC + json.Unmarshal) and under 0.75× of stripe-go's ConstructEvent.
	"github.com/quiltt-go/quiltt.BenchmarkVerifyAndParseWebhook":                                  1.5,
	"github.com/quiltt-go/quiltt/internal/benchcmp/stripe.BenchmarkVerifyAndParseWebhookVsStripe": 0.75,
	// Issue 18: Accounts through genqlient's client over the pipeline, with
	// the answer check, within 1.1× of a hand-written request and decode.
	"github.com/quiltt-go/quiltt.BenchmarkAccounts": 1.1,
	// Issue 20: Accounts observed by otelquiltt on OpenTelemetry's no-op
	// providers within 1.05× of no observer, on its SDK recording within 1.3×.
	"github.com/quiltt-go/quiltt/otelquiltt.BenchmarkAccountsObserved/noop": 1.05,
	"github.com/quiltt-go/quiltt/otelquiltt.BenchmarkAccountsObserved/sdk":  1.3,
}

// The metrics of a baseline measured within the benchmark's own runs.
const (
	inRunBaselineNs     = "baseline-ns/op"
	inRunBaselineAllocs = "baseline-allocs/op"
)

// vsName matches the name of a benchmark of another library: BenchmarkXVsLib.
var vsName = regexp.MustCompile(`^(Benchmark\w+?)Vs([A-Z]\w*)$`)

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
	fmt.Fprintf(out, "A ratio compares a benchmark with its baseline, which does the same work by hand in the same process (lower is better; 1.00 is parity): the median of the ratios of the runs made side by side.\n\n")
	// vs[X] lists the benchmarks of other libraries compared with X.
	vs := map[string][]*result{}
	for _, r := range results {
		if m := vsName.FindStringSubmatch(r.name); m != nil && byName[r.pkg+"."+m[1]] != nil {
			vs[r.pkg+"."+m[1]] = append(vs[r.pkg+"."+m[1]], r)
		}
	}
	var rows []string
	for _, r := range results {
		key := r.pkg + "." + r.name
		if strings.HasSuffix(r.name, "Baseline") {
			if _, ok := byName[strings.TrimSuffix(key, "Baseline")]; ok {
				continue // shown on its benchmark's row
			}
		}
		if m := vsName.FindStringSubmatch(r.name); m != nil && byName[r.pkg+"."+m[1]] != nil {
			continue // shown in the table of other libraries
		}
		base := byName[key+"Baseline"]
		if base == nil && len(vs[key]) > 0 {
			continue // only compared with other libraries: shown there
		}
		bns, ballocs, ratio, target := "", "", "", ""
		switch {
		case base != nil:
			bns, ballocs = num(base, "ns/op"), num(base, "allocs/op")
			ratio, target = compare(r, base, key)
		case r.metrics[inRunBaselineNs] != nil:
			in := &result{metrics: map[string][]float64{"ns/op": r.metrics[inRunBaselineNs]}}
			bns, ballocs = num(r, inRunBaselineNs), num(r, inRunBaselineAllocs)
			ratio, target = compare(r, in, key)
		}
		rows = append(rows, fmt.Sprintf("| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n", label(r),
			num(r, "ns/op"), num(r, "B/op"), num(r, "allocs/op"), bns, ballocs, ratio, target, others(r)))
	}
	if len(rows) > 0 {
		fmt.Fprintf(out, "| benchmark | ns/op | B/op | allocs/op | baseline ns/op | baseline allocs/op | ratio | target | other metrics |\n")
		fmt.Fprintf(out, "|---|---:|---:|---:|---:|---:|---:|---|---|\n")
		for _, row := range rows {
			fmt.Fprint(out, row)
		}
	}
	if len(vs) > 0 {
		fmt.Fprintf(out, "\n## Against other libraries\n\n")
		fmt.Fprintf(out, "Each row compares a benchmark with another library doing the same job on input of the same size, in the same process (lower is better).\n\n")
		fmt.Fprintf(out, "| benchmark | ns/op | B/op | allocs/op | compared with | its ns/op | its B/op | its allocs/op | ratio | target | other metrics |\n")
		fmt.Fprintf(out, "|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|\n")
		for _, r := range results {
			for _, o := range vs[r.pkg+"."+r.name] {
				ratio, target := compare(r, o, o.pkg+"."+o.name)
				fmt.Fprintf(out, "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label(r),
					num(r, "ns/op"), num(r, "B/op"), num(r, "allocs/op"), vsName.FindStringSubmatch(o.name)[2],
					num(o, "ns/op"), num(o, "B/op"), num(o, "allocs/op"), ratio, target, others(r))
			}
		}
	}
	fmt.Fprintf(out, "\nReproduce with `make bench` (which runs `scripts/bench.sh`).\n")
	return nil
}

// compare returns the ratio of r's ns/op to other's, and the target of
// targetKey with whether the ratio meets it ("" when it has none). When both
// ran as often, run i of one is paired with run i of the other (the rounds
// of scripts/bench.sh run them side by side) and the ratio is the median of
// the pairs' ratios, which a change of the machine's load between rounds
// does not skew; otherwise it is the ratio of the medians.
func compare(r, other *result, targetKey string) (ratio, target string) {
	a, b := r.metrics["ns/op"], other.metrics["ns/op"]
	if median(b) <= 0 {
		return "", ""
	}
	x := median(a) / median(b)
	if len(a) == len(b) {
		pairs := make([]float64, len(a))
		for i := range a {
			if b[i] <= 0 {
				return "", ""
			}
			pairs[i] = a[i] / b[i]
		}
		x = median(pairs)
	}
	ratio = fmt.Sprintf("%.2f×", x)
	if t, ok := targets[targetKey]; ok {
		verdict := "met"
		if x > t {
			verdict = "MISSED"
		}
		target = fmt.Sprintf("≤ %.2f×: %s", t, verdict)
	}
	return ratio, target
}

// label names r in the report: its package, when not the root, and name.
func label(r *result) string {
	if sub := strings.TrimPrefix(strings.TrimPrefix(r.pkg, "github.com/quiltt-go/quiltt"), "/"); sub != "" {
		return sub + "." + r.name
	}
	return r.name
}

// others lists r's metrics beyond time and memory.
func others(r *result) string {
	var other []string
	for _, u := range r.order {
		if u != "ns/op" && u != "B/op" && u != "allocs/op" && u != inRunBaselineNs && u != inRunBaselineAllocs {
			other = append(other, fmt.Sprintf("%s %s", num(r, u), u))
		}
	}
	return strings.Join(other, ", ")
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
