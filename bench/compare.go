package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// compareBudget bounds a whole compare run, installing and building included;
// rows not started by then are not run, and the run fails.
const compareBudget = 10 * time.Minute

// rowKind says what a row measures.
type rowKind int

const (
	kindTraffic   rowKind = iota // a scenario's throughput (the main table)
	kindIdle                     // memory per idle connection
	kindSweep                    // evnats only, one target per --loops value
	kindHandshake                // TLS handshakes per second
	kindStorm                    // request/reply latency during a TLS reconnect storm
	kindValidate                 // this generator against nats bench (one nats-server)
	kindGoBench                  // the server package's Go benchmarks
)

// row is one line (or table) of the comparison: a workload, and the server
// setups to run it against in alternation.
type row struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	kind  rowKind
	cfg   Config
	tls   bool // servers get --tls, the generator the CA
	route bool // two-node cluster per target: publish on one node, subscribe on the other
}

// compareRows lists the comparison in report order.
func compareRows() []row {
	pubsub := func(sc Scenario, size, pubs, subs int) Config {
		return Config{Scenario: sc, Size: size, Pubs: pubs, Subs: subs}
	}
	return []row{
		{ID: "pub", Title: "pub 16 B (published/s)", cfg: pubsub(ScenarioPub, 16, 1, 0)},
		{ID: "1to1-16", Title: "1:1 16 B", cfg: pubsub(ScenarioPubSub, 16, 1, 1)},
		{ID: "1to1-1k", Title: "1:1 1 KiB", cfg: pubsub(ScenarioPubSub, 1024, 1, 1)},
		{ID: "fan10", Title: "1->10 fan-out 128 B", cfg: pubsub(ScenarioFanout, 128, 1, 10)},
		{ID: "fan100", Title: "1->100 fan-out 128 B", cfg: pubsub(ScenarioFanout, 128, 1, 100)},
		{ID: "queue", Title: "queue group of 3, 128 B", cfg: pubsub(ScenarioQueue, 128, 1, 3)},
		{ID: "reqrep", Title: "request/reply 1:1 128 B (requests/s)", cfg: pubsub(ScenarioReqRep, 128, 1, 1)},
		{ID: "tls", Title: "1:1 16 B over TLS", cfg: pubsub(ScenarioPubSub, 16, 1, 1), tls: true},
		{ID: "route", Title: "1:1 128 B across a route", cfg: pubsub(ScenarioPubSub, 128, 1, 1), route: true},
		{ID: "idle", Title: "idle connections", kind: kindIdle},
		{ID: "loops", Title: "1->100 fan-out 128 B, evnats --loops sweep", kind: kindSweep, cfg: pubsub(ScenarioFanout, 128, 1, 100)},
		{ID: "tls-handshake", Title: "TLS handshakes", kind: kindHandshake, tls: true},
		{ID: "tls-storm", Title: "request/reply 128 B during a TLS reconnect storm", kind: kindStorm, tls: true,
			cfg: pubsub(ScenarioReqRep, 128, 1, 1)},
		{ID: "validate", Title: "generator check: nats bench and evnats-bench against nats-server", kind: kindValidate},
		{ID: "gobench", Title: "Go benchmarks of package server", kind: kindGoBench},
	}
}

// target is one server setup: a binary and extra arguments.
type target struct {
	Name  string `json:"name"`
	bin   string
	extra []string
}

// sample is one measurement of one target.
type sample struct {
	Rate        float64     `json:"msgs_per_sec"`
	Delivered   int64       `json:"delivered"`
	ServerCPU   float64     `json:"server_cpu_secs"`
	CPUPerMsgNs float64     `json:"server_cpu_ns_per_msg"`
	ServerCores float64     `json:"server_cores"`
	GenCores    float64     `json:"generator_cores"`
	Lost        int64       `json:"lost"`
	Slow        int         `json:"slow_consumers"`
	P50         float64     `json:"p50_us,omitempty"`
	P99         float64     `json:"p99_us,omitempty"`
	P999        float64     `json:"p99_9_us,omitempty"`
	Max         float64     `json:"max_us,omitempty"`
	Idle        *idleResult `json:"idle,omitempty"`
	TLS         *tlsSample  `json:"tls,omitempty"`
}

