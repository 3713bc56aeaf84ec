package reactor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Loop is one event loop. Fields and methods without a note are loop-only: call
// them from Handler callbacks running on this loop.
type Loop struct {
	engine *Engine
	el     gnet.EventLoop
	index  int

	dirty    []*Conn   // conns with pending Out, flushed at the end of the callback
	outboxes []*Outbox // indexed by destination loop index; nil until used
	sending  []*Outbox // outboxes with records, handed off at the end of the callback
	depth    int       // callback nesting, so only the outermost one flushes

	inboxMu    sync.Mutex
	inbox      []*batch // batches handed to this loop by others
	scheduled  bool     // an Execute is pending for the inbox
	drainTask  gnet.Runnable
	tickTask   gnet.Runnable
	tickQueued atomic.Bool

	// Stats are written by the loop and read atomically by anyone.
	Stats LoopStats

	// freeBufs are output buffers lent to connections by Conn.OutBuf.
	freeBufs [][]byte

	// Data is for the handler's own per-loop state (loop-only).
	Data any
}

const (
	outBufSize    = 32 << 10 // a new pooled output buffer's capacity
	maxPooledBuf  = 4 << 20  // larger buffers are dropped, not pooled
	maxPooledBufs = 64
)

// flushEarly is the Out size at which a delivery flushes a connection at once
// instead of waiting for the end of the callback.
const flushEarly = 256 << 10

// flushConn writes c now (OnFlush); c stays marked dirty, so anything added
// later in the callback is flushed at its end. Loop-only.
func (l *Loop) flushConn(c *Conn) {
	if c.closed {
		return
	}
	l.Stats.Flushes.Add(1)
	l.engine.handler.OnFlush(c)
	c.publishCounts()
}

func (l *Loop) takeBuf() []byte {
	if n := len(l.freeBufs); n > 0 {
		b := l.freeBufs[n-1]
		l.freeBufs[n-1] = nil
		l.freeBufs = l.freeBufs[:n-1]
		return b
	}
	return make([]byte, 0, outBufSize)
}

func (l *Loop) giveBuf(b []byte) {
	if cap(b) > maxPooledBuf || len(l.freeBufs) >= maxPooledBufs {
		return
	}
	l.freeBufs = append(l.freeBufs, b[:0])
}

// LoopStats are per-loop counters. Safe to read from any goroutine with the
// atomic methods.
type LoopStats struct {
	Conns        atomic.Int64
	Wakeups      atomic.Uint64 // hand-offs received from other loops
	Flushes      atomic.Uint64 // OnFlush calls
	FlushedBytes atomic.Uint64 // bytes passed to Conn.Write
	BusyNanos    atomic.Uint64 // time spent inside callbacks
	OutUnits     atomic.Uint64 // messages delivered to this loop's connections (Conn.CountOut)
	OutPayload   atomic.Uint64 // their payload bytes
	InUnits      atomic.Uint64 // messages received, counted by the handler (CountIn)
	InPayload    atomic.Uint64 // their payload bytes
}

// CountIn adds to the loop's input statistics. Loop-only (single writer).
func (s *LoopStats) CountIn(units, payload int) {
	s.InUnits.Store(s.InUnits.Load() + uint64(units))
	s.InPayload.Store(s.InPayload.Load() + uint64(payload))
}

func newLoop(e *Engine, el gnet.EventLoop, index int) *Loop {
	l := &Loop{engine: e, el: el, index: index}
	l.drainTask = gnet.RunnableFunc(func(context.Context) error {
		start := l.enter()
		l.drainInbox()
		l.leave(start)
		return nil
	})
	l.tickTask = gnet.RunnableFunc(func(context.Context) error {
		l.tickQueued.Store(false)
		start := l.enter()
		l.engine.handler.OnTick(l, start)
		l.leave(start)
		return nil
	})
	return l
}

// Index is the loop's number, from 0 in the order loops were first seen. Safe
// from any goroutine.
func (l *Loop) Index() int { return l.index }

// Engine returns the engine the loop belongs to. Safe from any goroutine.
func (l *Loop) Engine() *Engine { return l.engine }

// MarkDirty schedules c for OnFlush at the end of the current callback. c must
// belong to this loop.
func (l *Loop) MarkDirty(c *Conn) {
	if c.dirty || c.closed {
		return
	}
	c.dirty = true
	l.dirty = append(l.dirty, c)
}

// Outbox returns this loop's outbox for the destination loop dst. Records added
// to it are handed to dst at the end of the current callback. Loop-only.
func (l *Loop) Outbox(dst *Loop) *Outbox {
	for len(l.outboxes) <= dst.index {
		l.outboxes = append(l.outboxes, nil)
	}
	ob := l.outboxes[dst.index]
	if ob == nil {
		ob = newOutbox(l, dst)
		l.outboxes[dst.index] = ob
	}
	return ob
}

// Post runs fn on this loop soon. Safe from any goroutine; fn must not block.
// Use it for results coming back from workers (an auth verdict, a dialed route).
func (l *Loop) Post(fn func()) {
	_ = l.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		start := l.enter()
		fn()
		l.leave(start)
		return nil
	}))
}

// enter and leave bracket every callback: the outermost leave hands outboxes off,
// flushes dirty connections and accounts the busy time.
func (l *Loop) enter() time.Time {
	l.depth++
	if l.depth == 1 {
		return time.Now()
	}
	return time.Time{}
}

func (l *Loop) leave(start time.Time) {
	l.depth--
	if l.depth > 0 {
		return
	}
	l.finish()
	l.Stats.BusyNanos.Add(uint64(time.Since(start)))
}

func (l *Loop) finish() {
	// Hand-offs first, so other loops start working while we write.
	for len(l.sending) > 0 {
		sending := l.sending
		l.sending = l.sending[:0]
		for _, ob := range sending {
			ob.queued = false
			ob.dst.receive(ob)
		}
	}
	for len(l.dirty) > 0 {
		d := l.dirty
		l.dirty = nil
		for _, c := range d {
			c.dirty = false
			if c.closed {
				continue
			}
			l.flushConn(c)
			c.ReleaseOut()
		}
		if l.dirty == nil {
			l.dirty = d[:0]
		}
	}
}

// receive is called by another loop to hand over a full outbox. Safe from any goroutine.
func (l *Loop) receive(ob *Outbox) {
	batch := ob.detach()
	l.inboxMu.Lock()
	l.inbox = append(l.inbox, batch)
	wake := !l.scheduled
	l.scheduled = true
	l.inboxMu.Unlock()
	if wake {
		if err := l.el.Execute(context.Background(), l.drainTask); err != nil {
			l.inboxMu.Lock()
			l.scheduled = false
			l.inboxMu.Unlock()
		}
	}
}

func (l *Loop) drainInbox() {
	l.inboxMu.Lock()
	batches := l.inbox
	l.inbox = nil
	l.scheduled = false
	l.inboxMu.Unlock()
	l.Stats.Wakeups.Add(1)
	for _, b := range batches {
		b.deliver(l)
		b.release()
	}
}

func (l *Loop) tick() {
	if l.tickQueued.CompareAndSwap(false, true) {
		if err := l.el.Execute(context.Background(), l.tickTask); err != nil {
			l.tickQueued.Store(false)
		}
	}
}
