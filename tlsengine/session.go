package tlsengine

import (
	"crypto/tls"
	"crypto/x509"
	"iter"
	"net"
	"slices"
	"time"
)

// minReadSpace is the free room FeedAppend makes in dst before each tls.Conn.Read. A record
// whose plaintext does not fit is returned over several Reads and dst grows; after a few
// Feeds dst is as large as one Feed's plaintext and stops growing.
const minReadSpace = 4096

// Session is one TLS connection whose bytes travel through the caller, not through a socket.
// The caller owns it: every method must be called from one goroutine at a time (the event
// loop that owns the connection), and never from inside a tls.Config callback, which runs in
// the middle of a Feed or Start. A Session that was started must be closed with Close.
type Session struct {
	tconn *tls.Conn
	wire  transport

	// The handshake coroutine (see doc.go). next and stop are non-nil while it is paused.
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool
	hsErr error

	done     bool  // the handshake succeeded
	justDone bool  // done was set by the last Feed or Start and JustCompleted has not said so
	closed   bool  // Close was called
	err      error // latched: the handshake error, a record error, io.EOF, or ErrSessionClosed

	// Inbound ciphertext that crypto/tls has not taken yet. During Feed, src may alias the
	// caller's slice (borrowed); before Feed returns, what is left is copied into inbuf.
	src      []byte
	inbuf    []byte
	borrowed bool
	// Record accounting. crypto/tls is handed whole records only, so Feed can count the
	// records it holds and stop calling Read when none are left, instead of reading until
	// "would block" (a probe that costs crypto/tls an allocation).
	partial int  // bytes of the record at the front of src whose start was handed over
	unread  int  // upper bound on whole records crypto/tls holds and has not decrypted
	stream  bool // a header did not look like TLS: hand over everything, read until would-block
	probe   bool // crypto/tls may hold records we did not count: read until would-block
	short   bool // the last Read filled its buffer: crypto/tls may hold more plaintext

	plain []byte // Feed's result buffer
	out   []byte // ciphertext waiting for Outbound
}

// NewServerSession returns a Session that accepts a handshake with cfg. cfg must not be
// modified afterwards (crypto/tls rule). Any goroutine may create a Session; from then on it
// belongs to one goroutine.
func NewServerSession(cfg *tls.Config) *Session {
	s := &Session{}
	s.wire.s = s
	s.tconn = tls.Server(&s.wire, cfg)
	return s
}

// NewClientSession returns a Session that dials with cfg; set cfg.ServerName (or
// InsecureSkipVerify) before. Call Start to produce the ClientHello.
func NewClientSession(cfg *tls.Config) *Session {
	s := &Session{}
	s.wire.s = s
	s.tconn = tls.Client(&s.wire, cfg)
	return s
}

// Start runs the handshake until it needs input: a client writes its ClientHello to the
// outbound buffer, a server just waits. Send Outbound afterwards. It returns the latched error
// if the session already failed; after the handshake it does nothing.
func (s *Session) Start() error {
	if s.err != nil {
		return s.err
	}
	if !s.done {
		s.advance()
	}
	return s.err
}

// Feed takes received ciphertext, advances the handshake while it runs, and decrypts every
// complete record. The plaintext is valid until the next call on the Session; ciphertext is
// not retained. The error is latched: the handshake error, a record error, io.EOF after the
// peer's close_notify (with the plaintext that preceded it), or ErrSessionClosed. After every
// Feed, send Outbound: it may hold handshake messages, alerts or KeyUpdate answers, even when
// Feed returned an error.
func (s *Session) Feed(ciphertext []byte) (plaintext []byte, err error) {
	s.plain, err = s.FeedAppend(s.plain[:0], ciphertext)
	return s.plain, err
}

// FeedAppend is Feed appending the plaintext to dst, so a loop can decrypt every connection
// into one scratch buffer instead of one buffer per Session. dst grows as needed.
func (s *Session) FeedAppend(dst, ciphertext []byte) ([]byte, error) {
	if s.err != nil {
		return dst, s.err
	}
	s.attach(ciphertext)
	if !s.done {
		s.advance()
		if !s.done {
			s.detach()
			return dst, s.err
		}
	}
	dst, err := s.readPlain(dst)
	s.detach()
	return dst, err
}

// HandshakeComplete reports whether the handshake succeeded.
func (s *Session) HandshakeComplete() bool { return s.done }

