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
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

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

// genResult is what one generator measured in one round.
type genResult struct {
	pubRate, subRate float64 // publisher msgs/s, subscribers' aggregate msgs/s
	genCPU           time.Duration
	serverCPU        time.Duration
}

func validateMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("evnats-bench validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var msgs int64
	var rounds int
	var natsBin, cliBin string
	fs.Int64Var(&msgs, "msgs", 1_000_000, "messages per run")
	fs.IntVar(&rounds, "rounds", 3, "alternating rounds per case")
	fs.StringVar(&natsBin, "nats-server", "", "nats-server binary (default: install "+NATSServerVersion+" into the cache)")
	fs.StringVar(&cliBin, "nats", "", "natscli binary (default: install "+NATSCLIVersion+" into the cache)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if msgs < 1 || rounds < 1 {
		return usageError{errors.New("--msgs and --rounds must be positive")}
	}
	log := func(s string) { fmt.Fprintln(stderr, s) }
	var err error
	if natsBin == "" {
		if natsBin, err = installTool(ctx, NATSServerModule, "nats-server", NATSServerVersion, log); err != nil {
			return err
		}
	}
	if cliBin == "" {
		if cliBin, err = installTool(ctx, NATSCLIModule, "nats", NATSCLIVersion, log); err != nil {
			return err
		}
	}
	httpPort, err := freePort()
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, "nats-server", natsBin, "-m", strconv.Itoa(httpPort))
	if err != nil {
		return err
	}
	defer srv.stop()
	v := &validator{srv: srv, cli: cliBin, httpPort: httpPort, msgs: msgs}
	fmt.Fprintf(stdout, "nats bench (natscli %s) and evnats-bench against nats-server %s, %d msgs per run, %d rounds, medians:\n\n",
		NATSCLIVersion, NATSServerVersion, msgs, rounds)
	fmt.Fprintln(stdout, "| case | generator | pub msgs/s | sub msgs/s (aggregate) | generator CPU ns/msg | server CPU ns/msg |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|")
	var verdicts []string
	for _, vc := range validateCases {
		var theirs, ours []genResult
		for range rounds {
			t, err := v.natsBench(ctx, vc)
			if err != nil {
				return fmt.Errorf("%s, nats bench: %w", vc.title, err)
			}
			o, err := v.ours(ctx, vc)
			if err != nil {
				return fmt.Errorf("%s, evnats-bench: %w", vc.title, err)
			}
			theirs, ours = append(theirs, t), append(ours, o)
		}
		delivered := float64(msgs * int64(vc.subs))
		for _, g := range []struct {
			name string
			rs   []genResult
		}{{"nats bench", theirs}, {"evnats-bench", ours}} {
			fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s | %s |\n", vc.title, g.name,
				siText(medianOf(g.rs, func(r genResult) float64 { return r.pubRate })),
				siText(medianOf(g.rs, func(r genResult) float64 { return r.subRate })),
				ns(medianOf(g.rs, func(r genResult) float64 { return float64(r.genCPU) / delivered })),
				ns(medianOf(g.rs, func(r genResult) float64 { return float64(r.serverCPU) / delivered })))
		}
		med := func(rs []genResult, f func(genResult) float64) float64 { return medianOf(rs, f) }
		subRate := func(r genResult) float64 { return r.subRate }
		srvCPU := func(r genResult) float64 { return float64(r.serverCPU) }
		genCPU := func(r genResult) float64 { return float64(r.genCPU) }
		rate, cpu := med(ours, subRate)/med(theirs, subRate), med(ours, srvCPU)/med(theirs, srvCPU)
		fmt.Fprintf(stdout, "| %s | evnats-bench / nats bench | %.2fx | %.2fx | %.2fx | %.2fx |\n", vc.title,
			med(ours, func(r genResult) float64 { return r.pubRate })/med(theirs, func(r genResult) float64 { return r.pubRate }),
			rate, med(ours, genCPU)/med(theirs, genCPU), cpu)
		verdicts = append(verdicts, validateVerdict(vc.title, rate, cpu))
	}
	fmt.Fprintln(stdout)
	for _, v := range verdicts {
		fmt.Fprintln(stdout, v)
	}
	return nil
}

// validateVerdict says whether the generators agree: on throughput within 20%,
// or else on the server's CPU per message, which shows the server did the same
// work and the throughput gap is the generators' own cost.
func validateVerdict(title string, rate, cpu float64) string {
	within := func(x float64) bool { return x <= 1.2 && x >= 1/1.2 }
	switch {
	case within(rate):
		return fmt.Sprintf("- %s: delivered rates agree within 20%% (%.2fx).", title, rate)
	case within(cpu):
		return fmt.Sprintf("- %s: delivered rates differ by %.2fx, but the server's CPU per message agrees within 20%% (%.2fx): "+
			"the server did the same work, and the gap is what each generator costs on the shared cores.", title, rate, cpu)
	}
	return fmt.Sprintf("- %s: MISMATCH: delivered rates differ by %.2fx and server CPU per message by %.2fx.", title, rate, cpu)
}

func medianOf(rs []genResult, f func(genResult) float64) float64 {
	ss := make([]sample, len(rs))
	for i, r := range rs {
		ss[i] = sample{Rate: f(r)}
	}
	return statOf(ss, rate).med
}

type validator struct {
	srv      *serverProc
	cli      string
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
	cpu0 := v.srv.cpu()
	pub := exec.CommandContext(ctx, v.cli, append([]string{"bench", "pub", "validate"}, common...)...)
	pubOut, err := pub.CombinedOutput()
	if err != nil {
		return genResult{}, fmt.Errorf("nats bench pub: %w: %s", err, lastLine(pubOut))
	}
	if err := <-subDone; err != nil {
		return genResult{}, fmt.Errorf("nats bench sub: %w: %s", err, lastLine(subOut.Bytes()))
	}
	r := genResult{serverCPU: v.srv.cpu() - cpu0, genCPU: childCPU(pub) + childCPU(sub)}
	for _, m := range natsRate.FindAllStringSubmatch(string(pubOut)+string(subOut.Bytes()), -1) {
		n, _ := strconv.ParseFloat(strings.ReplaceAll(m[2], ",", ""), 64)
		if m[1] == "publisher" {
			r.pubRate = n
		} else {
			r.subRate = n
		}
	}
	if r.pubRate == 0 || r.subRate == 0 {
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

// ours runs the same workload with this package's generator.
func (v *validator) ours(ctx context.Context, vc validateCase) (genResult, error) {
	cfg := &Config{Scenario: ScenarioFanout, URLs: []string{v.srv.url}, Subject: "validate",
		Msgs: v.msgs, Size: vc.size, Pubs: 1, Subs: vc.subs, Timeout: 2 * time.Minute}
	var cpu0, cpu1 time.Duration
	cfg.OnStart = func() { cpu0 = v.srv.cpu() }
	cfg.OnStop = func() { cpu1 = v.srv.cpu() }
	rep, err := Run(ctx, cfg)
	if err != nil {
		return genResult{}, err
	}
	if rep.Lost > 0 {
		return genResult{}, fmt.Errorf("%d messages lost", rep.Lost)
	}
	return genResult{
		pubRate:   rep.Roles[0].MsgsPerSec,
		subRate:   rep.Roles[1].MsgsPerSec,
		genCPU:    time.Duration(rep.GeneratorCPUSecs * 1e9),
		serverCPU: cpu1 - cpu0,
	}, nil
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
