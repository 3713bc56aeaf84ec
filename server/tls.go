package server

import (
	"crypto/tls"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/evnats/evnats/tlsengine"
)

// TLS handshakes run off the event loops.
//
// A full handshake costs the server about 0.3 ms of CPU with an ECDSA P-256
// certificate and 1-2.5 ms with RSA-2048 (TLS 1.3's hybrid key exchange adds
// to both), nearly all of it in the step that answers the ClientHello. Run on
// a loop, a storm of N reconnecting clients would hold every other client of
// that loop for N times that. So while a connection's handshake is incomplete,
// each batch of bytes it sends is a step for the handshake lane of the worker
// pool (workers.go): the loop appends the bytes to c.hs.in and, unless a step
// is already queued or running, hands the Session and those bytes to a worker.
// The worker runs Session.Feed (the handshake coroutine resumes on whichever
// goroutine calls it) and posts the result back to the loop, which sends the
// ciphertext, logs completion and processes any plaintext that followed the
// client's Finished. While a step is out (c.hs.busy), the loop does not touch
// c.tls; bytes that arrive meanwhile wait for the next step, bounded like the
// input held during a bcrypt check. Steps of one connection run in order;
// steps of different connections in FIFO order.
//
// The lane has GOMAXPROCS goroutines, of which the governor (governor.go)
// lets all run while no messages flow and half (at least one) while clients
// exchange messages, so however many clients reconnect at once, established
// clients see a busier machine, not a frozen loop. Handshakes that wait in the
// queue longer than the TLS timeout fail, as they would on an overloaded
// nats-server. Once the handshake is complete, records are decrypted and
// encrypted on the loop (microseconds per batch), and c.hs is nil.
//
// A connection that closes while a step is out leaves the Session to the
// worker (stepAbandoned), or closes it itself when the worker has already
// finished and posted (stepDone), so every Session is closed exactly once and
// no handshake coroutine stays parked.

const verifyAndMap = tlsengine.VerifyAndMap

// Who owns the Session while a step is out (tlsHandshake.state).
const (
	stepRunning   int32 = iota // the worker owns it
	stepDone                   // the worker has posted its result; the loop owns it
	stepAbandoned              // the connection closed first; the worker closes it
)

// handshakeInputSlack is what a connection may send, beyond one maximal
// message, while its handshake is incomplete.
const handshakeInputSlack = 64 << 10

var errHandshakeInput = errors.New("too much data received before the TLS handshake completed")

// tlsHandshake is a handshake in progress. Loop-only, except state.
type tlsHandshake struct {
	busy  bool   // a step is queued or running on a worker
	in    []byte // ciphertext received and not yet given to a step
	state atomic.Int32
}

// startTLS begins a server-side handshake. Anything already queued in Out
// (the plaintext INFO) is written first, unencrypted.
func (c *client) startTLS(tc *tls.Config, first bool) {
	if len(c.conn.Out) > 0 {
		_ = c.conn.Write(c.conn.Out)
		c.conn.Out = c.conn.Out[:0]
	}
	c.tls = tlsengine.NewServerSession(tc)
	c.hs = &tlsHandshake{}
	c.tlsFirst = first
	c.tlsDeadline = time.Now().Add(c.srv.lim.Load().tlsTimeout)
	if c.kind == kindRoute {
		c.debugf("Starting TLS route server handshake")
	} else {
		c.debugf("Starting TLS client connection handshake")
	}
}

// startClientTLS begins a client-side handshake (a route we dialed). The
// ClientHello is produced on the loop: a client's first step is cheap.
func (c *client) startClientTLS(tc *tls.Config) {
	c.tls = tlsengine.NewClientSession(tc)
	c.hs = &tlsHandshake{}
	c.tlsDeadline = time.Now().Add(c.srv.lim.Load().tlsTimeout)
	c.debugf("Starting TLS route client handshake")
	if err := c.tls.Start(); err != nil {
		c.tlsFailed(err)
		return
	}
	c.flushTLSHandshake()
}

// tlsData takes ciphertext read from the socket. data is only valid during
// the call. Loop-only.
func (c *client) tlsData(data []byte) {
	hs := c.hs
	if hs == nil {
		plain, err := c.tls.Feed(data)
		if ct := c.tls.Outbound(); len(ct) > 0 {
			_ = c.conn.Write(ct)
		}
		if len(plain) > 0 {
			c.process(plain)
		}
		if err != nil && !c.closing {
			c.tlsFailed(err)
		}
		return
	}
	lim := c.srv.lim.Load()
	if len(hs.in)+len(data) > lim.maxPayload+lim.maxControlLine+handshakeInputSlack {
		c.tlsFailed(errHandshakeInput)
		return
	}
	hs.in = append(hs.in, data...)
	if !hs.busy {
		c.handshakeStep()
	}
}