// JustCompleted reports true once, after the Feed or Start during which the handshake
// succeeded, so the caller logs "TLS handshake complete" exactly once.
func (s *Session) JustCompleted() bool {
	j := s.justDone
	s.justDone = false
	return j
}

// Write encrypts plaintext into the outbound buffer, in records of up to 16 KiB. Call it once
// per batch: each call ends at least one record. It fails before the handshake completes.
// p is not retained.
func (s *Session) Write(p []byte) error {
	if s.closed {
		return ErrSessionClosed
	}
	if !s.done {
		if s.err != nil {
			return s.err
		}
		return ErrHandshakeIncomplete
	}
	_, err := s.tconn.Write(p)
	return err
}

// CloseNotify appends a close_notify alert to the outbound buffer; later Writes fail. Send
// Outbound, then close the socket.
func (s *Session) CloseNotify() error {
	if s.closed {
		return ErrSessionClosed
	}
	if !s.done {
		return ErrHandshakeIncomplete
	}
	return s.tconn.CloseWrite()
}

// Outbound returns the pending ciphertext and empties the buffer. The slice is valid until
// the next call on the Session, which reuses its memory.
func (s *Session) Outbound() []byte {
	out := s.out
	s.out = s.out[:0]
	return out
}

// AppendOutbound appends the pending ciphertext to dst, empties the buffer and returns dst.
func (s *Session) AppendOutbound(dst []byte) []byte {
	dst = append(dst, s.out...)
	s.out = s.out[:0]
	return dst
}

// ConnectionState returns the negotiated parameters once the handshake has completed, and
// the zero value before (a paused handshake holds the tls.Conn's lock).
func (s *Session) ConnectionState() tls.ConnectionState {
	if !s.done {
		return tls.ConnectionState{}
	}
	return s.tconn.ConnectionState()
}

// VerifiedChains returns the peer's verified certificate chains (for verify_and_map), or nil
// before the handshake completed or when the peer's certificate was not verified.
func (s *Session) VerifiedChains() [][]*x509.Certificate {
	return s.ConnectionState().VerifiedChains
}

// Close releases the Session. A paused handshake is resumed with an error so that its
// coroutine returns before Close does: no goroutine is left. Pending outbound bytes are
// dropped (send Outbound first if they matter). Later calls return ErrSessionClosed; Close is
// safe to call twice.
func (s *Session) Close() {
	if s.closed {
		return
	}
	s.closed = true
	if stop := s.stop; stop != nil {
		s.next, s.stop = nil, nil
		stop()
	}
	s.err = ErrSessionClosed
	s.src, s.inbuf, s.plain, s.out = nil, nil, nil, nil
}

// advance resumes the handshake coroutine, creating it on first use, until it pauses for
// input or returns.
func (s *Session) advance() {
	if s.next == nil {
		s.next, s.stop = iter.Pull(s.handshake)
	}
	if _, paused := s.next(); paused {
		return
	}
	// The coroutine has returned and its goroutine is gone; stop has nothing left to do.
	s.next, s.stop = nil, nil
	if s.hsErr != nil {
		s.err = s.hsErr
		return
	}
	s.done, s.justDone = true, true
	// Records that came with the last handshake flight may already sit in crypto/tls.
	s.probe = true
}

// handshake is the coroutine body. transport.Read yields through s.yield when it has no
// input, which pauses tls.Conn.Handshake exactly where it waits for bytes.
func (s *Session) handshake(yield func(struct{}) bool) {
	s.yield = yield
	s.hsErr = s.tconn.Handshake()
	s.yield = nil
}

// readPlain decrypts what crypto/tls can decrypt, appending to dst.
func (s *Session) readPlain(dst []byte) ([]byte, error) {
	for s.probe || s.stream || s.short || s.unread > 0 || s.partial > 0 || recordSize(s.src) != 0 {
		if cap(dst)-len(dst) < minReadSpace {
			dst = slices.Grow(dst, minReadSpace)
		}
		free := dst[len(dst):cap(dst)]
		wasShort := s.short
		n, err := s.tconn.Read(free)
		dst = dst[:len(dst)+n]
		if n > 0 {
			// A Read that returned data consumed at least one record, unless it only
			// returned plaintext left over from the previous, full, Read.
			if !wasShort && s.unread > 0 {
				s.unread--
			}
			s.short = n == len(free)
		}
		if err == nil {
			continue
		}
		if err == errWouldBlock {
			s.probe, s.short, s.unread = false, false, 0
			break
		}
		s.err = err
		return dst, err
	}
	return dst, nil
}

