package tlsengine

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSessionAgainstStockPeer runs a Session against crypto/tls's own client or server over
// an in-memory pipe: handshake, 40 KB each way, then close_notify each way.
func TestSessionAgainstStockPeer(t *testing.T) {
	type tcase struct {
		version uint16
		key     keyKind
		server  bool // the Session is the server; otherwise the client
		chunk   int
	}
	var cases []tcase
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, key := range []keyKind{rsaKey, ecdsaKey} {
			for _, server := range []bool{true, false} {
				for _, chunk := range []int{0, 1} {
					cases = append(cases, tcase{version: version, key: key, server: server, chunk: chunk})
				}
			}
		}
	}
	for _, tc := range cases {
		role := "client"
		if tc.server {
			role = "server"
		}
		name := fmt.Sprintf("TLS%s/%s/%s-session/chunk=%d", VersionName(tc.version), tc.key, role, tc.chunk)
		t.Run(name, func(t *testing.T) {
			fromSession := randomBytes(t, 40<<10)
			fromPeer := randomBytes(t, 40<<10)
			mine, theirs := newPipe()

			var s *Session
			var peer *tls.Conn
			if tc.server {
				cfg := stockServerConfig(t, tc.key, tc.version)
				cfg.CipherSuites = DefaultCipherSuites()
				s = NewServerSession(cfg)
				peer = tls.Client(theirs, stockClientConfig(t, tc.version))
			} else {
				s = NewClientSession(stockClientConfig(t, tc.version))
				peer = tls.Server(theirs, stockServerConfig(t, tc.key, tc.version))
			}
			defer s.Close()
			done := runPeer(t, peer, func(c *tls.Conn) error {
				if err := c.Handshake(); err != nil {
					return fmt.Errorf("peer handshake: %w", err)
				}
				if _, err := c.Write(fromPeer); err != nil {
					return fmt.Errorf("peer write: %w", err)
				}
				got := make([]byte, len(fromSession))
				if _, err := io.ReadFull(c, got); err != nil {
					return fmt.Errorf("peer read: %w", err)
				}
				if !bytes.Equal(got, fromSession) {
					return errors.New("peer received different bytes")
				}
				// The session's close_notify ends the stream cleanly.
				if n, err := c.Read(got[:1]); n != 0 || err != io.EOF {
					return fmt.Errorf("peer read after close_notify = %d, %v; want 0, EOF", n, err)
				}
				return c.Close() // sends our close_notify
			})

			e := &sessionEnd{t: t, s: s, wire: mine, chunk: tc.chunk}
			if err := s.Start(); err != nil {
				t.Fatalf("Start: %v", err)
			}
			e.flush()
			e.until(s.HandshakeComplete)
			if e.err != nil {
				t.Fatalf("handshake: %v", e.err)
			}
			if !s.JustCompleted() || s.JustCompleted() {
				t.Error("JustCompleted must report true exactly once")
			}
			st := s.ConnectionState()
			if st.Version != tc.version {
				t.Errorf("version %s, want %s", VersionName(st.Version), VersionName(tc.version))
			}
			if tc.version == tls.VersionTLS12 {
				name := tls.CipherSuiteName(st.CipherSuite)
				if !slices.Contains(DefaultCipherSuites(), st.CipherSuite) || !strings.Contains(name, "_"+string(tc.key)+"_") {
					t.Errorf("cipher suite %s for a %s key", name, tc.key)
				}
			}
			if !tc.server && len(s.VerifiedChains()) == 0 {
				t.Error("client session did not verify the server")
			}

			if err := s.Write(fromSession); err != nil {
				t.Fatalf("Write: %v", err)
			}
			e.flush()
			e.until(func() bool { return len(e.plain) >= len(fromPeer) })
			if !bytes.Equal(e.plain, fromPeer) {
				t.Fatalf("session received %d bytes, want the peer's %d", len(e.plain), len(fromPeer))
			}
			if err := s.CloseNotify(); err != nil {
				t.Fatalf("CloseNotify: %v", err)
			}
			e.flush()
			if err := waitPeer(e, done); err != nil {
				t.Fatal(err)
			}
			e.until(func() bool { return false }) // drain the peer's close_notify
			if e.err != io.EOF {
				t.Fatalf("Feed after the peer's close_notify: %v, want io.EOF", e.err)
			}
			if _, err := s.Feed(nil); err != io.EOF {
				t.Fatalf("io.EOF is not latched: %v", err)
			}
		})
	}
}

