package tlsengine

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds every wait in these tests; nothing waits this long when things work.
const testTimeout = 20 * time.Second

func certPath(name string) string { return filepath.Join("..", "configs", "certs", name) }

func loadPair(tb testing.TB, cert, key string) tls.Certificate {
	tb.Helper()
	c, err := tls.LoadX509KeyPair(certPath(cert), certPath(key))
	if err != nil {
		tb.Fatalf("load %s: %v", cert, err)
	}
	return c
}

func loadPool(tb testing.TB, name string) *x509.CertPool {
	tb.Helper()
	pem, err := os.ReadFile(certPath(name))
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		tb.Fatalf("no certificates in %s", name)
	}
	return pool
}

func loadLeaf(tb testing.TB, name string) *x509.Certificate {
	tb.Helper()
	pair := loadPair(tb, name, keyFileFor(name))
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		tb.Fatal(err)
	}
	return leaf
}

// keyFileFor maps a certificate file of configs/certs to its key file.
func keyFileFor(cert string) string {
	switch cert {
	case "tlsauth/client2.pem":
		return "tlsauth/client2-key.pem"
	case "server.pem":
		return "key.pem"
	}
	return cert[:len(cert)-len("cert.pem")] + "key.pem"
}

// keyKind names the server certificates used by the matrix tests.
type keyKind string

const (
	rsaKey   keyKind = "RSA"
	ecdsaKey keyKind = "ECDSA"
)

func serverPair(tb testing.TB, k keyKind) tls.Certificate {
	tb.Helper()
	if k == rsaKey {
		return loadPair(tb, "server-cert.pem", "server-key.pem")
	}
	return loadPair(tb, "server-ecdsa-cert.pem", "server-ecdsa-key.pem")
}

// stockServerConfig is a plain crypto/tls server config, as a peer for client Sessions.
func stockServerConfig(tb testing.TB, k keyKind, version uint16) *tls.Config {
	tb.Helper()
	return &tls.Config{
		Certificates: []tls.Certificate{serverPair(tb, k)},
		MinVersion:   version,
		MaxVersion:   version,
	}
}

// stockClientConfig is a plain crypto/tls client config trusting ca.pem.
func stockClientConfig(tb testing.TB, version uint16) *tls.Config {
	tb.Helper()
	return &tls.Config{
		RootCAs:    loadPool(tb, "ca.pem"),
		ServerName: "localhost",
		MinVersion: version,
		MaxVersion: version,
	}
}

// pipeEnd is one end of an in-memory full-duplex byte stream: Write never blocks, Read
// blocks until there is data or the stream is closed. Safe for one reader and any writers.
type pipeEnd struct {
	in, out *pipeBuf
}

type pipeBuf struct {
	mu     sync.Mutex
	data   []byte
	closed bool
	ready  chan struct{} // one pending wake-up for the reader
}

func newPipeBuf() *pipeBuf { return &pipeBuf{ready: make(chan struct{}, 1)} }

func (b *pipeBuf) wake() {
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// newPipe returns two connected ends; closing either closes both directions.
func newPipe() (*pipeEnd, *pipeEnd) {
	ab, ba := newPipeBuf(), newPipeBuf()
	return &pipeEnd{in: ba, out: ab}, &pipeEnd{in: ab, out: ba}
}

// take returns what is buffered, waiting up to wait for something; eof reports a closed,
// drained stream.
func (p *pipeEnd) take(wait time.Duration) (data []byte, eof bool) {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		p.in.mu.Lock()
		if len(p.in.data) > 0 {
			data = append([]byte(nil), p.in.data...)
			p.in.data = p.in.data[:0]
			p.in.mu.Unlock()
			return data, false
		}
		closed := p.in.closed
		p.in.mu.Unlock()
		if closed {
			return nil, true
		}
		select {
		case <-p.in.ready:
		case <-timer.C:
			return nil, false
		}
	}
}

func (p *pipeEnd) Read(b []byte) (int, error) {
	for {
		p.in.mu.Lock()
		if len(p.in.data) > 0 {
			n := copy(b, p.in.data)
			p.in.data = p.in.data[n:]
			p.in.mu.Unlock()
			return n, nil
		}
		closed := p.in.closed
		p.in.mu.Unlock()
		if closed {
			return 0, io.EOF
		}
		<-p.in.ready
	}
}