// attach makes ciphertext the tail of the pending input, borrowing it when nothing is
// pending.
func (s *Session) attach(ciphertext []byte) {
	if len(ciphertext) == 0 {
		return
	}
	if len(s.src) == 0 {
		s.src, s.borrowed = ciphertext, true
		return
	}
	n := copy(s.inbuf[:cap(s.inbuf)], s.src) // src is a window of inbuf
	s.inbuf = append(s.inbuf[:n], ciphertext...)
	s.src = s.inbuf
}

// detach copies what is left of a borrowed slice into inbuf, before Feed returns.
func (s *Session) detach() {
	if !s.borrowed {
		return
	}
	s.borrowed = false
	s.inbuf = append(s.inbuf[:0], s.src...)
	s.src = s.inbuf
}

// handOver is transport.Read: crypto/tls asks for ciphertext.
func (s *Session) handOver(p []byte) (int, error) {
	for {
		if s.closed {
			return 0, ErrSessionClosed
		}
		if n := s.copyRecords(p); n > 0 {
			return n, nil
		}
		if s.yield == nil {
			return 0, errWouldBlock
		}
		// Pause the handshake until the next Feed (or Close, which makes yield false).
		if !s.yield(struct{}{}) {
			return 0, ErrSessionClosed
		}
	}
}

// copyRecords copies whole records from src into p, splitting the last one only when p is
// too small (crypto/tls then asks for the rest within the same call).
func (s *Session) copyRecords(p []byte) int {
	n := 0
	for n < len(p) {
		if s.partial == 0 && !s.stream {
			size := recordSize(s.src)
			if size == 0 {
				break
			}
			if size < 0 {
				// Not TLS: let crypto/tls see the bytes and fail with its own error.
				s.stream = true
			} else {
				s.partial = size
				s.unread++
			}
		}
		if s.stream {
			k := copy(p[n:], s.src)
			s.src = s.src[k:]
			return n + k
		}
		k := copy(p[n:], s.src[:s.partial])
		s.src = s.src[k:]
		s.partial -= k
		n += k
	}
	return n
}

// TLS record header fields (RFC 8446 section 5.1).
const (
	recordHeaderLen = 5
	// maxRecordBody is the largest ciphertext body crypto/tls accepts (TLS 1.2 bound).
	maxRecordBody = 16384 + 2048
	recordTypeMin = 20 // change_cipher_spec
	recordTypeMax = 23 // application_data
)

// recordTypeHandshake opens every TLS connection: the ClientHello's record type.
const recordTypeHandshake = 22

// LooksLikeTLS reports whether the first bytes a client sent start a TLS handshake (a
// handshake record), which is how a port with allow_non_tls tells TLS clients from plaintext
// ones. It needs one byte; with none it returns false. Safe from any goroutine.
func LooksLikeTLS(b []byte) bool { return len(b) > 0 && b[0] == recordTypeHandshake }

// recordSize returns the length of the whole record at the front of b, 0 if b does not hold
// a whole record yet, or -1 if its header cannot be TLS.
func recordSize(b []byte) int {
	if len(b) > 0 && (b[0] < recordTypeMin || b[0] > recordTypeMax) {
		return -1
	}
	if len(b) > 1 && b[1] != 3 {
		return -1
	}
	if len(b) < recordHeaderLen {
		return 0
	}
	body := int(b[3])<<8 | int(b[4])
	if body > maxRecordBody {
		return -1
	}
	if len(b) < recordHeaderLen+body {
		return 0
	}
	return recordHeaderLen + body
}

// transport is the net.Conn crypto/tls reads from and writes to: memory owned by the Session.
type transport struct{ s *Session }

func (t *transport) Read(p []byte) (int, error) { return t.s.handOver(p) }

func (t *transport) Write(p []byte) (int, error) {
	if !t.s.closed {
		t.s.out = append(t.s.out, p...)
	}
	return len(p), nil
}

func (*transport) Close() error                     { return nil }
func (*transport) LocalAddr() net.Addr              { return memAddr{} }
func (*transport) RemoteAddr() net.Addr             { return memAddr{} }
func (*transport) SetDeadline(time.Time) error      { return nil }
func (*transport) SetReadDeadline(time.Time) error  { return nil }
func (*transport) SetWriteDeadline(time.Time) error { return nil }

type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "tlsengine" }