// TestClientCertificates checks Verify modes with a stock client that presents various
// certificates.
func TestClientCertificates(t *testing.T) {
	cases := []struct {
		name       string
		verify     VerifyMode
		clientCert string // "" presents none
		wantErr    string // substring of the server session's error; "" means success
		wantChain  bool
	}{
		{name: "required/given", verify: VerifyRequired, clientCert: "client-cert.pem", wantChain: true},
		{name: "required/missing", verify: VerifyRequired, wantErr: "client didn't provide a certificate"},
		{name: "required/expired", verify: VerifyRequired, clientCert: "client-expired-cert.pem", wantErr: "expired"},
		{name: "required/untrusted", verify: VerifyRequired, clientCert: "other-client-cert.pem", wantErr: "unknown authority"},
		{name: "optional/missing", verify: VerifyOptional},
		{name: "optional/given", verify: VerifyOptional, clientCert: "client-cert.pem", wantChain: true},
		{name: "optional/untrusted", verify: VerifyOptional, clientCert: "other-client-cert.pem", wantErr: "unknown authority"},
		{name: "map/id-auth", verify: VerifyAndMap, clientCert: "client-id-auth-cert.pem", wantChain: true},
		{name: "map/dn", verify: VerifyAndMap, clientCert: "tlsauth/client2.pem", wantChain: true},
		{name: "none/given", verify: VerifyNone, clientCert: "client-cert.pem"},
	}
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("TLS%s/%s", VersionName(version), tc.name), func(t *testing.T) {
				cfg := &Config{
					CertFile: certPath("server-ecdsa-cert.pem"),
					KeyFile:  certPath("server-ecdsa-key.pem"),
					CAFile:   certPath("ca.pem"),
					Verify:   tc.verify,
				}
				serverCfg, err := cfg.ServerConfig()
				if err != nil {
					t.Fatal(err)
				}
				clientCfg := stockClientConfig(t, version)
				if tc.clientCert != "" {
					// GetClientCertificate, unlike Certificates, sends the certificate even
					// when its issuer is not among the CAs the server named.
					pair := loadPair(t, tc.clientCert, keyFileFor(tc.clientCert))
					clientCfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
						return &pair, nil
					}
				}
				s, serverErr, peerErr := acceptStockClient(t, serverCfg, clientCfg)
				if tc.wantErr != "" {
					if serverErr == nil || !strings.Contains(serverErr.Error(), tc.wantErr) {
						t.Fatalf("server session error %v, want %q", serverErr, tc.wantErr)
					}
					if peerErr == nil {
						t.Fatal("the client did not notice the rejection")
					}
					return
				}
				if serverErr != nil || peerErr != nil {
					t.Fatalf("server %v, client %v", serverErr, peerErr)
				}
				chains := s.VerifiedChains()
				if got := len(chains) > 0; got != tc.wantChain {
					t.Fatalf("verified chains %d, want some: %v", len(chains), tc.wantChain)
				}
				if tc.wantChain {
					want := loadLeaf(t, tc.clientCert)
					if !chains[0][0].Equal(want) {
						t.Fatalf("chain leaf %s, want %s", chains[0][0].Subject, want.Subject)
					}
				}
			})
		}
	}
}

