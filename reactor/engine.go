package reactor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Handler receives connection events. All methods run on the loop that owns the
// connection (or, for OnTick, on the loop being ticked) and must not block.
type Handler interface {
	// OnOpen is called when a connection is accepted or enrolled. Returning a
	// non-nil error closes it. The listener index says which Config.Listeners
	// entry accepted it (-1 for enrolled outbound connections).
	OnOpen(c *Conn, listener int) error
	// OnData is called with the bytes read from c. data is valid only until OnData
	// returns: the handler must consume (or copy) all of it.
	OnData(c *Conn, data []byte)
	// OnFlush is called at the end of a callback for every Conn marked dirty. It
	// should write c.Out (c.Write) and reset it.
	OnFlush(c *Conn)
	// OnClose is called once when c is closed, whoever closed it.
	OnClose(c *Conn, err error)
	// OnTick is called on every loop once per Config.Tick.
	OnTick(l *Loop, now time.Time)
}

// Config configures an Engine. Zero values mean the documented defaults.
type Config struct {
	// Listeners are "host:port" TCP addresses. Port 0 picks a free port.
	Listeners []string
	// Loops is the number of event loops; 0 means GOMAXPROCS.
	Loops int
	// ReusePort gives every loop its own listening socket (SO_REUSEPORT).
	ReusePort bool
	// Tick is the timer resolution; 0 means 250ms.
	Tick time.Duration
	// ReadBufferCap is the per-loop read buffer; 0 means gnet's 64 KiB.
	ReadBufferCap int
	// Logf receives gnet's own warnings and errors; nil discards them.
	Logf func(format string, args ...any)
}

// Engine is a running set of event loops. Its methods are safe for concurrent use.
type Engine struct {
	cfg     Config
	handler Handler
	eng     gnet.Engine
	addrs   []*net.TCPAddr

	mu    sync.Mutex
	loops []*Loop
	byEL  map[gnet.EventLoop]*Loop

	probeMu sync.Mutex
	probes  map[string]struct{}

	booted  chan struct{}
	done    chan error
	stopped atomic.Bool
	nextLB  atomic.Uint64
}

// Start binds the listeners and starts the loops. It returns once the engine
// accepts connections.
func Start(cfg Config, h Handler) (*Engine, error) {
	if cfg.Tick <= 0 {
		cfg.Tick = 250 * time.Millisecond
	}
	e := &Engine{
		cfg:     cfg,
		handler: h,
		byEL:    make(map[gnet.EventLoop]*Loop),
		probes:  make(map[string]struct{}),
		booted:  make(chan struct{}),
		done:    make(chan error, 1),
	}
	addrs, err := ResolveAddrs(cfg.Listeners)
	if err != nil {
		return nil, err
	}
	e.addrs = addrs
	protoAddrs := make([]string, 0, len(addrs))
	for _, a := range addrs {
		protoAddrs = append(protoAddrs, "tcp://"+a.String())
	}
	opts := []gnet.Option{
		gnet.WithTicker(true),
		gnet.WithReusePort(cfg.ReusePort),
		gnet.WithReuseAddr(true),
		gnet.WithLoadBalancing(gnet.RoundRobin),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(gnetLogger{cfg.Logf}),
	}
	if cfg.Loops <= 0 {
		cfg.Loops = runtime.GOMAXPROCS(0)
		e.cfg.Loops = cfg.Loops
	}
	opts = append(opts, gnet.WithNumEventLoop(cfg.Loops))
	if cfg.ReadBufferCap > 0 {
		opts = append(opts, gnet.WithReadBufferCap(cfg.ReadBufferCap))
	}
	go func() {
		e.done <- gnet.Rotate(&gnetHandler{e: e}, protoAddrs, opts...)
	}()
	select {
	case <-e.booted:
		e.discoverLoops()
		return e, nil
	case err := <-e.done:
		if err == nil {
			err = errors.New("reactor: engine stopped during start")
		}
		return nil, fmt.Errorf("reactor: %w", err)
	}
}

// ResolveAddrs turns "host:port" listener addresses into TCP addresses,
// choosing a free port for port 0, so that several listeners and SO_REUSEPORT
// sockets agree on the address and callers know it before Start. Safe from any
// goroutine.
func ResolveAddrs(listeners []string) ([]*net.TCPAddr, error) {
	out := make([]*net.TCPAddr, 0, len(listeners))
	for _, a := range listeners {
		r, err := resolvePort(a)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// resolvePort turns "host:0" into a concrete free port.
func resolvePort(addr string) (*net.TCPAddr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("reactor: listen address %q: %w", addr, err)
	}
	if port != "0" {
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("reactor: listen address %q: %w", addr, err)
		}
		ip := net.ParseIP(host)
		if host != "" && ip == nil {
			ips, err := net.LookupIP(host)
			if err != nil || len(ips) == 0 {
				return nil, fmt.Errorf("reactor: listen address %q: cannot resolve host", addr)
			}
			ip = ips[0]
		}
		return &net.TCPAddr{IP: ip, Port: p}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("reactor: %w", err)
	}
	a := ln.Addr().(*net.TCPAddr)
	_ = ln.Close()
	return a, nil
}

