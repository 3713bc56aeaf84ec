package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evnats/evnats/proto"
)

// drainIdle is how long the runner waits for a delivery, once publishers are
// done, before it declares the missing messages lost.
const drainIdle = time.Second

// gateStall is how long a publisher waits on the gate without any delivery
// before flow control is given up (and the stall reported).
const gateStall = 2 * time.Second

// runner holds the state of one Run.
type runner struct {
	cfg      *Config
	shape    shape
	d        *dialer
	pubEPs   []*endpoint
	subEPs   []*endpoint
	gate     *gate
	arrived  atomic.Int64 // deliveries (replies for reqrep) so far
	startCh  chan struct{}
	stopCh   chan struct{}
	release  chan struct{}  // closed when held receivers may read (Config.holdReceivers)
	held     sync.WaitGroup // held receivers' goroutines
	stopOnce sync.Once
	deadline time.Time

	closing atomic.Bool
	started atomic.Bool // publishers were released
	mu      sync.Mutex
	conns   []*conn
	wg      sync.WaitGroup // every goroutine of the run
	senders sync.WaitGroup // publishers and requesters

	pubs []*clientStats
	subs []*clientStats
	aux  []*clientStats // publishers' reader goroutines
}

// Run performs one benchmark as described by cfg and reports on it. It returns an
// error, and no report, when a client cannot connect or the run exceeds
// cfg.Timeout; lost messages and slow consumers are reported, not errors.
// Run may be called from several goroutines at once.
func Run(ctx context.Context, cfg *Config) (*Report, error) {
	c, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	r := &runner{cfg: c, shape: c.shape(), startCh: make(chan struct{}), stopCh: make(chan struct{}),
		release: make(chan struct{})}
	if r.d, err = newDialer(c); err != nil {
		return nil, err
	}
	for _, u := range c.URLs {
		ep, err := r.d.endpoint(u, c)
		if err != nil {
			return nil, err
		}
		r.pubEPs = append(r.pubEPs, ep)
	}
	for _, u := range c.SubURLs {
		ep, err := r.d.endpoint(u, c)
		if err != nil {
			return nil, err
		}
		r.subEPs = append(r.subEPs, ep)
	}
	if !r.shape.reqrep && !c.NoFlowControl {
		batchMsgs := max(1, int64(c.BatchSize)/int64(c.Size+len(c.Subject)+16))
		r.gate = newGate(r.shape.fanout(), int64(c.Window)*batchMsgs, gateStall)
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	stopWatch := context.AfterFunc(ctx, r.stop)
	defer stopWatch()
	defer r.closeAll()
	rep, err := r.run(ctx)
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return nil, fmt.Errorf("%s: interrupted: %w", c.Scenario, context.Canceled)
	}
	if err != nil && ctx.Err() != nil && r.started.Load() {
		return nil, fmt.Errorf("%s: run did not finish within --timeout %v (%d of %d messages delivered)",
			c.Scenario, c.Timeout, r.arrived.Load(), r.expected())
	}
	return rep, err
}

func (r *runner) stop() { r.stopOnce.Do(func() { close(r.stopCh) }) }

func (r *runner) track(c *conn) {
	r.mu.Lock()
	r.conns = append(r.conns, c)
	r.mu.Unlock()
}

