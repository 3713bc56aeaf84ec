package reactor

import "sync"

// Outbox collects bytes for connections of one destination loop while a
// callback runs on the source loop. Loop-only on the source loop.
type Outbox struct {
	src, dst *Loop
	buf      []byte
	recs     []record
	queued   bool
}

type record struct {
	c        *Conn
	off, end int
	units    int // frames (messages) in the record
	payload  int // payload bytes the frames carry, for statistics
}

// batch is a detached outbox in flight to, or being delivered by, its destination.
type batch struct {
	buf  []byte
	recs []record
}

var batchPool = sync.Pool{New: func() any { return new(batch) }}

func newOutbox(src, dst *Loop) *Outbox {
	return &Outbox{src: src, dst: dst}
}

// Begin returns the buffer to append c's bytes to. Pass the grown buffer back
// to End. Between Begin and End nothing else may use the outbox.
func (ob *Outbox) Begin() []byte { return ob.buf }

// End records that the bytes appended since Begin (buf[start:]) are for c,
// where start was len(Begin()). units and payload are added to c's output
// statistics when the bytes reach c (see Conn.CountOut).
func (ob *Outbox) End(c *Conn, buf []byte, start, units, payload int) {
	n := len(buf) - start
	ob.buf = buf
	if n <= 0 {
		return
	}
	c.pendingRemote.Add(int64(n))
	if k := len(ob.recs) - 1; k >= 0 && ob.recs[k].c == c && ob.recs[k].end == start {
		ob.recs[k].end = len(buf)
		ob.recs[k].units += units
		ob.recs[k].payload += payload
	} else {
		ob.recs = append(ob.recs, record{c: c, off: start, end: len(buf), units: units, payload: payload})
	}
	if !ob.queued {
		ob.queued = true
		ob.src.sending = append(ob.src.sending, ob)
	}
}

// Len is the number of bytes waiting in the outbox.
func (ob *Outbox) Len() int { return len(ob.buf) }

// detach moves the outbox's contents into a batch, leaving it empty but with
// recycled storage.
func (ob *Outbox) detach() *batch {
	b := batchPool.Get().(*batch)
	b.buf, ob.buf = ob.buf, b.buf[:0]
	b.recs, ob.recs = ob.recs, b.recs[:0]
	return b
}

// deliver copies every record into its connection's Out and marks it dirty.
// Runs on the destination loop.
func (b *batch) deliver(l *Loop) {
	for i := range b.recs {
		r := &b.recs[i]
		c := r.c
		c.pendingRemote.Add(-int64(r.end - r.off))
		if c.closed {
			continue
		}
		c.Out = append(c.OutBuf(), b.buf[r.off:r.end]...)
		c.CountOut(r.units, r.payload)
		l.MarkDirty(c)
		if len(c.Out) >= flushEarly {
			// Several batches for a busy connection: write now rather than
			// grow Out without bound.
			l.flushConn(c)
		}
	}
}

func (b *batch) release() {
	for i := range b.recs {
		b.recs[i].c = nil
	}
	b.recs = b.recs[:0]
	if cap(b.buf) > 4<<20 {
		b.buf = nil
	}
	b.buf = b.buf[:0]
	batchPool.Put(b)
}
