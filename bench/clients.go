package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/evnats/evnats/proto"
)

// epoch is the origin of the timestamps carried in payloads. Publishers and
// subscribers live in this process, so a monotonic offset is all they need.
var epoch = time.Now()

func nanotime() int64 { return int64(time.Since(epoch)) }

// newHist returns a latency histogram in nanoseconds, 1 ns to 1 minute, with 3
// significant digits.
func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Minute), 3)
}

// clientStats is one client's record. msgs is live (read by the progress bar);
// the other fields belong to the client's goroutine until the runner has waited
// for it.
type clientStats struct {
	role    string
	sent    atomic.Int64 // publishers, requesters: messages written
	msgs    atomic.Int64 // messages completed: published, received, or replies
	bytes   int64
	start   time.Time // publishers: first write; receivers: unused (the run's start)
	end     time.Time // publishers: last PONG; receivers: last read with a message
	connect time.Duration
	hist    *hdrhistogram.Histogram // nil when not measuring latency

	closedByServer bool   // the connection ended before the runner closed it
	errText        string // last -ERR received
	err            error  // why the client stopped early
}

// recvHandler is the parser callback of subscribers, repliers and requesters.
// It runs on the connection's reader goroutine and allocates nothing per message.
type recvHandler struct {
	proto.NopHandler
	c       *conn
	n       int64
	bytes   int64
	now     int64 // nanotime of the read being parsed
	hist    *hdrhistogram.Histogram
	replier bool
	out     []byte // replier: responses to write after the parse
	pongs   chan struct{}
	errText string
}

func (h *recvHandler) Msg(_, _, reply, payload []byte) error {
	h.n++
	h.bytes += int64(len(payload))
	if h.hist != nil && len(payload) >= 8 {
		_ = h.hist.RecordValue(max(h.now-int64(binary.LittleEndian.Uint64(payload)), 1))
	}
	if h.replier && len(reply) > 0 {
		h.out = proto.AppendPub(h.out, reply, nil, payload)
	}
	return nil
}

func (h *recvHandler) Ping() error {
	_, err := h.c.Write(proto.PongFrame)
	return err
}

func (h *recvHandler) Pong() error {
	if h.pongs != nil {
		select {
		case h.pongs <- struct{}{}:
		default:
		}
	}
	return nil
}

func (h *recvHandler) Err(text []byte) error {
	h.errText = string(text)
	return nil
}

// receive is the reader goroutine of a subscriber, replier or publisher. It
// returns when the connection fails or is closed; closing tells which side
// closed it.
func (r *runner) receive(c *conn, st *clientStats, h *recvHandler, closing *atomic.Bool) {
	h.c = c
	for {
		n, err := c.Read(c.rbuf)
		if n > 0 {
			h.now = nanotime()
			before := h.n
			perr := c.p.Parse(c.rbuf[:n], h)
			if h.n != before {
				st.end = time.Now()
				st.msgs.Store(h.n)
				st.bytes = h.bytes
				if !h.replier {
					r.gate.delivered(h.n - before)
					r.arrived.Add(h.n - before)
				}
			}
			if h.errText != "" {
				st.errText = h.errText
			}
			if len(h.out) > 0 {
				if _, werr := c.Write(h.out); werr != nil && err == nil {
					err = werr
				}
				h.out = h.out[:0]
			}
			if perr != nil {
				err = perr
			}
		}
		if err != nil {
			if !closing.Load() {
				st.closedByServer = true
				if !errors.Is(err, io.EOF) {
					st.err = unwrapOp(err)
				}
				r.gate.release()
			}
			return
		}
	}
}

// batch is a publisher's prebuilt write: frames PUB frames of equal length,
// then a PING. Timestamps are patched into the payloads before each write.
type batch struct {
	buf    []byte
	frames int
	frame  int // length of one PUB frame
	stamp  int // offset of the payload within a frame, -1 when too small to stamp
	tail   []byte
}

func newBatch(subject, reply []byte, size, limit int) *batch {
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	one := proto.AppendPub(nil, subject, reply, payload)
	b := &batch{frame: len(one), stamp: -1, frames: max(1, limit/len(one))}
	if size >= 8 {
		b.stamp = len(one) - size - 2
	}
	b.buf = make([]byte, 0, b.frames*b.frame+len(proto.PingFrame))
	for range b.frames {
		b.buf = append(b.buf, one...)
	}
	b.buf = append(b.buf, proto.PingFrame...)
	return b
}

