package server

import (
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/proto"
	"github.com/evnats/evnats/reactor"
	"github.com/evnats/evnats/tlsengine"
)

// connKind says what is on the other end of a connection.
type connKind uint8

const (
	kindClient connKind = iota
	kindRoute
)

// client is the state of one connection, client or route. Everything here is
// owned by the connection's loop unless a field's comment says otherwise.
type client struct {
	srv    *Server
	conn   *reactor.Conn
	ls     *loopState
	kind   connKind
	cid    uint64
	parser *proto.Parser
	// ph receives the parser's callbacks: the client itself, or, for a route,
	// its route handler.
	ph proto.Handler

	host  string
	port  int
	start time.Time

	// Protocol state.
	connected    bool // CONNECT accepted (and authorized)
	authPending  bool // waiting for a worker's verdict; input is held in held
	held         []byte
	closing      bool
	closeReason  string
	infoSent     bool
	firstPongDue bool // send the connect_info INFO after the first PONG

	// CONNECT options.
	verbose      bool
	pedantic     bool
	echo         bool
	headers      bool
	noResponders bool
	protocol     int
	name         string
	lang         string
	version      string
	user         string // authorized user, for monitoring

	perms *auth.ConnPermissions
	creds *auth.Credentials // from CONNECT, for re-checks on reload

	subs map[string]*subscription // by sid

	// TLS.
	tls           *tlsengine.Session
	hs            *tlsHandshake // handshake in progress (tls.go); nil once complete
	tlsDeadline   time.Time
	tlsHandshaked bool
	tlsFirst      bool      // handshake before INFO (handshake_first)
	tlsFirstWait  time.Time // handshake_first: fall back to INFO first after this
	tlsSniff      bool      // allow_non_tls: the first byte decides TLS or plaintext

	// Timers, checked by the loop's tick.
	authDeadline  time.Time
	nextPing      time.Time
	pingsOut      int
	firstPingSent bool
	lastIn        time.Time // last time we read anything
	stallSince    time.Time // when the socket started refusing our writes

	// Counters written by the owning loop only (Load+Store, no locked
	// read-modify-write) and read by monitoring. Output counters live in
	// reactor.Conn (CountOut), because other loops' deliveries land there.
	inMsgs, inBytes atomic.Uint64
	// Input counted since the last publishIn, loop-only: the hot path adds
	// to plain ints and publishes once per processed read.
	unpubInMsgs, unpubInBytes int
	lastActivity              atomic.Int64
	slowConsumer              atomic.Bool
	// outBuffered mirrors gnet's outbound buffer size after each flush, so
	// other loops can see how far behind this client is.
	outBuffered atomic.Int64

	// Producer stall (as nats-server's): when a PUB finds a subscriber over
	// 3/4 of max_pending, this publisher's further input is held for a few
	// milliseconds so the subscriber can catch up.
	stallDst   *client
	stalled    bool
	stallStart time.Time
	stallSpent *client // a stall for it timed out: none again for it until the next socket read

	route *route // non-nil for route connections

	proto.NopHandler
}

// subscription is one SUB of a client, or one interest of a route peer. The
// sublist holds pointers to it; delivered is updated by every loop that
// delivers to it.
type subscription struct {
	client    *client
	subject   []byte
	queue     []byte
	sid       []byte
	max       atomic.Int64 // auto-unsubscribe after this many; 0 = never
	delivered atomic.Int64
	removed   atomic.Bool
	weight    int32 // queue weight for route interest
}

func (c *client) logPrefix() string {
	return net.JoinHostPort(c.host, strconv.Itoa(c.port)) + " - cid:" + strconv.FormatUint(c.cid, 10)
}

// debugf logs at [DBG] with the client's address and cid, as nats-server does.
func (c *client) debugf(format string, args ...any) {
	if c.srv.log.DebugEnabled() {
		c.srv.log.Debugf(c.kindPrefix()+" - "+format, args...)
	}
}

func (c *client) tracef(format string, args ...any) {
	if c.srv.log.TraceEnabled() {
		c.srv.log.Tracef(c.kindPrefix()+" - "+format, args...)
	}
}

func (c *client) noticef(format string, args ...any) {
	c.srv.log.Noticef(c.kindPrefix()+" - "+format, args...)
}

func (c *client) warnf(format string, args ...any) {
	c.srv.log.Warnf(c.kindPrefix()+" - "+format, args...)
}

func (c *client) errorf(format string, args ...any) {
	c.srv.log.Errorf(c.kindPrefix()+" - "+format, args...)
}

