package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// targets returns the server setups a row alternates between.
func (cmp *comparer) targets(r row) []target {
	if r.kind == kindSweep {
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
	switch r.kind {
	case kindValidate:
		return cmp.runValidateRow(ctx, r)
	case kindGoBench:
		return cmp.runGoBenchRow(ctx, r)
	}
	res := &rowResult{row: r}
	ts := cmp.targets(r)
	if r.tls {
		for _, f := range []string{"server-cert.pem", "server-key.pem", "ca.pem"} {
			if _, err := os.Stat(filepath.Join(cmp.certs, f)); err != nil {
				return skipped(r, "not run: "+err.Error())
			}
		}
	}
	sets := make([]*serverSet, len(ts))
	for i, t := range ts {
		res.Cells = append(res.Cells, &cell{Target: t.Name})
		if r.kind == kindIdle {
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
			if c.Err != "" {
				continue
			}
			if ctx.Err() != nil {
				c.Err = fmt.Sprintf("not run: the %v budget ran out after %d of %d rounds", compareBudget, len(c.Samples), cmp.rounds)
				continue
			}
			var s sample
			var err error
			switch r.kind {
			case kindIdle:
				s, err = cmp.measureIdleOnce(ctx, t)
			case kindHandshake:
				s, err = cmp.measureHandshakes(ctx, sets[i])
			case kindStorm:
				s, err = cmp.measureStorm(ctx, r, sets[i])
			default:
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

// alive fails when a process of the set has exited.
func (s *serverSet) alive() error {
	for _, p := range s.procs {
		if !p.alive() {
			return fmt.Errorf("%s exited: %s", p.name, p.log.lastLine())
		}
	}
	return nil
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
	if err := set.alive(); err != nil {
		return sample{}, err
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
	if l := rep.Latency; l != nil {
		s.P50, s.P99, s.P999, s.Max = l.P50, l.P99, l.P999, l.Max
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