// acceptStockClient handshakes a server Session with a stock client, which then reads two
// bytes the session writes. It returns the session (closed at cleanup), the session's error
// and the client's.
func acceptStockClient(t *testing.T, serverCfg, clientCfg *tls.Config) (*Session, error, error) {
	t.Helper()
	mine, theirs := newPipe()
	s := NewServerSession(serverCfg)
	t.Cleanup(s.Close)
	done := runPeer(t, tls.Client(theirs, clientCfg), func(c *tls.Conn) error {
		if err := c.Handshake(); err != nil {
			return err
		}
		// In TLS 1.3 a rejected client certificate shows up only on the first Read.
		var buf [2]byte
		_, err := io.ReadFull(c, buf[:])
		return err
	})
	e := &sessionEnd{t: t, s: s, wire: mine}
	e.until(s.HandshakeComplete)
	if e.err == nil {
		if err := s.Write([]byte("ok")); err != nil {
			t.Fatal(err)
		}
		e.flush()
	}
	peerErr := waitPeer(e, done)
	return s, e.err, peerErr
}

// dialStockServer handshakes a client Session with a stock server and returns the session's
// error.
func dialStockServer(t *testing.T, clientCfg, serverCfg *tls.Config) error {
	t.Helper()
	mine, theirs := newPipe()
	s := NewClientSession(clientCfg)
	t.Cleanup(s.Close)
	done := runPeer(t, tls.Server(theirs, serverCfg), func(c *tls.Conn) error {
		err := c.Handshake()
		_ = c.NetConn().Close()
		return err
	})
	e := &sessionEnd{t: t, s: s, wire: mine}
	if err := s.Start(); err != nil {
		return err
	}
	e.flush()
	e.until(s.HandshakeComplete)
	_ = waitPeer(e, done)
	if e.err == nil && !s.HandshakeComplete() {
		return errors.New("handshake did not complete")
	}
	return e.err
}

func TestSessionLifecycle(t *testing.T) {
	cfg := stockServerConfig(t, ecdsaKey, tls.VersionTLS13)
	s := NewServerSession(cfg)
	if err := s.Write([]byte("x")); err != ErrHandshakeIncomplete {
		t.Errorf("Write before handshake: %v", err)
	}
	if err := s.CloseNotify(); err != ErrHandshakeIncomplete {
		t.Errorf("CloseNotify before handshake: %v", err)
	}
	if st := s.ConnectionState(); st.HandshakeComplete || s.VerifiedChains() != nil {
		t.Error("state before handshake must be empty")
	}
	if err := s.Start(); err != nil {
		t.Fatalf("server Start: %v", err)
	}
	if out := s.Outbound(); len(out) != 0 {
		t.Errorf("server Start wrote %d bytes", len(out))
	}
	if p, err := s.Feed(nil); err != nil || len(p) != 0 {
		t.Errorf("empty Feed: %q, %v", p, err)
	}
	s.Close()
	s.Close()
	if _, err := s.Feed([]byte{22, 3, 1}); err != ErrSessionClosed {
		t.Errorf("Feed after Close: %v", err)
	}
	if err := s.Write([]byte("x")); err != ErrSessionClosed {
		t.Errorf("Write after Close: %v", err)
	}
	if err := s.Start(); err != ErrSessionClosed {
		t.Errorf("Start after Close: %v", err)
	}
}

// TestPairAppData drives two Sessions in one goroutine and moves records of every size,
// split at every kind of boundary.
func TestPairAppData(t *testing.T) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run("TLS"+VersionName(version), func(t *testing.T) {
			client, server := connectedPair(t, ecdsaKey, version)
			var wire, got, want []byte
			for _, size := range []int{0, 1, 16, 1000, 4095, 4096, 16384, 16385, 70000} {
				msg := randomBytes(t, size)
				want = append(want, msg...)
				if err := client.Write(msg); err != nil {
					t.Fatal(err)
				}
				wire = client.AppendOutbound(wire)
			}
			// Feed in uneven pieces so that headers and bodies split everywhere.
			for i, step := 0, 1; i < len(wire); step = step*7%5003 + 1 {
				end := min(i+step, len(wire))
				p, err := server.Feed(wire[i:end])
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, p...)
				i = end
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, want %d", len(got), len(want))
			}
			// FeedAppend into a shared scratch buffer.
			if err := server.Write([]byte("pong")); err != nil {
				t.Fatal(err)
			}
			scratch := []byte("keep:")
			scratch, err := client.FeedAppend(scratch, server.Outbound())
			if err != nil || string(scratch) != "keep:pong" {
				t.Fatalf("FeedAppend = %q, %v", scratch, err)
			}
		})
	}
}