// handshakeStep gives the bytes in c.hs.in to the handshake. Loop-only.
func (c *client) handshakeStep() {
	hs := c.hs
	in := hs.in
	hs.in = nil
	sess := c.tls
	w := c.srv.workers
	if w.inlineHandshakes {
		plain, err := sess.Feed(in)
		c.handshakeStepDone(hs, plain, err)
		return
	}
	hs.busy = true
	hs.state.Store(stepRunning)
	loop := c.conn.Loop()
	err := w.submitHandshake(func() {
		if hs.state.Load() == stepAbandoned {
			sess.Close()
			return
		}
		plain, err := sess.Feed(in)
		if !hs.state.CompareAndSwap(stepRunning, stepDone) {
			sess.Close()
			return
		}
		loop.Post(func() { c.handshakeStepDone(hs, plain, err) })
	})
	if err != nil {
		hs.busy = false
		c.closeWith("Server Shutdown")
	}
}

// handshakeStepDone takes a step's result back on the loop: plain is the
// Session's buffer, valid until the next call on c.tls.
func (c *client) handshakeStepDone(hs *tlsHandshake, plain []byte, err error) {
	hs.busy = false
	if c.closing || c.conn.Closed() {
		c.tls.Close()
		return
	}
	c.flushTLSHandshake()
	if len(plain) > 0 {
		c.process(plain)
	}
	if err != nil {
		if !c.closing {
			c.tlsFailed(err)
		}
		return
	}
	if c.closing || len(hs.in) == 0 {
		return
	}
	if c.hs == nil {
		// Completed: what arrived meanwhile are records for the loop.
		in := hs.in
		hs.in = nil
		c.tlsData(in)
		return
	}
	c.handshakeStep()
}

// flushTLSHandshake sends what the TLS session produced (handshake messages,
// alerts) and, once the handshake completes, logs it and releases held output.
func (c *client) flushTLSHandshake() {
	if ct := c.tls.Outbound(); len(ct) > 0 {
		_ = c.conn.Write(ct)
	}
	if !c.tls.JustCompleted() {
		return
	}
	c.hs = nil
	c.tlsHandshaked = true
	c.tlsDeadline = time.Time{}
	cs := c.tls.ConnectionState()
	c.debugf("TLS handshake complete")
	c.debugf("TLS version %s, cipher suite %s", tlsengine.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
	if c.kind == kindRoute {
		c.routeTLSDone()
	} else if c.tlsFirst && !c.infoSent {
		c.sendInfo()
	}
	if len(c.conn.Out) > 0 {
		c.conn.MarkDirty()
	}
}

// tlsFailed logs a failed handshake or record and closes the connection.
func (c *client) tlsFailed(err error) {
	if c.tlsHandshaked {
		c.debugf("TLS read error: %v", err)
		c.closeWith("Client Closed")
		return
	}
	c.logHandshakeError(err)
	c.closeWith("TLS Handshake Failure")
}

// logHandshakeError logs as nats-server does: route failures and real client
// failures at [ERR]; what probes and plaintext clients cause at [DBG].
func (c *client) logHandshakeError(err error) {
	switch {
	case c.kind == kindRoute:
		c.errorf("TLS route handshake error: %v", err)
	case tlsengine.IsProbeError(err):
		c.debugf("TLS handshake error: %v", err)
	default:
		c.errorf("TLS handshake error: %v", err)
	}
}

// closeTLS releases the Session when the connection closes (OnClose).
// Loop-only.
func (c *client) closeTLS() {
	if c.tls == nil {
		return
	}
	if hs := c.hs; hs != nil {
		if c.closeReason == "" && !c.srv.shutdown.Load() {
			// The peer went away in the middle of the handshake.
			c.logHandshakeError(io.EOF)
			c.closeReason = "TLS Handshake Failure"
		}
		if hs.busy && hs.state.CompareAndSwap(stepRunning, stepAbandoned) {
			return // the worker closes the Session when its step ends
		}
	}
	c.tls.Close()
}

// handshakeFirstData decides, from the first bytes, between TLS and plaintext
// (allow_non_tls) or starts a handshake_first session that was waiting.
func (c *client) handshakeFirstData(data []byte) {
	sniff := c.tlsSniff
	c.tlsSniff = false
	c.tlsFirstWait = time.Time{}
	tc := c.srv.tlsConf.Load()
	if tc == nil || (sniff && !tlsengine.LooksLikeTLS(data)) {
		c.process(data)
		return
	}
	c.startTLS(tc, !sniff)
	c.tlsData(data)
}

// handshakeFirstFallback runs when a handshake_first client sent nothing in
// the fallback delay: the server sends INFO in plaintext and expects the
// usual upgrade.
func (c *client) handshakeFirstFallback() {
	c.tlsFirstWait = time.Time{}
	tc := c.srv.tlsConf.Load()
	c.sendInfo()
	if tc != nil {
		c.startTLS(tc, false)
	}
}