// bytes stamps the first n frames with now and returns them followed by a PING.
// The result is valid until the next call.
func (b *batch) bytes(n int, now int64) []byte {
	if b.stamp >= 0 {
		for i := range n {
			binary.LittleEndian.PutUint64(b.buf[i*b.frame+b.stamp:], uint64(now))
		}
	}
	if n == b.frames {
		return b.buf
	}
	b.tail = append(b.tail[:0], b.buf[:n*b.frame]...)
	return append(b.tail, proto.PingFrame...)
}

// publish sends count messages (or until deadline when count is 0) in batches,
// one PING per batch, keeping at most window PINGs unanswered and waiting on the
// gate. It ends with all PINGs answered, i.e. with every message processed by
// the server.
func (r *runner) publish(c *conn, st *clientStats, pongs <-chan struct{}, dead <-chan struct{}, count int64) {
	b := newBatch([]byte(r.cfg.Subject), nil, r.cfg.Size, r.cfg.BatchSize)
	<-r.startCh
	st.start = time.Now()
	outstanding := 0
	var sent int64
	awaitPong := func() bool {
		select {
		case <-pongs:
			outstanding--
			return true
		case <-dead:
			st.err = errors.New("publisher connection lost")
		case <-r.stopCh:
		}
		return false
	}
	for count == 0 || sent < count {
		n := b.frames
		if count > 0 {
			n = int(min(int64(n), count-sent))
		}
		if _, err := c.Write(b.bytes(n, nanotime())); err != nil {
			st.err = unwrapOp(err)
			return
		}
		outstanding++
		sent += int64(n)
		st.sent.Store(sent)
		st.msgs.Store(sent)
		r.gate.sent(int64(n))
		for outstanding > r.cfg.Window {
			if !awaitPong() {
				return
			}
		}
		if !r.gate.wait(r.stopCh) {
			return
		}
		if count == 0 && !time.Now().Before(r.deadline) {
			break
		}
	}
	for outstanding > 0 {
		if !awaitPong() {
			return
		}
	}
	st.end = time.Now()
	st.bytes = sent * int64(r.cfg.Size)
}

// replyTimeout is how long a requester waits for one reply before it stops and
// the request counts as lost, unless Config.replyTimeout says otherwise.
const replyTimeout = 5 * time.Second

// request sends count requests (or until deadline when count is 0), one at a
// time, each waiting for its reply; the reply's echoed timestamp gives the
// round-trip latency.
func (r *runner) request(c *conn, st *clientStats, inbox []byte, count int64, closing *atomic.Bool) {
	b := newBatch([]byte(r.cfg.Subject), inbox, r.cfg.Size, 0)
	frame := b.buf[:b.frame]
	h := &recvHandler{c: c, hist: st.hist}
	wait := replyTimeout
	if r.cfg.replyTimeout > 0 {
		wait = r.cfg.replyTimeout
	}
	<-r.startCh
	st.start = time.Now()
	for count == 0 || h.n < count {
		binary.LittleEndian.PutUint64(frame[b.stamp:], uint64(nanotime()))
		st.sent.Add(1)
		if _, err := c.Write(frame); err != nil {
			if !closing.Load() {
				st.closedByServer, st.err = true, unwrapOp(err)
			}
			return
		}
		want := h.n + 1
		_ = c.SetReadDeadline(time.Now().Add(wait))
		for h.n < want {
			n, err := c.Read(c.rbuf)
			if n > 0 {
				h.now = nanotime()
				if perr := c.p.Parse(c.rbuf[:n], h); perr != nil && err == nil {
					err = perr
				}
				if h.errText != "" {
					st.errText = h.errText
				}
			}
			if err != nil {
				switch {
				case closing.Load():
				case errors.Is(err, os.ErrDeadlineExceeded):
					st.err = fmt.Errorf("no reply within %v", wait)
				default:
					st.closedByServer, st.err = true, unwrapOp(err)
				}
				return
			}
		}
		st.msgs.Store(h.n)
		r.arrived.Add(1)
		st.end = time.Now()
		st.bytes = h.bytes
		if count == 0 && !st.end.Before(r.deadline) {
			return
		}
	}
}