func TestNotTLS(t *testing.T) {
	cfg := stockServerConfig(t, ecdsaKey, tls.VersionTLS13)
	if hello := clientHello(t, stockClientConfig(t, tls.VersionTLS12)); !LooksLikeTLS(hello) || LooksLikeTLS(nil) || LooksLikeTLS([]byte("CONNECT")) {
		t.Error("LooksLikeTLS misjudges a ClientHello, nothing or CONNECT")
	}
	for _, input := range []string{
		"CONNECT {\"verbose\":false}\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x80\x2e\x01\x03\x01", // SSLv2-style ClientHello
	} {
		s := NewServerSession(cfg)
		_, err := s.Feed([]byte(input))
		s.Close()
		if err == nil {
			t.Errorf("%q: no error", input)
			continue
		}
		if strings.HasPrefix(input, "CONNECT") || strings.HasPrefix(input, "GET") {
			if !IsProbeError(err) || !strings.Contains(err.Error(), firstRecordMsg) {
				t.Errorf("%q: %v, want a probe error %q", input, err, firstRecordMsg)
			}
		}
	}
}

// TestCloseMidHandshake creates 1,000 Sessions paused in their handshakes and checks that
// Close leaves no goroutine behind.
func TestCloseMidHandshake(t *testing.T) {
	serverCfg := stockServerConfig(t, ecdsaKey, tls.VersionTLS13)
	clientCfg := stockClientConfig(t, tls.VersionTLS13)
	hello := clientHello(t, clientCfg)
	base := runtime.NumGoroutine()

	const n = 1000
	sessions := make([]*Session, 0, n)
	for i := range n {
		var s *Session
		switch i % 3 {
		case 0: // a server waiting for the client's second flight
			s = NewServerSession(serverCfg)
			if _, err := s.Feed(hello); err != nil {
				t.Fatal(err)
			}
		case 1: // a server that has seen half a ClientHello
			s = NewServerSession(serverCfg)
			if _, err := s.Feed(hello[:len(hello)/2]); err != nil {
				t.Fatal(err)
			}
		default: // a client waiting for the ServerHello
			s = NewClientSession(clientCfg)
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
		}
		if s.HandshakeComplete() || len(s.Outbound()) == 0 && i%3 != 1 {
			t.Fatalf("session %d is not paused mid-handshake", i)
		}
		sessions = append(sessions, s)
	}
	if got := runtime.NumGoroutine(); got < base+n {
		t.Fatalf("%d goroutines with %d paused handshakes, base %d: are handshakes coroutines?", got, n, base)
	}
	for i, s := range sessions {
		s.Close()
		if i%2 == 0 {
			s.Close()
		}
	}
	waitGoroutines(t, base)
}

// waitGoroutines polls until at most want goroutines are left.
func waitGoroutines(tb testing.TB, want int) {
	tb.Helper()
	deadline := time.Now().Add(testTimeout)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			tb.Fatalf("%d goroutines left, want at most %d", runtime.NumGoroutine(), want)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// clientHello returns the first flight of a client Session with cfg.
func clientHello(tb testing.TB, cfg *tls.Config) []byte {
	tb.Helper()
	c := NewClientSession(cfg)
	defer c.Close()
	if err := c.Start(); err != nil {
		tb.Fatal(err)
	}
	return bytes.Clone(c.Outbound())
}

// connectedPair returns a client and a server Session after a successful handshake.
func connectedPair(tb testing.TB, key keyKind, version uint16) (client, server *Session) {
	tb.Helper()
	server = NewServerSession(stockServerConfig(tb, key, version))
	client = NewClientSession(stockClientConfig(tb, version))
	tb.Cleanup(client.Close)
	tb.Cleanup(server.Close)
	if cErr, sErr := pairHandshake(client, server); cErr != nil || sErr != nil {
		tb.Fatalf("handshake: client %v, server %v", cErr, sErr)
	}
	return client, server
}

func randomBytes(tb testing.TB, n int) []byte {
	tb.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return b
}
