package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// childEnv, set in the environment of a child evnats-bench, makes a test
// binary behave as evnats-bench (see TestMain); the real binary ignores it.
const childEnv = "EVNATS_BENCH_MAIN"

// validateCase is one workload run by both generators against one nats-server.
type validateCase struct {
	title string
	size  int
	subs  int
}

var validateCases = []validateCase{
	{title: "pubsub 1:1 16 B", size: 16, subs: 1},
	{title: "fanout 1->10 128 B", size: 128, subs: 10},
}

// genResult is what one generator measured in one round. Both generators run
// as child processes: GenCPU is their whole processes' user+system time
// (start-up and connecting included), and ServerCPU and Wall span from the
// first process's start to the last one's exit.
type genResult struct {
	PubRate   float64 `json:"pub_msgs_per_sec"`
	SubRate   float64 `json:"sub_msgs_per_sec"`
	GenCPU    float64 `json:"generator_cpu_secs"`
	ServerCPU float64 `json:"server_cpu_secs"`
	Wall      float64 `json:"wall_secs"`
}

// validateCaseResult holds every round of one case.
type validateCaseResult struct {
	Title     string      `json:"title"`
	Size      int         `json:"size"`
	Subs      int         `json:"subs"`
	NATSBench []genResult `json:"nats_bench"`
	Ours      []genResult `json:"evnats_bench"`
}

// validateResult is the outcome of a validate run.
type validateResult struct {
	Msgs   int64                 `json:"msgs"`
	Rounds int                   `json:"rounds"`
	Cases  []*validateCaseResult `json:"cases"`
}

// validateOpts configures runValidate.
type validateOpts struct {
	natsBin, cliBin string
	self            string // this program, run as the second generator (default os.Executable)
	msgs            int64
	rounds          int
}

func validateMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("evnats-bench validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o validateOpts
	fs.Int64Var(&o.msgs, "msgs", 1_000_000, "messages per run")
	fs.IntVar(&o.rounds, "rounds", 3, "alternating rounds per case")
	fs.StringVar(&o.natsBin, "nats-server", "", "nats-server binary (default: "+NATSServerVersion+" from the cache, from ./.cache/bin, or installed into the cache)")
	fs.StringVar(&o.cliBin, "nats", "", "natscli binary (default: install "+NATSCLIVersion+" into the cache)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if o.msgs < 1 || o.rounds < 1 {
		return usageError{errors.New("--msgs and --rounds must be positive")}
	}
	log := func(s string) { fmt.Fprintln(stderr, s) }
	var err error
	if o.natsBin == "" {
		if o.natsBin, err = findNATSServer(ctx, ".", log); err != nil {
			return err
		}
	}
	if o.cliBin == "" {
		if o.cliBin, err = installTool(ctx, NATSCLIModule, "nats", NATSCLIVersion, log); err != nil {
			return err
		}
	}
	res, err := runValidate(ctx, o)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, res.markdown())
	return err
}

// runValidate runs every case o.rounds times with each generator, nats bench
// first, against one nats-server.
func runValidate(ctx context.Context, o validateOpts) (*validateResult, error) {
	if o.self == "" {
		var err error
		if o.self, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("finding evnats-bench itself: %w", err)
		}
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, "nats-server", o.natsBin, "-m", strconv.Itoa(httpPort))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	v := &validator{srv: srv, cli: o.cliBin, self: o.self, httpPort: httpPort, msgs: o.msgs}
	res := &validateResult{Msgs: o.msgs, Rounds: o.rounds}
	for _, vc := range validateCases {
		cr := &validateCaseResult{Title: vc.title, Size: vc.size, Subs: vc.subs}
		res.Cases = append(res.Cases, cr)
		for range o.rounds {
			t, err := v.natsBench(ctx, vc)
			if err != nil {
				return nil, fmt.Errorf("%s, nats bench: %w", vc.title, err)
			}
			u, err := v.ours(ctx, vc)
			if err != nil {
				return nil, fmt.Errorf("%s, evnats-bench: %w", vc.title, err)
			}
			cr.NATSBench, cr.Ours = append(cr.NATSBench, t), append(cr.Ours, u)
		}
	}
	return res, nil
}

// genSummary is one generator's medians in one case.
type genSummary struct {
	name                  string
	pubRate, subRate      float64
	genNs, genCores       float64 // generator CPU per delivered message, cores
	serverNs, serverCores float64
}

func summarize(name string, rs []genResult, delivered float64) genSummary {
	med := func(f func(genResult) float64) float64 {
		ss := make([]sample, len(rs))
		for i, r := range rs {
			ss[i] = sample{Rate: f(r)}
		}
		return statOf(ss, rate).med
	}
	return genSummary{name: name,
		pubRate:     med(func(r genResult) float64 { return r.PubRate }),
		subRate:     med(func(r genResult) float64 { return r.SubRate }),
		genNs:       med(func(r genResult) float64 { return r.GenCPU * 1e9 / delivered }),
		genCores:    med(func(r genResult) float64 { return r.GenCPU / max(r.Wall, 1e-9) }),
		serverNs:    med(func(r genResult) float64 { return r.ServerCPU * 1e9 / delivered }),
		serverCores: med(func(r genResult) float64 { return r.ServerCPU / max(r.Wall, 1e-9) }),
	}
}

