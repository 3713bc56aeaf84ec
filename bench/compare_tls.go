package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
)

// churnWarm bounds the wait for churning clients to get past their first
// connection before a measurement starts.
const churnWarm = 3 * time.Second

// stormReplyTimeout bounds one request's wait for its reply during the storm:
// a server may answer established clients very late then, and that is a
// result to report, not a failure.
const stormReplyTimeout = 20 * time.Second

// quietFor is how long the storm row measures latency before the storm.
func quietFor(d time.Duration) time.Duration { return max(d/2, 50*time.Millisecond) }

// measureHandshakes runs cmp.hsClients clients that connect over TLS, complete
// CONNECT and PING/PONG and close, over and over, and counts the connections
// the server completes in cmp.duration, with its CPU time over the same
// interval.
func (cmp *comparer) measureHandshakes(ctx context.Context, set *serverSet) (sample, error) {
	if err := set.alive(); err != nil {
		return sample{}, err
	}
	ch, err := startChurn(ctx, set.procs[0].url, filepath.Join(cmp.certs, "ca.pem"), cmp.hsClients)
	if err != nil {
		return sample{}, err
	}
	defer ch.stop()
	if err := ch.warm(ctx, churnWarm); err != nil {
		return sample{}, fmt.Errorf("TLS clients: %w", err)
	}
	ok0, failed0 := ch.ok.Load(), ch.failed.Load()
	cpu0, gen0, t0 := set.cpu(), selfCPU(), time.Now()
	ch.recording.Store(true)
	select {
	case <-ctx.Done():
		return sample{}, ctx.Err()
	case <-time.After(cmp.duration):
	}
	ok1, failed1 := ch.ok.Load(), ch.failed.Load()
	cpu1, gen1, wall := set.cpu(), selfCPU(), time.Since(t0).Seconds()
	ch.recording.Store(false)
	ch.stop()
	if err := set.alive(); err != nil {
		return sample{}, err
	}
	n := ok1 - ok0
	if n == 0 {
		return sample{}, fmt.Errorf("no TLS connection completed in %v: %w", cmp.duration, ch.err())
	}
	srv := (cpu1 - cpu0).Seconds()
	ts := &tlsSample{Handshakes: n, Failed: failed1 - failed0, PerSec: float64(n) / wall,
		CPUPerHSUs: srv * 1e6 / float64(n), Negotiated: ch.negotiated()}
	if l := ch.latency(); l != nil {
		ts.ConnectP50, ts.ConnectP99 = l.P50, l.P99
	}
	return sample{Rate: ts.PerSec, Delivered: n, ServerCPU: srv, ServerCores: srv / wall,
		GenCores: (gen1 - gen0).Seconds() / wall, TLS: ts}, nil
}

// measureStorm connects a requester and a replier over TLS, measures their
// request/reply latency for a short quiet interval, then starts
// cmp.stormClients clients reconnecting over TLS and measures it again for
// cmp.duration while they churn. The sample's rate and latency are the
// storm's; the quiet figures go in TLS.QuietP50/P99.
func (cmp *comparer) measureStorm(ctx context.Context, r row, set *serverSet) (sample, error) {
	if err := set.alive(); err != nil {
		return sample{}, err
	}
	ca := filepath.Join(cmp.certs, "ca.pem")
	cfg := r.cfg
	cfg.URLs = []string{set.procs[0].url}
	cfg.CAFile = ca
	cfg.Duration = quietFor(cmp.duration)
	cfg.Timeout = cfg.Duration + 30*time.Second
	quiet, err := Run(ctx, &cfg)
	if err != nil {
		return sample{}, fmt.Errorf("before the storm: %w", err)
	}

	var ch *churn
	var churnErr error
	var ok0, failed0, ok1, failed1 int64
	var cpu0, cpu1 time.Duration
	var t0, t1 time.Time
	defer func() {
		if ch != nil {
			ch.stop()
		}
	}()
	cfg.Duration = cmp.duration
	cfg.replyTimeout = stormReplyTimeout
	cfg.Timeout = cmp.duration + churnWarm + stormReplyTimeout + 10*time.Second
	// The requester and replier are connected when OnStart runs, so the storm
	// hits established clients.
	cfg.OnStart = func() {
		if ch, churnErr = startChurn(ctx, set.procs[0].url, ca, cmp.stormClients); churnErr != nil {
			return
		}
		churnErr = ch.warm(ctx, churnWarm)
		ok0, failed0 = ch.ok.Load(), ch.failed.Load()
		ch.recording.Store(true)
		cpu0, t0 = set.cpu(), time.Now()
	}
	cfg.OnStop = func() {
		cpu1, t1 = set.cpu(), time.Now()
		if ch != nil {
			ok1, failed1 = ch.ok.Load(), ch.failed.Load()
			ch.recording.Store(false)
			ch.stop()
		}
	}
	rep, err := Run(ctx, &cfg)
	if churnErr != nil {
		return sample{}, fmt.Errorf("storm clients: %w", churnErr)
	}
	if err != nil {
		return sample{}, fmt.Errorf("during the storm: %w", err)
	}
	if err := set.alive(); err != nil {
		return sample{}, err
	}
	if rep.Latency == nil {
		return sample{}, fmt.Errorf("during the storm: no reply arrived")
	}
	wall := t1.Sub(t0).Seconds()
	n := ok1 - ok0
	srv := (cpu1 - cpu0).Seconds()
	ts := &tlsSample{Handshakes: n, Failed: failed1 - failed0, Negotiated: ch.negotiated()}
	if wall > 0 {
		ts.PerSec = float64(n) / wall
	}
	if l := ch.latency(); l != nil {
		ts.ConnectP50, ts.ConnectP99 = l.P50, l.P99
	}
	if quiet.Latency != nil {
		ts.QuietP50, ts.QuietP99 = quiet.Latency.P50, quiet.Latency.P99
	}
	s := sample{Rate: rep.Roles[0].MsgsPerSec, Delivered: rep.Delivered, ServerCPU: srv,
		GenCores: rep.GeneratorCores, Lost: rep.Lost, Slow: rep.SlowConsumers, TLS: ts,
		P50: rep.Latency.P50, P99: rep.Latency.P99, P999: rep.Latency.P999, Max: rep.Latency.Max}
	if wall > 0 {
		s.ServerCores = srv / wall
	}
	return s, nil
}