func (r *runner) closeAll() {
	r.closing.Store(true)
	r.stop()
	r.mu.Lock()
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// expected is the number of deliveries the messages published so far should cause.
func (r *runner) expected() int64 {
	var sent int64
	for _, p := range r.pubs {
		sent += p.sent.Load()
	}
	if r.shape.reqrep {
		return sent
	}
	return sent * r.shape.fanout()
}

func (r *runner) run(ctx context.Context) (*Report, error) {
	c := r.cfg
	if err := r.connectReceivers(ctx); err != nil {
		return nil, err
	}
	for _, pub := range r.pubEPs {
		for _, sub := range r.subEPs {
			if pub.addr == sub.addr {
				continue
			}
			if err := r.probeRoute(ctx, pub, sub); err != nil {
				return nil, err
			}
		}
	}
	if err := r.connectSenders(ctx); err != nil {
		return nil, err
	}
	stopProgress := r.progress()
	if c.OnStart != nil {
		c.OnStart()
	}
	cpu0 := selfCPU()
	start := time.Now()
	if c.Duration > 0 {
		r.deadline = start.Add(c.Duration)
	}
	r.started.Store(true)
	close(r.startCh)
	r.waitSenders(ctx)
	r.releaseHeld(ctx)
	r.drain(ctx)
	cpu := selfCPU() - cpu0
	wall := time.Since(start)
	if c.OnStop != nil {
		c.OnStop()
	}
	stopProgress()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.closeAll()
	return r.report(start, wall, cpu), nil
}

func sameServers(a, b []string) bool { return slices.Equal(a, b) }

// connectReceivers connects subscribers (or repliers) one after the other, each
// with its SUB confirmed by a PONG, and starts their reader goroutines.
func (r *runner) connectReceivers(ctx context.Context) error {
	sub := proto.AppendSub(nil, []byte(r.cfg.Subject), []byte(r.shape.queue), []byte("1"))
	role := "sub"
	if r.shape.reqrep {
		role = "rep"
	}
	for i := range r.shape.subs {
		st := &clientStats{role: role}
		if r.measureLatency() && !r.shape.reqrep {
			st.hist = newHist()
		}
		c, err := r.connect(ctx, r.subEPs[i%len(r.subEPs)], st, role, i, sub)
		if err != nil {
			return err
		}
		r.subs = append(r.subs, st)
		h := &recvHandler{hist: st.hist, replier: r.shape.reqrep}
		hold := i < r.cfg.holdReceivers
		if hold {
			r.held.Add(1)
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if hold {
				defer r.held.Done()
				select {
				case <-r.release:
				case <-r.stopCh:
					return
				}
			}
			r.receive(c, st, h, &r.closing)
		}()
	}
	return nil
}

// connectSenders connects publishers (or requesters) and starts them; they
// wait for startCh.
func (r *runner) connectSenders(ctx context.Context) error {
	counts := perClient(r.cfg.Msgs, r.shape.pubs)
	if r.cfg.Duration > 0 {
		counts = make([]int64, r.shape.pubs)
	}
	for i := range r.shape.pubs {
		ep := r.pubEPs[i%len(r.pubEPs)]
		if r.shape.reqrep {
			st := &clientStats{role: "req", hist: newHist()}
			inbox := []byte("_INBOX.bench." + strconv.Itoa(i))
			c, err := r.connect(ctx, ep, st, "req", i, proto.AppendSub(nil, inbox, nil, []byte("1")))
			if err != nil {
				return err
			}
			r.pubs = append(r.pubs, st)
			r.wg.Add(1)
			r.senders.Add(1)
			go func() {
				defer r.wg.Done()
				defer r.senders.Done()
				r.request(c, st, inbox, counts[i], &r.closing)
			}()
			continue
		}
		st := &clientStats{role: "pub"}
		c, err := r.connect(ctx, ep, st, "pub", i, nil)
		if err != nil {
			return err
		}
		r.pubs = append(r.pubs, st)
		aux := &clientStats{role: "pub"}
		r.aux = append(r.aux, aux)
		pongs := make(chan struct{}, r.cfg.Window+2)
		dead := make(chan struct{})
		r.wg.Add(2)
		go func() {
			defer r.wg.Done()
			defer close(dead)
			r.receive(c, aux, &recvHandler{pongs: pongs}, &r.closing)
		}()
		r.senders.Add(1)
		go func() {
			defer r.wg.Done()
			defer r.senders.Done()
			r.publish(c, st, pongs, dead, counts[i])
		}()
	}
	return nil
}

func (r *runner) connect(ctx context.Context, ep *endpoint, st *clientStats, role string, i int, extra []byte) (*conn, error) {
	t0 := time.Now()
	c, err := r.d.dial(ctx, ep, role, i, extra)
	if err != nil {
		return nil, err
	}
	st.connect = time.Since(t0)
	r.track(c)
	return c, nil
}

func (r *runner) measureLatency() bool { return r.cfg.Size >= 8 }

// waitSenders returns when every publisher or requester has finished, or ctx ends.
func (r *runner) waitSenders(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		r.senders.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// releaseHeld lets held receivers read and waits, until ctx ends, for the
// server to have closed them. Without held receivers it does nothing.
func (r *runner) releaseHeld(ctx context.Context) {
	if r.cfg.holdReceivers == 0 {
		return
	}
	close(r.release)
	done := make(chan struct{})
	go func() {
		r.held.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// drain waits until every expected delivery arrived, nothing arrived for
// drainIdle, or ctx ends.
func (r *runner) drain(ctx context.Context) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	want := r.expected()
	last, lastChange := r.arrived.Load(), time.Now()
	for {
		got := r.arrived.Load()
		if got >= want {
			return
		}
		if got != last {
			last, lastChange = got, time.Now()
		} else if time.Since(lastChange) > drainIdle {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
