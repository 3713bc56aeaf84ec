package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"
)

const usageText = `Usage:
  evnats-bench <scenario> [flags]    run one load scenario against a server
  evnats-bench compare [flags]       nats-server v2.15.3 against evnats, alternating rounds
  evnats-bench validate [flags]      this generator against 'nats bench' (natscli v0.5.0)

Scenarios: pub, sub, pubsub, fanout, queue, reqrep. Run 'evnats-bench <command> -h' for flags.
`

// Main runs the evnats-bench command line and returns the process exit code:
// 0 on success, 1 when a run failed, 2 for bad usage. It handles SIGINT by
// cancelling the run. Main is meant to be called once, from main.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usageText)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch args[0] {
	case "compare":
		err = compareMain(ctx, args[1:], stdout, stderr)
	case "validate":
		err = validateMain(ctx, args[1:], stdout, stderr)
	default:
		err = runMain(ctx, args[0], args[1:], stdout, stderr)
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "evnats-bench: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "evnats-bench: %s\n", oneLine(err.Error()))
	return 1
}

// usageError marks errors in the command line.
type usageError struct{ error }

// oneLine folds an error that spans lines (errors.Join) onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clientFlags are the connection flags shared by every command.
type clientFlags struct {
	servers, subServers       string
	caFile, certFile, keyFile string
	insecure                  bool
	user, password, token     string
	timeout                   time.Duration
	procs                     int
}

func (f *clientFlags) register(fs *flag.FlagSet, timeout time.Duration) {
	fs.StringVar(&f.servers, "server", DefaultURL, "server URL(s), comma separated; publishers use them round-robin")
	fs.StringVar(&f.servers, "s", DefaultURL, "short for --server")
	fs.StringVar(&f.subServers, "sub-server", "", "server URL(s) for subscribers and repliers (default: --server); a different server measures a route")
	fs.StringVar(&f.caFile, "tlsca", "", "CA certificate to verify the server (enables TLS)")
	fs.StringVar(&f.certFile, "tlscert", "", "client certificate (enables TLS)")
	fs.StringVar(&f.keyFile, "tlskey", "", "client certificate key")
	fs.BoolVar(&f.insecure, "tlsinsecure", false, "use TLS without verifying the server")
	fs.StringVar(&f.user, "user", "", "user name")
	fs.StringVar(&f.password, "password", "", "password")
	fs.StringVar(&f.token, "token", "", "authorization token")
	fs.DurationVar(&f.timeout, "timeout", timeout, "bound on a whole run, connecting and draining included")
	fs.IntVar(&f.procs, "procs", 0, "GOMAXPROCS of the generator (0 = all cores)")
}

func (f *clientFlags) apply(c *Config) {
	c.URLs = splitList(f.servers)
	c.SubURLs = splitList(f.subServers)
	c.CAFile, c.CertFile, c.KeyFile, c.TLSInsecure = f.caFile, f.certFile, f.keyFile, f.insecure
	c.User, c.Password, c.Token = f.user, f.password, f.token
	c.Timeout = f.timeout
	if f.procs > 0 {
		runtime.GOMAXPROCS(f.procs)
	}
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// scenarioDefaults are the client counts a scenario uses when --pubs/--subs are absent.
var scenarioDefaults = map[Scenario][2]int{
	ScenarioPub:    {1, 0},
	ScenarioSub:    {1, 1},
	ScenarioPubSub: {1, 1},
	ScenarioFanout: {1, 10},
	ScenarioQueue:  {1, 3},
	ScenarioReqRep: {1, 1},
}

func runMain(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	sc, err := ParseScenario(name)
	if err != nil {
		return usageError{fmt.Errorf("%w\n%s", err, usageText)}
	}
	fs := flag.NewFlagSet("evnats-bench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf clientFlags
	cf.register(fs, 0)
	cfg := DefaultConfig()
	cfg.Scenario = sc
	size := sizeValue(cfg.Size)
	pubs, subs := -1, -1
	var asJSON, asCSV, noProgress bool
	fs.StringVar(&cfg.Subject, "subject", DefaultSubject, "subject")
	fs.Int64Var(&cfg.Msgs, "msgs", DefaultMsgs, "messages (requests) to send, over all publishers")
	fs.DurationVar(&cfg.Duration, "duration", 0, "publish for this long instead of --msgs")
	fs.Var(&size, "size", "payload size, e.g. 16, 128B, 1KiB (8 or more carries a latency timestamp)")
	fs.IntVar(&pubs, "pubs", -1, "publishers (requesters for reqrep); default depends on the scenario")
	fs.IntVar(&subs, "subs", -1, "subscribers (queue members, repliers); default depends on the scenario")
	fs.IntVar(&cfg.Window, "window", DefaultWindow, "PINGs (one per batch) a publisher may have unanswered")
	fs.IntVar(&cfg.BatchSize, "batch", DefaultBatchSize, "bytes per publisher write")
	fs.BoolVar(&cfg.NoFlowControl, "no-flow-control", false, "let publishers run ahead of subscribers without bound")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&asCSV, "csv", false, "print the report as CSV")
	fs.BoolVar(&noProgress, "no-progress", false, "never draw a progress bar")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: evnats-bench %s [flags]\n\nFlags:\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if asJSON && asCSV {
		return usageError{errors.New("--json and --csv exclude each other")}
	}
	cf.apply(cfg)
	cfg.Size = int(size)
	d := scenarioDefaults[sc]
	cfg.Pubs, cfg.Subs = d[0], d[1]
	if pubs >= 0 {
		cfg.Pubs = pubs
	}
	if subs >= 0 {
		cfg.Subs = subs
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout + cfg.Duration
	}
	if _, err := cfg.validate(); err != nil {
		return usageError{errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))}
	}
	if !noProgress && !asJSON && !asCSV && isTerminal(stderr) {
		cfg.Progress = stderr
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		return err
	}
	switch {
	case asJSON:
		return rep.WriteJSON(stdout)
	case asCSV:
		return rep.WriteCSV(stdout, true)
	}
	return rep.WriteText(stdout)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// sizeValue is a flag.Value for byte sizes: 16, 128B, 4K, 4KB, 1KiB, 1M, 1MiB
// (K and M are powers of 1024, as nats bench reads them).
type sizeValue int

func (s *sizeValue) String() string { return strconv.Itoa(int(*s)) }

func (s *sizeValue) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeValue(n)
	return nil
}

func parseSize(v string) (int, error) {
	t := strings.ToUpper(strings.TrimSpace(v))
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"K", 1 << 10}, {"M", 1 << 20}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 || n > maxPayload/mult {
		return 0, fmt.Errorf("bad size %q", v)
	}
	return n * mult, nil
}