func (c *client) kindPrefix() string {
	p := c.logPrefix()
	if c.kind == kindRoute {
		p = net.JoinHostPort(c.host, strconv.Itoa(c.port)) + " - rid:" + strconv.FormatUint(c.cid, 10)
	}
	if c.name != "" && c.kind == kindClient {
		p += " - \"" + c.name + "\""
	}
	return p
}

// send queues b for the peer; it goes out at the end of the current callback.
func (c *client) send(b []byte) {
	if c.closing {
		return
	}
	c.conn.Out = append(c.conn.OutBuf(), b...)
	c.conn.MarkDirty()
}

func (c *client) sendErr(text string) {
	if c.closing {
		return
	}
	c.conn.Out = proto.AppendErr(c.conn.OutBuf(), text)
	c.conn.MarkDirty()
}

func (c *client) sendOK() {
	if c.verbose {
		c.send(proto.OKFrame)
	}
}

// closeWith flushes what is queued and closes the connection, remembering why.
func (c *client) closeWith(reason string) {
	if c.closing {
		return
	}
	c.closeReason = reason
	c.flush()
	c.closing = true
	c.conn.Close()
}

// flush writes everything queued for the peer now. Loop-only.
func (c *client) flush() {
	conn := c.conn
	if len(conn.Out) == 0 || conn.Closed() {
		return
	}
	if c.tls != nil {
		if !c.tlsHandshaked {
			return // held until the handshake completes; a worker may own c.tls
		}
		if err := c.tls.Write(conn.Out); err != nil {
			conn.Out = conn.Out[:0]
			c.closeWith("TLS Handshake Failure")
			return
		}
		conn.Out = conn.Out[:0]
		if ct := c.tls.Outbound(); len(ct) > 0 {
			_ = conn.Write(ct)
		}
	} else {
		_ = conn.Write(conn.Out)
		conn.Out = conn.Out[:0]
	}
	if conn.Closed() {
		return
	}
	ob := conn.OutboundBuffered()
	c.outBuffered.Store(int64(ob))
	if ob > 0 {
		if c.stallSince.IsZero() {
			c.stallSince = time.Now()
		}
		// Routes are not closed for pending bytes (see route_out.go).
		if int64(ob) > c.srv.lim.Load().maxPending && c.kind == kindClient {
			c.slowConsumerClose(false)
		}
	} else {
		c.stallSince = time.Time{}
	}
}

// queued estimates the bytes waiting to reach this client: in other loops'
// outboxes and in gnet's buffer as of its last flush. Safe from any goroutine.
func (c *client) queued() int64 {
	return c.conn.PendingRemote() + c.outBuffered.Load()
}

// slowConsumerClose closes a client that cannot keep up. Any loop may call it
// for pending bytes (only atomics and Conn.Close are used); the write
// deadline case (deadline true) comes from c's own loop, which may look at
// its output buffers.
func (c *client) slowConsumerClose(deadline bool) {
	if !c.slowConsumer.CompareAndSwap(false, true) {
		return
	}
	s := c.srv
	s.stats.slowConsumers.Add(1)
	if c.kind == kindRoute {
		s.stats.slowRoutes.Add(1)
	} else {
		s.stats.slowClients.Add(1)
	}
	lim := s.lim.Load()
	if deadline {
		chunks, bytes := 0, 0
		for _, n := range [2]int{len(c.conn.Out), c.conn.OutboundBuffered()} {
			if n > 0 {
				chunks++
				bytes += n
			}
		}
		c.noticef("Slow Consumer Detected: WriteDeadline of %v exceeded with %d chunks of %d total bytes.", lim.writeDeadline, chunks, bytes)
	} else {
		c.noticef("Slow Consumer Detected: MaxPending of %d Exceeded", lim.maxPending)
	}
	s.recordOffender(c)
	c.conn.Close()
}

func (c *client) isSlowConsumer() bool { return c.slowConsumer.Load() }

// countIn counts one received message of n payload bytes. Loop-only; the
// counts become visible to monitoring at publishIn.
func (c *client) countIn(n int) {
	c.unpubInMsgs++
	c.unpubInBytes += n
}

// publishIn makes countIn's counts visible: the client's and its loop's input
// statistics and its last activity. Loop-only.
func (c *client) publishIn() {
	if c.unpubInMsgs == 0 {
		return
	}
	m, b := c.unpubInMsgs, c.unpubInBytes
	c.unpubInMsgs, c.unpubInBytes = 0, 0
	c.inMsgs.Store(c.inMsgs.Load() + uint64(m))
	c.inBytes.Store(c.inBytes.Load() + uint64(b))
	c.conn.Loop().Stats.CountIn(m, b)
	c.lastActivity.Store(c.ls.now.UnixNano())
}
