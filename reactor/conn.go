package reactor

import (
	"net"
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"
)

// Conn is one socket on one Loop. Methods say who may call them; "loop-only"
// means from a Handler callback running on c.Loop().
type Conn struct {
	gc     gnet.Conn
	loop   *Loop
	local  net.Addr
	remote net.Addr
	tag    any

	// Out collects bytes to send. Loop-only: append to it, MarkDirty, and the
	// handler's OnFlush writes it.
	Out []byte

	dirty  bool
	closed bool

	// pendingRemote counts bytes queued for c in other loops' outboxes and in
	// c's loop inbox, not yet in Out.
	pendingRemote atomic.Int64

	// Output statistics, written only by the owning loop, read by anyone.
	outUnits, outPayload atomic.Uint64

	// Data is the handler's per-connection state (loop-only).
	Data any
}

// CountOut adds to c's and its loop's output statistics. Loop-only: the
// counters have a single writer, so this costs no atomic read-modify-write.
func (c *Conn) CountOut(units, payload int) {
	c.outUnits.Store(c.outUnits.Load() + uint64(units))
	c.outPayload.Store(c.outPayload.Load() + uint64(payload))
	s := &c.loop.Stats
	s.OutUnits.Store(s.OutUnits.Load() + uint64(units))
	s.OutPayload.Store(s.OutPayload.Load() + uint64(payload))
}

// OutStats returns the units (messages) and payload bytes sent to c so far.
// Safe from any goroutine.
func (c *Conn) OutStats() (units, payload uint64) {
	return c.outUnits.Load(), c.outPayload.Load()
}

// Loop returns the owning loop. Safe from any goroutine.
func (c *Conn) Loop() *Loop { return c.loop }

// RemoteAddr is the peer's address. Safe from any goroutine.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// LocalAddr is our end's address. Safe from any goroutine.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// Tag is the value given to Engine.Enroll, or nil for accepted connections.
// Safe from any goroutine.
func (c *Conn) Tag() any { return c.tag }

// MarkDirty schedules OnFlush for c at the end of the current callback. Loop-only.
func (c *Conn) MarkDirty() { c.loop.MarkDirty(c) }

// Write sends b now, or buffers it in gnet's outbound buffer when the socket is
// full. b may be reused when Write returns. A write error closes the connection
// (OnClose may run before Write returns). Loop-only.
func (c *Conn) Write(b []byte) error {
	if c.closed {
		return net.ErrClosed
	}
	c.loop.Stats.FlushedBytes.Add(uint64(len(b)))
	_, err := c.gc.Write(b)
	return err
}

// OutboundBuffered is the number of bytes gnet holds for c that the socket has
// not taken yet. Loop-only.
func (c *Conn) OutboundBuffered() int {
	if c.closed {
		return 0
	}
	return c.gc.OutboundBuffered()
}

// PendingRemote is the number of bytes other loops have queued for c that have
// not reached c.Out yet. Safe from any goroutine.
func (c *Conn) PendingRemote() int64 { return c.pendingRemote.Load() }

// Closed reports whether OnClose has run. Loop-only.
func (c *Conn) Closed() bool { return c.closed }

// Close closes the connection; OnClose follows on the owning loop. Safe from any
// goroutine and more than once.
func (c *Conn) Close() {
	_ = c.gc.Close()
}