func (p *pipeEnd) Write(b []byte) (int, error) {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	if p.out.closed {
		return 0, net.ErrClosed
	}
	p.out.data = append(p.out.data, b...)
	p.out.wake()
	return len(b), nil
}

func (p *pipeEnd) Close() error {
	for _, b := range []*pipeBuf{p.in, p.out} {
		b.mu.Lock()
		b.closed = true
		b.wake()
		b.mu.Unlock()
	}
	return nil
}

func (*pipeEnd) LocalAddr() net.Addr              { return memAddr{} }
func (*pipeEnd) RemoteAddr() net.Addr             { return memAddr{} }
func (*pipeEnd) SetDeadline(time.Time) error      { return nil }
func (*pipeEnd) SetReadDeadline(time.Time) error  { return nil }
func (*pipeEnd) SetWriteDeadline(time.Time) error { return nil }

// sessionEnd drives a Session over a pipeEnd from the test goroutine, as an event loop would.
type sessionEnd struct {
	t     *testing.T
	s     *Session
	wire  *pipeEnd
	chunk int    // feed at most this many bytes per Feed; 0 feeds what arrived at once
	plain []byte // all plaintext Feed returned
	err   error  // the first error Feed returned
	eof   bool   // the wire was closed and drained
}

func (e *sessionEnd) flush() {
	if out := e.s.Outbound(); len(out) > 0 {
		_, _ = e.wire.Write(out) // fails only when the peer has gone, which the test reports
	}
}

func (e *sessionEnd) feed(data []byte) {
	for len(data) > 0 && e.err == nil {
		n := len(data)
		if e.chunk > 0 && n > e.chunk {
			n = e.chunk
		}
		p, err := e.s.Feed(data[:n])
		data = data[n:]
		e.plain = append(e.plain, p...)
		e.flush()
		if err != nil {
			e.err = err
		}
	}
}

// until pumps bytes until cond holds, Feed fails, or the wire is closed and drained.
func (e *sessionEnd) until(cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() && e.err == nil && !e.eof {
		if time.Now().After(deadline) {
			e.t.Fatal("timed out pumping the session")
		}
		data, eof := e.wire.take(20 * time.Millisecond)
		e.eof = eof
		e.feed(data)
	}
}

// runPeer runs script on a stock tls.Conn in a goroutine and returns its result channel.
func runPeer(t *testing.T, conn *tls.Conn, script func(*tls.Conn) error) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- script(conn) }()
	t.Cleanup(func() { _ = conn.NetConn().Close() })
	return done
}

// waitPeer pumps e until the peer's script has finished and returns its error.
func waitPeer(e *sessionEnd, done <-chan error) error {
	e.t.Helper()
	var result error
	finished := false
	e.until(func() bool {
		select {
		case result = <-done:
			finished = true
		default:
		}
		return finished
	})
	if !finished {
		// The session failed or the wire closed first; the peer ends on its own.
		select {
		case result = <-done:
		case <-time.After(testTimeout):
			e.t.Fatal("peer did not finish")
		}
	}
	return result
}

// pairHandshake runs a client and a server Session against each other in the calling
// goroutine until both completed, one failed, or no bytes move.
func pairHandshake(client, server *Session) (clientErr, serverErr error) {
	if err := client.Start(); err != nil {
		return err, nil
	}
	for range 64 {
		moved := false
		if out := client.Outbound(); len(out) > 0 {
			moved = true
			if _, err := server.Feed(out); err != nil && serverErr == nil {
				serverErr = err
			}
		}
		if out := server.Outbound(); len(out) > 0 {
			moved = true
			if _, err := client.Feed(out); err != nil && clientErr == nil {
				clientErr = err
			}
		}
		if !moved {
			break
		}
	}
	if clientErr == nil && serverErr == nil && !(client.HandshakeComplete() && server.HandshakeComplete()) {
		return errors.New("handshake stalled"), nil
	}
	return clientErr, serverErr
}