// tlsSample holds what the handshake and storm rows measure besides the above.
type tlsSample struct {
	// Handshakes counts connections completed (TLS handshake, CONNECT,
	// PING/PONG) in the measured interval, Failed those that failed.
	Handshakes int64   `json:"handshakes"`
	Failed     int64   `json:"failed"`
	PerSec     float64 `json:"handshakes_per_sec"`
	// CPUPerHSUs is the server's CPU time per completed handshake (handshake row).
	CPUPerHSUs float64 `json:"server_cpu_us_per_handshake,omitempty"`
	// ConnectP50 and ConnectP99 spread the time from dial to PONG.
	ConnectP50 float64 `json:"connect_p50_us"`
	ConnectP99 float64 `json:"connect_p99_us"`
	Negotiated string  `json:"negotiated,omitempty"`
	// QuietP50 and QuietP99 are the storm row's request/reply latency measured
	// just before the storm, on the same connections.
	QuietP50 float64 `json:"quiet_p50_us,omitempty"`
	QuietP99 float64 `json:"quiet_p99_us,omitempty"`
}

// cell is one target's results within a row.
type cell struct {
	Target  string   `json:"target"`
	Samples []sample `json:"samples"`
	Err     string   `json:"error,omitempty"`
}

// rowResult is one row of the comparison.
type rowResult struct {
	row
	Cells    []*cell         `json:"cells"`
	Validate *validateResult `json:"validate,omitempty"`
	GoBench  *goBenchResult  `json:"go_bench,omitempty"`
}

// comparer holds the settings of one compare run.
type comparer struct {
	rounds       int
	duration     time.Duration
	idleConns    int
	hsClients    int
	stormClients int
	validateMsgs int64
	src          string
	certs        string
	natsBin      string
	natsCLI      string
	evnatsBin    string
	loops        []int
	log          func(string)
}

func compareMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("evnats-bench compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cmp := &comparer{log: func(s string) { fmt.Fprintln(stderr, s) }}
	var rows, out, evnatsBin, loops string
	var asJSON bool
	fs.IntVar(&cmp.rounds, "rounds", 3, "alternating rounds per scenario")
	fs.DurationVar(&cmp.duration, "duration", 2*time.Second, "publishing time of each measurement")
	fs.IntVar(&cmp.idleConns, "idle-conns", 10_000, "connections for the idle-memory measurement")
	fs.IntVar(&cmp.hsClients, "handshake-clients", 100, "clients connecting over TLS at once in the tls-handshake row")
	fs.IntVar(&cmp.stormClients, "storm-clients", 500, "clients reconnecting over TLS in the tls-storm row")
	fs.Int64Var(&cmp.validateMsgs, "validate-msgs", 1_000_000, "messages per generator run in the validate row")
	fs.StringVar(&cmp.src, "src", ".", "root of the evnats module (builds ./cmd/evnats, finds configs/certs, runs the Go benchmarks)")
	fs.StringVar(&rows, "rows", "", "comma-separated row ids to run (default all): "+strings.Join(rowIDs(), ","))
	fs.StringVar(&out, "o", "", "also write the report as Markdown to this file (e.g. bench/RESULTS.md); FILE.partial if a row fails")
	fs.StringVar(&out, "write", "", "same as -o")
	fs.StringVar(&cmp.natsBin, "nats-server", "", "nats-server binary (default: "+NATSServerVersion+" from the cache, from SRC/.cache/bin, or installed into the cache)")
	fs.StringVar(&cmp.natsCLI, "nats", "", "natscli binary for the validate row (default: install "+NATSCLIVersion+" into the cache)")
	fs.StringVar(&evnatsBin, "evnats", "", "evnats binary (default: go build ./cmd/evnats)")
	fs.StringVar(&loops, "loops", "1,2,4", "evnats --loops values of the sweep row")
	fs.BoolVar(&asJSON, "json", false, "print every sample as JSON instead of tables")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if cmp.rounds < 1 || cmp.duration <= 0 || cmp.idleConns < 1 || cmp.hsClients < 1 || cmp.stormClients < 1 || cmp.validateMsgs < 1 {
		return usageError{errors.New("--rounds, --duration, --idle-conns, --handshake-clients, --storm-clients and --validate-msgs must be positive")}
	}
	for _, l := range splitList(loops) {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return usageError{fmt.Errorf("bad --loops value %q", l)}
		}
		cmp.loops = append(cmp.loops, n)
	}
	selected, err := selectRows(rows)
	if err != nil {
		return usageError{err}
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, compareBudget)
	defer cancel()
	if _, err := raiseFileLimit(); err != nil {
		return fmt.Errorf("raising RLIMIT_NOFILE: %w", err)
	}
	if cmp.natsBin == "" {
		if cmp.natsBin, err = findNATSServer(ctx, cmp.src, cmp.log); err != nil {
			return err
		}
	}
	cmp.certs = filepath.Join(cmp.src, "configs", "certs")
	if cmp.evnatsBin = evnatsBin; evnatsBin == "" && needsEvnats(selected) {
		tmp, err := os.MkdirTemp("", "evnats-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		cmp.log("building ./cmd/evnats")
		if cmp.evnatsBin, err = buildEvnats(ctx, cmp.src, tmp); err != nil {
			return err
		}
	}
	var results []*rowResult
	for _, r := range selected {
		if ctx.Err() != nil {
			results = append(results, skipped(r, "not run: the "+compareBudget.String()+" budget ran out"))
			continue
		}
		t0 := time.Now()
		cmp.log("measuring " + r.Title)
		results = append(results, cmp.runRow(ctx, r))
		cmp.log(fmt.Sprintf("  %s took %v", r.ID, time.Since(t0).Round(100*time.Millisecond)))
	}
	failed := failures(results)
	if asJSON {
		if err := writeJSONResults(stdout, results); err != nil {
			return err
		}
	}
	var old string
	if out != "" {
		if b, err := os.ReadFile(out); err == nil {
			old = string(b)
		}
	}
	md := renderMarkdown(results, cmp, "evnats-bench compare "+strings.Join(args, " "), time.Since(started), old)
	if !asJSON {
		if _, err := io.WriteString(stdout, md); err != nil {
			return err
		}
	}
	if out != "" {
		dest := out
		if len(failed) > 0 {
			dest = out + ".partial"
		}
		if err := os.WriteFile(dest, []byte(md), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", dest, err)
		}
		if len(failed) > 0 {
			cmp.log("wrote " + dest + "; " + out + " was left as it was, because not every row succeeded")
		} else {
			_ = os.Remove(out + ".partial") // a stale one from an earlier failed run
			cmp.log("wrote " + out)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d rows failed or were not run: %s", len(failed), len(results), strings.Join(failed, "; "))
	}
	return nil
}

// needsEvnats reports whether any selected row runs evnats.
func needsEvnats(rows []row) bool {
	return slices.ContainsFunc(rows, func(r row) bool { return r.kind != kindValidate && r.kind != kindGoBench })
}

// failures lists, one per row, the rows that failed or were not run, with the
// first reason.
func failures(results []*rowResult) []string {
	var out []string
	for _, r := range results {
		for _, c := range r.Cells {
			if c.Err != "" {
				out = append(out, r.ID+" ("+c.Target+": "+oneLine(c.Err)+")")
				break
			}
		}
	}
	return out
}

func rowIDs() []string {
	var ids []string
	for _, r := range compareRows() {
		ids = append(ids, r.ID)
	}
	return ids
}

func selectRows(list string) ([]row, error) {
	all := compareRows()
	if list == "" {
		return all, nil
	}
	want := splitList(list)
	var out []row
	for _, id := range want {
		i := slices.IndexFunc(all, func(r row) bool { return r.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("unknown row %q (want some of %s)", id, strings.Join(rowIDs(), ","))
		}
		out = append(out, all[i])
	}
	return out, nil
}

func skipped(r row, why string) *rowResult {
	return &rowResult{row: r, Cells: []*cell{{Target: "all", Err: why}}}
}
