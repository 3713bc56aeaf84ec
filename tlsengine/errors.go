package tlsengine

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
)

var (
	// ErrSessionClosed is returned by a Session after Close.
	ErrSessionClosed = errors.New("tlsengine: session closed")
	// ErrHandshakeIncomplete is returned by Write and CloseNotify before the handshake finished.
	ErrHandshakeIncomplete = errors.New("tlsengine: handshake not complete")
	// ErrCertNotPinned fails a handshake whose peer certificate's SPKI digest is not in
	// Config.PinnedCerts. The error returned by the handshake wraps it and names the digest.
	ErrCertNotPinned = errors.New("tlsengine: certificate not pinned")
)

// errWouldBlock is what the in-memory transport answers when crypto/tls asks for bytes that
// have not arrived. It is a net.Error whose Temporary() is true, which crypto/tls does not
// latch (conn.go readRecordOrCCS), so the next Read after more input carries on.
var errWouldBlock error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "tlsengine: no buffered input" }
func (wouldBlock) Timeout() bool   { return false }
func (wouldBlock) Temporary() bool { return true }

var _ net.Error = wouldBlock{}

// firstRecordMsg is the crypto/tls RecordHeaderError text for a peer that does not speak TLS.
const firstRecordMsg = "first record does not look like a TLS handshake"

// IsProbeError reports whether a handshake error is the kind a load balancer's health probe
// or a plaintext client causes (nats-server logs these at DEBUG instead of ERROR): the peer
// went away (io.EOF, io.ErrUnexpectedEOF), a timeout, or a first record that is not TLS.
// It is a pure function, safe from any goroutine.
func IsProbeError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return true
	}
	if rhe, ok := errors.AsType[tls.RecordHeaderError](err); ok && rhe.Msg == firstRecordMsg {
		return true
	}
	return false
}
