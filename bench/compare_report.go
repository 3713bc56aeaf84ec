package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// stat is the median and range of one quantity over a cell's samples.
type stat struct {
	med, lo, hi float64
	n           int
}

func statOf(ss []sample, f func(sample) float64) stat {
	if len(ss) == 0 {
		return stat{}
	}
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return stat{med: m, lo: v[0], hi: v[len(v)-1], n: len(v)}
}

// notes collects footnotes for failed cells.
type notes struct{ list []string }

func (n *notes) add(text string) string {
	n.list = append(n.list, text)
	return "[" + strconv.Itoa(len(n.list)) + "]"
}

// fmtStat renders "1.02M (0.95M-1.10M)"; format renders one value.
func fmtStat(s stat, format func(float64) string) string {
	if s.n == 0 {
		return "-"
	}
	if s.n == 1 || format(s.lo) == format(s.hi) {
		return format(s.med)
	}
	return format(s.med) + " (" + format(s.lo) + "–" + format(s.hi) + ")"
}

func ns(v float64) string    { return strconv.FormatFloat(v, 'f', 0, 64) }
func cores(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
func kb(v float64) string    { return strconv.FormatFloat(v/1024, 'f', 1, 64) + " KB" }

// cellOrNote renders a cell's stat, or a footnote mark when it failed.
func cellOrNote(c *cell, r *rowResult, n *notes, f func(sample) float64, format func(float64) string) string {
	if c.Err != "" && len(c.Samples) == 0 {
		return "failed " + n.add(c.Target+", "+r.Title+": "+oneLine(c.Err))
	}
	return fmtStat(statOf(c.Samples, f), format)
}

func rate(s sample) float64      { return s.Rate }
func cpuPerMsg(s sample) float64 { return s.CPUPerMsgNs }
func srvCores(s sample) float64  { return s.ServerCores }
func genCores(s sample) float64  { return s.GenCores }

// roundsText is "1 round" or "3 rounds".
func roundsText(n int) string { return plural(n, "round") }

// renderMarkdown writes the whole comparison as Markdown. old is the file
// being replaced, if any: its generator check and Go benchmark sections are
// kept when this run did not produce them.
func renderMarkdown(results []*rowResult, cmp *comparer, command string, took time.Duration, old string) string {
	var b strings.Builder
	n := &notes{}
	b.WriteString("# evnats benchmark results\n\n")
	fmt.Fprintf(&b, "- Date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- Commit: %s\n", gitCommit(cmp.src))
	fmt.Fprintf(&b, "- Machine: %d CPUs (nproc), %s, %s/%s, %s\n", runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&b, "- Command: `%s` (took %s)\n", strings.TrimSpace(command), took.Round(time.Second))
	each := "each figure is the median of " + roundsText(cmp.rounds) + " (range in parentheses)"
	if cmp.rounds == 1 {
		each = "each figure comes from a single round"
	}
	fmt.Fprintf(&b, "- Method: %s; in every round each server gets one %v measurement, "+
		"in alternation (A B A B). Load from evnats-bench's own raw-protocol generator, flow-controlled (PING per 64 KiB batch, bounded lead over subscribers). "+
		"Throughput is delivered messages per second (published for `pub`, requests for request/reply). "+
		"Server CPU is utime+stime from /proc/PID/stat over the measured interval, divided by delivered messages (by requests for request/reply, "+
		"each a request and a reply through the server); cores are CPU seconds per wall second of that interval.\n\n",
		each, cmp.duration)

	var main, lat, hs, storm []*rowResult
	var idle, sweep, validate, goBench *rowResult
	for _, r := range results {
		switch r.kind {
		case kindIdle:
			idle = r
		case kindSweep:
			sweep = r
		case kindHandshake:
			hs = append(hs, r)
		case kindStorm:
			storm = append(storm, r)
		case kindValidate:
			validate = r
		case kindGoBench:
			goBench = r
		default:
			main = append(main, r)
			if r.cfg.Scenario == ScenarioReqRep {
				lat = append(lat, r)
			}
		}
	}
	var ratios, cpuRatios []float64
	var maxGen float64
	if len(main) > 0 {
		b.WriteString("## Throughput\n\n")
		b.WriteString("| scenario | nats-server msgs/s | evnats msgs/s | evnats / nats-server | server CPU ns/msg: nats-server | evnats | server cores: nats-server | evnats | generator cores: nats-server | evnats | lost / slow consumers: nats-server | evnats |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range main {
			if len(r.Cells) < 2 {
				fmt.Fprintf(&b, "| %s | %s | | | | | | | | | | |\n", r.Title, "not run "+n.add(r.Title+": "+r.Cells[0].Err))
				continue
			}
			a, e := r.Cells[0], r.Cells[1]
			ratio := "-"
			if sa, se := statOf(a.Samples, rate), statOf(e.Samples, rate); sa.n > 0 && se.n > 0 && sa.med > 0 {
				ratio = strconv.FormatFloat(se.med/sa.med, 'f', 2, 64) + "x"
				ratios = append(ratios, se.med/sa.med)
				if ce := statOf(e.Samples, cpuPerMsg); ce.med > 0 {
					cpuRatios = append(cpuRatios, statOf(a.Samples, cpuPerMsg).med/ce.med)
				}
			}
			for _, c := range r.Cells {
				maxGen = max(maxGen, statOf(c.Samples, genCores).hi)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Title,
				cellOrNote(a, r, n, rate, siText), cellOrNote(e, r, n, rate, siText), ratio,
				fmtStat(statOf(a.Samples, cpuPerMsg), ns), fmtStat(statOf(e.Samples, cpuPerMsg), ns),
				fmtStat(statOf(a.Samples, srvCores), cores), fmtStat(statOf(e.Samples, srvCores), cores),
				fmtStat(statOf(a.Samples, genCores), cores), fmtStat(statOf(e.Samples, genCores), cores),
				lossText(a), lossText(e))
		}
		b.WriteString("\n")
	}
	if len(lat) > 0 {
		b.WriteString("## Request/reply latency (one request in flight)\n\n| scenario | server | p50 us | p99 us |\n|---|---|---|---|\n")
		for _, r := range lat {
			for _, c := range r.Cells {
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.Title, c.Target,
					cellOrNote(c, r, n, func(s sample) float64 { return s.P50 }, usText),
					fmtStat(statOf(c.Samples, func(s sample) float64 { return s.P99 }), usText))
			}
		}
		b.WriteString("\n")
	}
	for _, r := range hs {
		renderHandshakes(&b, r, cmp, n)
	}
	for _, r := range storm {
		renderStorm(&b, r, cmp, n)
	}
	if idle != nil {
		fmt.Fprintf(&b, "## Memory per idle connection (%d connections, each CONNECT + PING/PONG; fresh server per round)\n\n", cmp.idleConns)
		b.WriteString("| server | RSS growth per connection | RSS before | RSS with connections |\n|---|---|---|---|\n")
		for _, c := range idle.Cells {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Target,
				cellOrNote(c, idle, n, idleField(func(r *idleResult) int64 { return r.BytesPerCon }), kb),
				fmtStat(statOf(c.Samples, idleField(func(r *idleResult) int64 { return r.BaseRSS })), mb),
				fmtStat(statOf(c.Samples, idleField(func(r *idleResult) int64 { return r.LoadedRSS })), mb))
		}
		b.WriteString("\n")
	}
	if sweep != nil {
		base := baseline(main, "fan100")
		b.WriteString("## evnats event loops, 1->100 fan-out 128 B\n\n")
		b.WriteString("| setup | delivered msgs/s | vs nats-server 1->100 median | server CPU ns/msg | server cores | generator cores |\n|---|---|---|---|---|---|\n")
		for _, c := range sweep.Cells {
			s := statOf(c.Samples, rate)
			vs := "-"
			if base > 0 && s.n > 0 {
				vs = strconv.FormatFloat(s.med/base, 'f', 2, 64) + "x"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", c.Target, cellOrNote(c, sweep, n, rate, siText), vs,
				fmtStat(statOf(c.Samples, cpuPerMsg), ns), fmtStat(statOf(c.Samples, srvCores), cores),
				fmtStat(statOf(c.Samples, genCores), cores))
		}
		b.WriteString("\n")
	}
	b.WriteString("## What the numbers mean\n\n")
	b.WriteString(meaning(ratios, cpuRatios, maxGen))
	b.WriteString("\n")
	switch {
	case validate != nil && validate.Validate != nil:
		fmt.Fprintf(&b, "%s: nats bench (natscli %s) against evnats-bench\n\n", validateHeading, NATSCLIVersion)
		fmt.Fprintf(&b, "The `validate` row of the command above; alone: `go run ./cmd/evnats-bench validate --rounds %d --msgs %d`.\n\n", cmp.rounds, cmp.validateMsgs)
		b.WriteString(validate.Validate.markdown())
		b.WriteString("\n")
	case validate != nil:
		fmt.Fprintf(&b, "%s: nats bench (natscli %s) against evnats-bench\n\nfailed %s\n\n", validateHeading, NATSCLIVersion,
			n.add(validate.Title+": "+oneLine(validate.Cells[0].Err)))
	case section(old, validateHeading) != "":
		b.WriteString(section(old, validateHeading) + "\n")
	}
	switch {
	case goBench != nil && goBench.GoBench != nil:
		b.WriteString(goBench.GoBench.markdown() + "\n")
	case goBench != nil:
		fmt.Fprintf(&b, "%s\n\nfailed %s\n\n", goBenchHeading, n.add(goBench.Title+": "+oneLine(goBench.Cells[0].Err)))
	case section(old, goBenchHeading) != "":
		b.WriteString(section(old, goBenchHeading) + "\n")
	}
	if len(n.list) > 0 {
		b.WriteString("## Notes\n\n")
		for i, t := range n.list {
			fmt.Fprintf(&b, "%d. %s\n", i+1, t)
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func mb(v float64) string { return strconv.FormatFloat(v/(1<<20), 'f', 1, 64) + " MB" }

func idleField(f func(*idleResult) int64) func(sample) float64 {
	return func(s sample) float64 {
		if s.Idle == nil {
			return 0
		}
		return float64(f(s.Idle))
	}
}

func lossText(c *cell) string {
	if len(c.Samples) == 0 {
		return "-"
	}
	var lost int64
	slow := 0
	for _, s := range c.Samples {
		lost += s.Lost
		slow += s.Slow
	}
	return strconv.FormatInt(lost, 10) + " / " + strconv.Itoa(slow)
}

// baseline is nats-server's median rate in the row with the given id, or 0.
func baseline(rows []*rowResult, id string) float64 {
	for _, r := range rows {
		if r.ID == id && len(r.Cells) > 0 {
			return statOf(r.Cells[0].Samples, rate).med
		}
	}
	return 0
}

// meaning is the closing paragraph: what the ratios do and do not show.
func meaning(ratios, cpuRatios []float64, maxGen float64) string {
	var b strings.Builder
	if len(ratios) > 0 {
		lo, hi := slices.Min(ratios), slices.Max(ratios)
		fmt.Fprintf(&b, "Across the throughput rows evnats delivered %.2fx to %.2fx the messages per second of nats-server", lo, hi)
		if len(cpuRatios) > 0 {
			fmt.Fprintf(&b, ", and nats-server spent %.2fx to %.2fx the CPU per delivered message that evnats did",
				slices.Min(cpuRatios), slices.Max(cpuRatios))
		}
		b.WriteString(". ")
	}
	b.WriteString("On a shared 2-core machine identical servers differ by up to about 30% from run to run, " +
		"so throughput ratios within 0.77x-1.3x are not evidence of a difference unless every round agrees; " +
		"the host also slows the virtual CPUs themselves, so CPU per message moves with throughput. ")
	if maxGen > 0 {
		fmt.Fprintf(&b, "The load generator used up to %.2f cores: where generator and server together approach the machine's %d cores, "+
			"throughput is capped by the machine and understates the servers' difference, which CPU per message then shows better.",
			maxGen, runtime.NumCPU())
	}
	return strings.TrimRight(b.String(), " ") + "\n"
}

// gitCommit describes the checkout at src.
func gitCommit(src string) string {
	out, err := exec.Command("git", "-C", src, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "none (no commit yet)"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", src, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
		c += " with uncommitted changes"
	}
	return c
}

func writeJSONResults(w io.Writer, results []*rowResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(results)
}