// markdown renders the result as a table, one verdict per case, and how the
// figures were taken.
func (vr *validateResult) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nats bench (natscli %s) and evnats-bench against one nats-server %s, %s messages per run, %s each, medians:\n\n",
		NATSCLIVersion, NATSServerVersion, group(float64(vr.Msgs)), roundsText(vr.Rounds))
	b.WriteString("| case | generator | pub msgs/s | sub msgs/s (aggregate) | generator CPU ns/msg | generator cores | server CPU ns/msg | server cores |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	var verdicts []string
	for _, c := range vr.Cases {
		delivered := float64(vr.Msgs * int64(c.Subs))
		theirs, ours := summarize("nats bench", c.NATSBench, delivered), summarize("evnats-bench", c.Ours, delivered)
		for _, g := range []genSummary{theirs, ours} {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Title, g.name, siText(g.pubRate), siText(g.subRate),
				ns(g.genNs), cores(g.genCores), ns(g.serverNs), cores(g.serverCores))
		}
		x := func(a, b float64) string {
			if b == 0 {
				return "-"
			}
			return strconv.FormatFloat(a/b, 'f', 2, 64) + "x"
		}
		fmt.Fprintf(&b, "| %s | evnats-bench / nats bench | %s | %s | %s | %s | %s | %s |\n", c.Title,
			x(ours.pubRate, theirs.pubRate), x(ours.subRate, theirs.subRate), x(ours.genNs, theirs.genNs),
			x(ours.genCores, theirs.genCores), x(ours.serverNs, theirs.serverNs), x(ours.serverCores, theirs.serverCores))
		verdicts = append(verdicts, validateVerdict(c.Title, theirs, ours, runtime.NumCPU()))
	}
	b.WriteString("\n")
	for _, v := range verdicts {
		b.WriteString(v + "\n")
	}
	b.WriteString("\nBoth generators run as child processes, one after the other against the same nats-server, and are measured the same way: " +
		"generator CPU is the whole processes' user+system time from getrusage (start-up, connecting and exit included, for both), " +
		"divided by the messages delivered; server CPU (/proc/PID/stat) and the wall time behind the cores figures span from the first " +
		"process's start to the last one's exit. Rates are each tool's own: `nats bench pub` counts messages as its client library accepts them " +
		"(they may still be buffered), evnats-bench counts them once the server has answered the PING after them and keeps its publisher within a " +
		"bounded lead of the subscribers, so compare the subscriber (delivered) rates. Delivered rates that differ by more than 20% are explained " +
		"above from each generator's CPU per message and the cores in use, or marked as a mismatch.\n")
	return b.String()
}

// validateVerdict says whether the generators agree on the delivered rate
// within 20%, and if not, whether the difference is explained: the slower
// run's generator cost more CPU per message while generator and server kept
// the machine's cores busy, so that generator was the limit.
func validateVerdict(title string, theirs, ours genSummary, ncpu int) string {
	within := func(x float64) bool { return x <= 1.2 && x >= 1/1.2 }
	if theirs.subRate <= 0 || ours.subRate <= 0 {
		return fmt.Sprintf("- %s: MISMATCH: a generator reported no delivered rate.", title)
	}
	r := ours.subRate / theirs.subRate
	if within(r) {
		return fmt.Sprintf("- %s: delivered rates agree within 20%% (%.2fx).", title, r)
	}
	slow, fast := ours, theirs
	if r > 1 {
		slow, fast = theirs, ours
	}
	busy := slow.genCores + slow.serverCores
	genRatio := slow.genNs / max(fast.genNs, 1e-9)
	srvRatio := slow.serverNs / max(fast.serverNs, 1e-9)
	if genRatio > 1.2 && busy >= 0.75*float64(ncpu) {
		return fmt.Sprintf("- %s: delivered rates differ (evnats-bench %.2fx nats bench): the generator was the limit. "+
			"%s spent %s ns of its own CPU per delivered message, %.2fx what %s spent, and with the server it kept %.2f of the machine's %d cores busy, "+
			"so the costlier generator left the server less CPU. The server's CPU per message was %s ns against %s ns (%.2fx).",
			title, r, slow.name, ns(slow.genNs), genRatio, fast.name, busy, ncpu, ns(slow.serverNs), ns(fast.serverNs), srvRatio)
	}
	return fmt.Sprintf("- %s: MISMATCH: delivered rates differ (evnats-bench %.2fx nats bench) and generator CPU does not explain it: "+
		"%s spent %s ns of its own CPU per message (%.2fx %s's), generator and server used %.2f of %d cores, server CPU per message %.2fx.",
		title, r, slow.name, ns(slow.genNs), genRatio, fast.name, busy, ncpu, srvRatio)
}

type validator struct {
	srv      *serverProc
	cli      string
	self     string
	httpPort int
	msgs     int64
}

