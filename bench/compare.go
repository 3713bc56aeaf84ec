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

// compareBudget bounds a whole compare run; rows not started by then are skipped.
const compareBudget = 10 * time.Minute

// row is one line of the comparison: a workload, and the server setups to run
// it against in alternation.
type row struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	cfg   Config
	tls   bool // servers get --tls, the generator the CA
	route bool // two-node cluster per target: publish on one node, subscribe on the other
	idle  bool // idle-connection memory instead of traffic
	sweep bool // evnats only, one target per --loops value
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
		{ID: "idle", Title: "idle connections", idle: true},
		{ID: "loops", Title: "1->100 fan-out 128 B, evnats --loops sweep", cfg: pubsub(ScenarioFanout, 128, 1, 100), sweep: true},
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
	Idle        *idleResult `json:"idle,omitempty"`
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
	Cells []*cell `json:"cells"`
}

// comparer holds the settings of one compare run.
type comparer struct {
	rounds    int
	duration  time.Duration
	idleConns int
	certs     string
	natsBin   string
	evnatsBin string
	loops     []int
	log       func(string)
}

func compareMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("evnats-bench compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cmp := &comparer{log: func(s string) { fmt.Fprintln(stderr, s) }}
	var src, rows, out, natsBin, evnatsBin, loops string
	var asJSON bool
	fs.IntVar(&cmp.rounds, "rounds", 3, "alternating rounds per scenario")
	fs.DurationVar(&cmp.duration, "duration", 2*time.Second, "publishing time of each measurement")
	fs.IntVar(&cmp.idleConns, "idle-conns", 10_000, "connections for the idle-memory measurement")
	fs.StringVar(&src, "src", ".", "root of the evnats module (builds ./cmd/evnats, finds configs/certs)")
	fs.StringVar(&rows, "rows", "", "comma-separated row ids to run (default all): "+strings.Join(rowIDs(), ","))
	fs.StringVar(&out, "o", "", "also write the report as Markdown to this file (e.g. bench/RESULTS.md)")
	fs.StringVar(&out, "write", "", "same as -o")
	fs.StringVar(&natsBin, "nats-server", "", "nats-server binary (default: install "+NATSServerVersion+" into the cache)")
	fs.StringVar(&evnatsBin, "evnats", "", "evnats binary (default: go build ./cmd/evnats)")
	fs.StringVar(&loops, "loops", "1,2,4", "evnats --loops values of the sweep row")
	fs.BoolVar(&asJSON, "json", false, "print every sample as JSON instead of tables")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if cmp.rounds < 1 || cmp.duration <= 0 || cmp.idleConns < 1 {
		return usageError{errors.New("--rounds, --duration and --idle-conns must be positive")}
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
	ctx, cancel := context.WithTimeout(ctx, compareBudget)
	defer cancel()
	if _, err := raiseFileLimit(); err != nil {
		return fmt.Errorf("raising RLIMIT_NOFILE: %w", err)
	}
	if cmp.natsBin = natsBin; natsBin == "" {
		if cmp.natsBin, err = installTool(ctx, NATSServerModule, "nats-server", NATSServerVersion, cmp.log); err != nil {
			return err
		}
	}
	cmp.certs = filepath.Join(src, "configs", "certs")
	if cmp.evnatsBin = evnatsBin; evnatsBin == "" {
		tmp, err := os.MkdirTemp("", "evnats-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		cmp.log("building ./cmd/evnats")
		if cmp.evnatsBin, err = buildEvnats(ctx, src, tmp); err != nil {
			return err
		}
	}
	started := time.Now()
	var results []*rowResult
	for _, r := range selected {
		if ctx.Err() != nil {
			results = append(results, skipped(r, "not run: the "+compareBudget.String()+" budget ran out"))
			continue
		}
		cmp.log("measuring " + r.Title)
		results = append(results, cmp.runRow(ctx, r))
	}
	if asJSON {
		return writeJSONResults(stdout, results)
	}
	md := renderMarkdown(results, cmp, "evnats-bench compare "+strings.Join(args, " "), src, time.Since(started))
	if _, err := io.WriteString(stdout, md); err != nil {
		return err
	}
	if out != "" {
		if old, err := os.ReadFile(out); err == nil {
			md = keepGoBenchmarks(md, string(old))
		}
		if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", out, err)
		}
		cmp.log("wrote " + out)
	}
	return nil
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

// targets returns the server setups a row alternates between.
func (cmp *comparer) targets(r row) []target {
	if r.sweep {
		var ts []target
		for _, n := range cmp.loops {
			ts = append(ts, target{Name: "evnats --loops " + strconv.Itoa(n), bin: cmp.evnatsBin,
				extra: []string{"--loops", strconv.Itoa(n)}})
		}
		return ts
	}
	return []target{{Name: "nats-server", bin: cmp.natsBin}, {Name: "evnats", bin: cmp.evnatsBin}}
}

// runRow measures a row: rounds × targets, alternating targets within a round.
func (cmp *comparer) runRow(ctx context.Context, r row) *rowResult {
	res := &rowResult{row: r}
	ts := cmp.targets(r)
	if r.tls {
		for _, f := range []string{"server-cert.pem", "server-key.pem", "ca.pem"} {
			if _, err := os.Stat(filepath.Join(cmp.certs, f)); err != nil {
				return skipped(r, "skipped: "+err.Error())
			}
		}
	}
	sets := make([]*serverSet, len(ts))
	for i, t := range ts {
		res.Cells = append(res.Cells, &cell{Target: t.Name})
		if r.idle {
			continue // a fresh server per measurement
		}
		set, err := cmp.start(ctx, r, t)
		if err != nil {
			res.Cells[i].Err = err.Error()
			continue
		}
		sets[i] = set
	}
	defer func() {
		for _, s := range sets {
			s.stop()
		}
	}()
	for range cmp.rounds {
		for i, t := range ts {
			c := res.Cells[i]
			if c.Err != "" || ctx.Err() != nil {
				continue
			}
			var s sample
			var err error
			if r.idle {
				s, err = cmp.measureIdleOnce(ctx, t)
			} else {
				s, err = cmp.measure(ctx, r, sets[i])
			}
			if err != nil {
				c.Err = err.Error()
				continue
			}
			c.Samples = append(c.Samples, s)
		}
	}
	return res
}

// serverSet is the process(es) of one target: one server, or two for a route.
type serverSet struct{ procs []*serverProc }

func (s *serverSet) stop() {
	if s == nil {
		return
	}
	for _, p := range s.procs {
		p.stop()
	}
}

func (s *serverSet) cpu() time.Duration {
	var sum time.Duration
	for _, p := range s.procs {
		sum += max(p.cpu(), 0)
	}
	return sum
}

func (cmp *comparer) start(ctx context.Context, r row, t target) (*serverSet, error) {
	extra := slices.Clone(t.extra)
	if r.tls {
		extra = append(extra, "--tls", "--tlscert", filepath.Join(cmp.certs, "server-cert.pem"),
			"--tlskey", filepath.Join(cmp.certs, "server-key.pem"))
	}
	if !r.route {
		p, err := startServer(ctx, t.Name, t.bin, extra...)
		if err != nil {
			return nil, err
		}
		return &serverSet{procs: []*serverProc{p}}, nil
	}
	c1, err1 := freePort()
	c2, err2 := freePort()
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	set := &serverSet{}
	for _, ports := range [][2]int{{c1, c2}, {c2, c1}} {
		args := append(slices.Clone(extra), "--cluster_name", "bench",
			"--cluster", "nats://127.0.0.1:"+strconv.Itoa(ports[0]),
			"--routes", "nats://127.0.0.1:"+strconv.Itoa(ports[1]))
		p, err := startServer(ctx, t.Name, t.bin, args...)
		if err != nil {
			set.stop()
			return nil, fmt.Errorf("cluster node: %w", err)
		}
		set.procs = append(set.procs, p)
	}
	return set, nil
}

// measure runs the row's workload once against set, sampling the servers' CPU
// over exactly the measured interval.
func (cmp *comparer) measure(ctx context.Context, r row, set *serverSet) (sample, error) {
	for _, p := range set.procs {
		if !p.alive() {
			return sample{}, fmt.Errorf("%s exited: %s", p.name, p.log.lastLine())
		}
	}
	cfg := r.cfg
	cfg.URLs = []string{set.procs[0].url}
	cfg.SubURLs = []string{set.procs[len(set.procs)-1].url}
	cfg.Duration = cmp.duration
	cfg.Timeout = cmp.duration + 30*time.Second
	if r.tls {
		cfg.CAFile = filepath.Join(cmp.certs, "ca.pem")
	}
	var cpu0, cpu1 time.Duration
	var t0, t1 time.Time
	cfg.OnStart = func() { cpu0, t0 = set.cpu(), time.Now() }
	cfg.OnStop = func() { cpu1, t1 = set.cpu(), time.Now() }
	rep, err := Run(ctx, &cfg)
	if err != nil {
		return sample{}, err
	}
	s := sample{
		Rate:      rep.Roles[len(rep.Roles)-1].MsgsPerSec,
		Delivered: rep.Delivered,
		ServerCPU: (cpu1 - cpu0).Seconds(),
		GenCores:  rep.GeneratorCores,
		Lost:      rep.Lost,
		Slow:      rep.SlowConsumers,
	}
	if cfg.Scenario == ScenarioPub {
		s.Delivered = rep.Published
	}
	if s.Delivered > 0 {
		s.CPUPerMsgNs = s.ServerCPU * 1e9 / float64(s.Delivered)
	}
	if wall := t1.Sub(t0).Seconds(); wall > 0 {
		s.ServerCores = s.ServerCPU / wall
	}
	if rep.Latency != nil {
		s.P50, s.P99 = rep.Latency.P50, rep.Latency.P99
	}
	return s, nil
}

func (cmp *comparer) measureIdleOnce(ctx context.Context, t target) (sample, error) {
	p, err := startServer(ctx, t.Name, t.bin, t.extra...)
	if err != nil {
		return sample{}, err
	}
	defer p.stop()
	res, err := measureIdle(ctx, "127.0.0.1:"+strconv.Itoa(p.port), p.pid(), cmp.idleConns)
	if err != nil {
		return sample{}, err
	}
	return sample{Idle: res}, nil
}

// goBenchHeading starts the section of RESULTS.md that holds the server's Go
// benchmarks (go test -bench ./server/). compare does not produce it, so a
// rewrite keeps it.
const goBenchHeading = "## Go benchmarks"

// keepGoBenchmarks appends old's Go benchmark section, if any, to md.
func keepGoBenchmarks(md, old string) string {
	i := strings.Index(old, "\n"+goBenchHeading)
	if i < 0 {
		return md
	}
	return strings.TrimRight(md, "\n") + "\n" + old[i:]
}
