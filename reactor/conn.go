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

	// Output statistics, published by the owning loop at each flush, read by
	// anyone. unpublished* collect counts between flushes without atomics.
	outUnits, outPayload                 atomic.Uint64
	unpublishedUnits, unpublishedPayload int

	// Data is the handler's per-connection state (loop-only).
	Data any
}

// CountOut adds to c's and its loop's output statistics. Loop-only. The
// counts become visible to other goroutines (OutStats, LoopStats) when the
// loop next flushes c, so the hot path costs two plain additions.
func (c *Conn) CountOut(units, payload int) {
	c.unpublishedUnits += units
	c.unpublishedPayload += payload
}

// publishCounts makes CountOut's counts visible. Loop-only.
func (c *Conn) publishCounts() {
	if c.unpublishedUnits == 0 && c.unpublishedPayload == 0 {
		return
	}
	u, p := uint64(c.unpublishedUnits), uint64(c.unpublishedPayload)
	c.unpublishedUnits, c.unpublishedPayload = 0, 0
	c.outUnits.Store(c.outUnits.Load() + u)
	c.outPayload.Store(c.outPayload.Load() + p)
	s := &c.loop.Stats
	s.OutUnits.Store(s.OutUnits.Load() + u)
	s.OutPayload.Store(s.OutPayload.Load() + p)
}

// OutBuf returns c.Out ready for appending: when c has nothing queued it
// lends a buffer from the loop's pool, so idle connections hold no output
// memory and busy ones reuse the same few buffers. Loop-only. Use it as
// c.Out = append(c.OutBuf(), ...).
func (c *Conn) OutBuf() []byte {
	if c.Out == nil {
		c.Out = c.loop.takeBuf()
	}
	return c.Out
}

// ReleaseOut returns c's emptied output buffer to the loop's pool. The loop
// calls it after OnFlush when c.Out is empty. Loop-only.
func (c *Conn) ReleaseOut() {
	if c.Out == nil || len(c.Out) > 0 {
		return
	}
	c.loop.giveBuf(c.Out)
	c.Out = nil
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