// natsRate matches nats bench's summary lines, e.g.
// "NATS Core NATS publisher stats: 1,270,754 msgs/sec ~ 19 MiB/sec ~ ..." or
// " NATS Core NATS subscriber aggregated stats: 2,135,273 msgs/sec ~ ...".
var natsRate = regexp.MustCompile(`(publisher|subscriber)(?: aggregated)? stats: ([0-9,]+) msgs/sec`)

// natsBench runs `nats bench sub` with vc.subs clients, waits until the server
// counts their subscriptions, then runs `nats bench pub`.
func (v *validator) natsBench(ctx context.Context, vc validateCase) (genResult, error) {
	base, err := v.subscriptions()
	if err != nil {
		return genResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	common := []string{"-s", v.srv.url, "--no-progress", "--msgs", strconv.FormatInt(v.msgs, 10),
		"--size", strconv.Itoa(vc.size)}
	var subOut bytes.Buffer
	sub := exec.CommandContext(ctx, v.cli, append([]string{"bench", "sub", "validate", "--clients", strconv.Itoa(vc.subs)}, common...)...)
	sub.Stdout, sub.Stderr = &subOut, &subOut
	cpu0, t0 := v.srv.cpu(), time.Now()
	if err := sub.Start(); err != nil {
		return genResult{}, err
	}
	subDone := make(chan error, 1)
	go func() { subDone <- sub.Wait() }()
	for {
		n, err := v.subscriptions()
		if err != nil {
			return genResult{}, err
		}
		if n >= base+vc.subs {
			break
		}
		select {
		case err := <-subDone:
			return genResult{}, fmt.Errorf("nats bench sub exited early (%v): %s", err, lastLine(subOut.Bytes()))
		case <-ctx.Done():
			return genResult{}, errors.New("nats bench sub did not subscribe in time")
		case <-time.After(20 * time.Millisecond):
		}
	}
	pub := exec.CommandContext(ctx, v.cli, append([]string{"bench", "pub", "validate"}, common...)...)
	pubOut, err := pub.CombinedOutput()
	if err != nil {
		return genResult{}, fmt.Errorf("nats bench pub: %w: %s", err, lastLine(pubOut))
	}
	if err := <-subDone; err != nil {
		return genResult{}, fmt.Errorf("nats bench sub: %w: %s", err, lastLine(subOut.Bytes()))
	}
	r := genResult{ServerCPU: (v.srv.cpu() - cpu0).Seconds(), Wall: time.Since(t0).Seconds(),
		GenCPU: (childCPU(pub) + childCPU(sub)).Seconds()}
	for _, m := range natsRate.FindAllStringSubmatch(string(pubOut)+subOut.String(), -1) {
		n, _ := strconv.ParseFloat(strings.ReplaceAll(m[2], ",", ""), 64)
		if m[1] == "publisher" {
			r.PubRate = n
		} else {
			r.SubRate = n
		}
	}
	if r.PubRate == 0 || r.SubRate == 0 {
		return genResult{}, fmt.Errorf("could not read rates from nats bench output: %s / %s", lastLine(pubOut), lastLine(subOut.Bytes()))
	}
	return r, nil
}

// childCPU is the user+system time of a finished child process.
func childCPU(c *exec.Cmd) time.Duration {
	if c.ProcessState == nil {
		return 0
	}
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return c.ProcessState.UserTime() + c.ProcessState.SystemTime()
}

// ours runs the same workload with this program as a child process
// (`evnats-bench fanout --json`), measured as natsBench measures nats bench.
func (v *validator) ours(ctx context.Context, vc validateCase) (genResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, v.self, "fanout", "-s", v.srv.url, "--subject", "validate",
		"--msgs", strconv.FormatInt(v.msgs, 10), "--size", strconv.Itoa(vc.size), "--subs", strconv.Itoa(vc.subs),
		"--json", "--no-progress", "--timeout", "100s")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cpu0, t0 := v.srv.cpu(), time.Now()
	if err := cmd.Run(); err != nil {
		return genResult{}, fmt.Errorf("%w: %s", err, lastLine(stderr.Bytes()))
	}
	r := genResult{ServerCPU: (v.srv.cpu() - cpu0).Seconds(), Wall: time.Since(t0).Seconds(), GenCPU: childCPU(cmd).Seconds()}
	var rep Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return genResult{}, fmt.Errorf("reading its --json report: %w", err)
	}
	if rep.Lost > 0 || len(rep.Roles) < 2 {
		return genResult{}, fmt.Errorf("%d messages lost", rep.Lost)
	}
	r.PubRate, r.SubRate = rep.Roles[0].MsgsPerSec, rep.Roles[1].MsgsPerSec
	return r, nil
}

// subscriptions reads the subscription count from nats-server's /varz.
func (v *validator) subscriptions() (int, error) {
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(v.httpPort) + "/varz")
	if err != nil {
		return 0, fmt.Errorf("reading /varz: %w", err)
	}
	defer resp.Body.Close()
	var varz struct {
		Subscriptions int `json:"subscriptions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&varz); err != nil {
		return 0, fmt.Errorf("decoding /varz: %w", err)
	}
	return varz.Subscriptions, nil
}