// Addrs returns the bound listener addresses, in Config.Listeners order.
func (e *Engine) Addrs() []*net.TCPAddr { return e.addrs }

// Loops returns the loops that have been seen so far (a loop is known once it
// owns its first connection). The slice is a copy.
func (e *Engine) Loops() []*Loop {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Loop(nil), e.loops...)
}

// NumLoops is the configured number of event loops.
func (e *Engine) NumLoops() int {
	return e.cfg.Loops
}

// Stop closes every connection and stops the loops. Safe to call more than once.
func (e *Engine) Stop(ctx context.Context) error {
	if !e.stopped.CompareAndSwap(false, true) {
		return nil
	}
	err := e.eng.Stop(ctx)
	select {
	case <-e.done:
	case <-ctx.Done():
	}
	return err
}

// Enroll puts an established outbound connection (for example a dialed route)
// on the loop with the fewest connections. It may block briefly; call it from a
// worker, not from a loop. OnOpen then runs on that loop with listener -1 and
// tag reachable through Conn.Tag. nc is duplicated; Enroll closes it.
func (e *Engine) Enroll(nc net.Conn, tag any) error {
	ctx := gnet.NewContext(context.Background(), &enrollTag{value: tag})
	var best *Loop
	for _, l := range e.Loops() {
		if best == nil || l.Stats.Conns.Load() < best.Stats.Conns.Load() {
			best = l
		}
	}
	if best == nil {
		_ = nc.Close()
		return errors.New("reactor: enroll: no event loop is known yet")
	}
	ch, err := best.el.Enroll(ctx, nc)
	if err != nil {
		return fmt.Errorf("reactor: enroll: %w", err)
	}
	res := <-ch
	if res.Err != nil {
		return fmt.Errorf("reactor: enroll: %w", res.Err)
	}
	return nil
}

// enrollTag marks an enrolled connection's gnet context until OnOpen replaces it.
type enrollTag struct{ value any }

// discoverLoops makes every loop known before Start returns, so that Enroll
// can choose among all of them: it dials the first listener until each loop
// (handed connections round-robin) has owned one. The reactor closes these
// probe connections itself; the Handler never sees them.
func (e *Engine) discoverLoops() {
	if len(e.addrs) == 0 {
		return
	}
	target := e.addrs[0]
	dialAddr := target.String()
	if target.IP == nil || target.IP.IsUnspecified() {
		dialAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(target.Port))
	}
	for attempt := 0; attempt < 4*e.cfg.Loops && len(e.Loops()) < e.cfg.Loops; attempt++ {
		// Reserve the probe's source port first, so OnOpen can recognise it.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return
		}
		local := ln.Addr().(*net.TCPAddr)
		_ = ln.Close()
		e.probeMu.Lock()
		e.probes[local.String()] = struct{}{}
		e.probeMu.Unlock()
		d := net.Dialer{LocalAddr: local, Timeout: time.Second}
		c, err := d.Dial("tcp", dialAddr)
		if err != nil {
			e.probeMu.Lock()
			delete(e.probes, local.String())
			e.probeMu.Unlock()
			continue
		}
		// The reactor closes its end in OnOpen; wait for that.
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, _ = c.Read(make([]byte, 1))
		_ = c.Close()
	}
}

// isProbe reports (and forgets) whether remote is one of discoverLoops' dials.
func (e *Engine) isProbe(remote net.Addr) bool {
	if remote == nil {
		return false
	}
	e.probeMu.Lock()
	defer e.probeMu.Unlock()
	k := remote.String()
	if _, ok := e.probes[k]; ok {
		delete(e.probes, k)
		return true
	}
	return false
}

func (e *Engine) loopFor(el gnet.EventLoop) *Loop {
	e.mu.Lock()
	defer e.mu.Unlock()
	if l, ok := e.byEL[el]; ok {
		return l
	}
	l := newLoop(e, el, len(e.loops))
	e.byEL[el] = l
	e.loops = append(e.loops, l)
	return l
}

type gnetLogger struct{ logf func(string, ...any) }

func (g gnetLogger) Debugf(string, ...any) {}
func (g gnetLogger) Infof(string, ...any)  {}
func (g gnetLogger) Warnf(f string, a ...any) {
	if g.logf != nil {
		g.logf(f, a...)
	}
}
func (g gnetLogger) Errorf(f string, a ...any) {
	if g.logf != nil {
		g.logf(f, a...)
	}
}
func (g gnetLogger) Fatalf(f string, a ...any) {
	if g.logf != nil {
		g.logf(f, a...)
	}
}
