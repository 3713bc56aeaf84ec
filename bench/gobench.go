package bench

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// goBenchArgs is the go command the gobench row runs in the module root. It
// is shown, quoted for a shell, in RESULTS.md.
var goBenchArgs = []string{"test", "-run", "^$", "-bench",
	"BenchmarkPubSub|BenchmarkFanout|BenchmarkRouteThroughput|BenchmarkPublishPermissions", "-benchmem", "./server/"}

// goBenchTimeout bounds the gobench row (it takes about a minute on 2 cores).
const goBenchTimeout = 5 * time.Minute

// goBenchHeading starts the section of RESULTS.md that holds the server's Go
// benchmarks; validateHeading the generator check's.
const (
	goBenchHeading  = "## Go benchmarks"
	validateHeading = "## Generator check"
)

// goBenchResult is one run of the Go benchmarks.
type goBenchResult struct {
	Command string   `json:"command"`
	Date    string   `json:"date"`
	Commit  string   `json:"commit"`
	Secs    float64  `json:"secs"`
	Lines   []string `json:"lines"` // goos/goarch/pkg/cpu and Benchmark lines, as printed
}

// goBenchCommand is goBenchArgs as one would type it.
func goBenchCommand() string {
	parts := []string{"go"}
	for _, a := range goBenchArgs {
		if strings.ContainsAny(a, "^$|*? ") {
			a = "'" + a + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// runGoBench runs the Go benchmarks in src. The go command and the test binary
// it starts run in their own process group, which is killed if ctx ends.
func runGoBench(ctx context.Context, src string) (*goBenchResult, error) {
	ctx, cancel := context.WithTimeout(ctx, goBenchTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", goBenchArgs...)
	cmd.Dir = src
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	err := cmd.Run()
	res := &goBenchResult{Command: goBenchCommand(), Date: time.Now().UTC().Format("2006-01-02 15:04 MST"),
		Commit: gitCommit(src), Secs: time.Since(t0).Seconds(), Lines: goBenchLines(out.String())}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: not finished within %v", res.Command, goBenchTimeout)
		}
		return nil, fmt.Errorf("%s: %w: %s", res.Command, err, lastLine(out.Bytes()))
	}
	if !strings.Contains(strings.Join(res.Lines, "\n"), "Benchmark") {
		return nil, fmt.Errorf("%s printed no benchmark results: %s", res.Command, lastLine(out.Bytes()))
	}
	return res, nil
}

// goBenchLines keeps the header and result lines of go test -bench output.
func goBenchLines(out string) []string {
	var keep []string
	for line := range strings.SplitSeq(out, "\n") {
		line = strings.TrimRight(line, " \r")
		for _, p := range []string{"goos:", "goarch:", "pkg:", "cpu:", "Benchmark"} {
			if strings.HasPrefix(line, p) {
				keep = append(keep, line)
				break
			}
		}
	}
	return keep
}

// markdown renders the Go benchmark section, heading included.
func (g *goBenchResult) markdown() string {
	var b strings.Builder
	b.WriteString(goBenchHeading + "\n\n")
	fmt.Fprintf(&b, "- Command, from the repository root: `%s` (took %s)\n", g.Command, (time.Duration(g.Secs * 1e9)).Round(time.Second))
	fmt.Fprintf(&b, "- Run by `evnats-bench compare` on %s, commit %s, %d CPUs (nproc), %s, %s\n", g.Date, g.Commit, runtime.NumCPU(), cpuModel(), runtime.Version())
	b.WriteString("- What they measure: an in-process evnats on loopback driven by test clients in the same process, " +
		"every benchmark of package server that the -bench pattern matches (see each one's doc comment in server/*_test.go). " +
		"Only evnats is measured, so these figures compare evnats with itself across commits, not with nats-server.\n\n")
	b.WriteString("```\n")
	for _, l := range g.Lines {
		b.WriteString(l + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

// runGoBenchRow is the gobench row of compare.
func (cmp *comparer) runGoBenchRow(ctx context.Context, r row) *rowResult {
	res := &rowResult{row: r, Cells: []*cell{{Target: "go test"}}}
	g, err := runGoBench(ctx, cmp.src)
	if err != nil {
		res.Cells[0].Err = err.Error()
		return res
	}
	res.GoBench = g
	return res
}

// runValidateRow is the validate row of compare: this generator against nats
// bench, both against one nats-server.
func (cmp *comparer) runValidateRow(ctx context.Context, r row) *rowResult {
	res := &rowResult{row: r, Cells: []*cell{{Target: "nats bench and evnats-bench"}}}
	cli := cmp.natsCLI
	if cli == "" {
		var err error
		if cli, err = installTool(ctx, NATSCLIModule, "nats", NATSCLIVersion, cmp.log); err != nil {
			res.Cells[0].Err = err.Error()
			return res
		}
	}
	v, err := runValidate(ctx, validateOpts{natsBin: cmp.natsBin, cliBin: cli, msgs: cmp.validateMsgs, rounds: cmp.rounds})
	if err != nil {
		res.Cells[0].Err = err.Error()
		return res
	}
	res.Validate = v
	return res
}

// section returns the part of md that starts with heading (at the start of a
// line) and runs to the next "## " heading or the end, or "".
func section(md, heading string) string {
	i := strings.Index(md, "\n"+heading)
	if i < 0 {
		return ""
	}
	rest := md[i+1:]
	if j := strings.Index(rest[len(heading):], "\n## "); j >= 0 {
		rest = rest[:len(heading)+j+1]
	}
	return strings.TrimRight(rest, "\n") + "\n"
}
