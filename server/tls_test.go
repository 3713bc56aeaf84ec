package server

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/tlsengine"
)

// serverTLS is the client port's TLS with the RSA test certificate; mutate
// adjusts it.
func serverTLS(mutate func(*tlsengine.Config)) func(*options.Options) {
	return func(o *options.Options) {
		o.TLS = &tlsengine.Config{
			CertFile: certPath("server-cert.pem"),
			KeyFile:  certPath("server-key.pem"),
			CAFile:   certPath("ca.pem"),
		}
		if mutate != nil {
			mutate(o.TLS)
		}
	}
}

func TestTLSHandshakeLogLines(t *testing.T) {
	s, log := runServerLog(t, func(o *options.Options) {
		serverTLS(nil)(o)
		o.Debug, o.Trace = true, true // -DV
	})
	// A TLS 1.2 client, so that the suite is the spec's.
	connectTLS(t, s, clientTLS(t, func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }))
	start := log.waitLine(t, `\[DBG\] 127\.0\.0\.1:\d+ - cid:\d+ - Starting TLS client connection handshake$`)
	who := regexp.MustCompile(`127\.0\.0\.1:\d+ - cid:\d+`).FindString(start)
	q := regexp.QuoteMeta(who)
	done := log.waitLine(t, `\[DBG\] `+q+` - TLS handshake complete$`)
	suite := log.waitLine(t, `\[DBG\] `+q+` - TLS version 1\.2, cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256$`)
	if !(log.index(start) < log.index(done) && log.index(done) < log.index(suite)) {
		t.Fatalf("handshake lines out of order:\n%s\n%s\n%s", start, done, suite)
	}
}

func TestTLSInfoFlags(t *testing.T) {
	tests := []struct {
		name                                string
		mutate                              func(*options.Options)
		required, verify, available, noInfo bool
	}{
		{name: "tls", mutate: serverTLS(nil), required: true},
		{name: "verify", mutate: serverTLS(func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyRequired }), required: true, verify: true},
		{name: "verify_and_map", mutate: serverTLS(func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyAndMap }), required: true, verify: true},
		{name: "verify optional", mutate: serverTLS(func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyOptional }), required: true},
		{name: "allow_non_tls", mutate: func(o *options.Options) { serverTLS(nil)(o); o.AllowNonTLS = true }, available: true},
		{name: "no tls"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := runServer(t, tc.mutate)
			info := readInfo(t, s)
			if (info["tls_required"] == true) != tc.required || (info["tls_verify"] == true) != tc.verify ||
				(info["tls_available"] == true) != tc.available {
				t.Fatalf("INFO: %v", info)
			}
		})
	}
}

func TestTLSVersionAndSuiteChoices(t *testing.T) {
	s := runServer(t, serverTLS(nil))
	tests := []struct {
		name    string
		mutate  func(*tls.Config)
		version uint16
	}{
		{name: "default client negotiates 1.3", version: tls.VersionTLS13},
		{name: "TLS 1.2 client", mutate: func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }, version: tls.VersionTLS12},
		{name: "TLS 1.2 ChaCha20", mutate: func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305}
		}, version: tls.VersionTLS12},
		{name: "X25519 only", mutate: func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.X25519} }, version: tls.VersionTLS13},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := dialTLSRaw(t, s, clientTLS(t, tc.mutate))
			if err != nil {
				t.Fatal(err)
			}
			defer r.close()
			if v := r.conn.ConnectionState().Version; v != tc.version {
				t.Fatalf("version %x", v)
			}
			r.send("CONNECT {\"verbose\":false}\r\nSUB x 1\r\nPUB x 2\r\nhi\r\nPING\r\n")
			for _, want := range []string{"MSG x 1 2", "hi", "PONG"} {
				if l, err := r.line(); l != want {
					t.Fatalf("got %q (%v), want %q", l, err, want)
				}
			}
		})
	}
}

func TestTLSLargePayloadsBothWays(t *testing.T) {
	s := runServer(t, serverTLS(nil))
	cfg := clientTLS(t, nil)
	pub, sub := connectTLS(t, s, cfg), connectTLS(t, s, cfg)
	ch, err := sub.SubscribeSync("big")
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	// Several records per message, and messages that end mid-record.
	for _, size := range []int{1, 16383, 16384, 16385, 100_000, 1 << 20} {
		payload := bytes.Repeat([]byte{byte(size)}, size)
		if err := pub.Publish("big", payload); err != nil {
			t.Fatal(err)
		}
		m, err := ch.NextMsg(5 * time.Second)
		if err != nil || !bytes.Equal(m.Data, payload) {
			t.Fatalf("size %d: %v", size, err)
		}
	}
}

func TestTLSHandshakeFirst(t *testing.T) {
	s := runServer(t, serverTLS(func(c *tlsengine.Config) { c.HandshakeFirst = true }))
	// No plaintext INFO: the server waits for a ClientHello.
	tcp, err := net.Dial("tcp", s.ClientAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	_ = tcp.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := tcp.Read(make([]byte, 1)); n != 0 || !isTimeout(err) {
		t.Fatalf("server sent %d bytes before the handshake (%v)", n, err)
	}
	// The INFO comes after the handshake, encrypted.
	tc := tls.Client(tcp, clientTLS(t, nil))
	_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(tc).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO ") || !strings.Contains(line, `"tls_required":true`) {
		t.Fatalf("INFO over TLS: %q %v", line, err)
	}
	cfg := clientTLS(t, nil)
	checkTraffic(t, connectTLS(t, s, cfg, nats.TLSHandshakeFirst()), connectTLS(t, s, cfg, nats.TLSHandshakeFirst()))
}

func TestTLSHandshakeFirstFallback(t *testing.T) {
	s := runServer(t, serverTLS(func(c *tlsengine.Config) {
		c.HandshakeFirst, c.FallbackDelay = true, 100*time.Millisecond
	}))
	cfg := clientTLS(t, nil)
	// A client that waits for INFO gets it after the delay, then upgrades.
	late := connectTLS(t, s, cfg)
	early := connectTLS(t, s, cfg, nats.TLSHandshakeFirst())
	checkTraffic(t, late, early)
	if info := readInfo(t, s); info["tls_required"] != true {
		t.Fatalf("fallback INFO: %v", info)
	}
}

func TestTLSAllowNonTLS(t *testing.T) {
	s := runServer(t, func(o *options.Options) { serverTLS(nil)(o); o.AllowNonTLS = true })
	plain := connect(t, s)
	secure := connectTLS(t, s, clientTLS(t, nil))
	checkTraffic(t, plain, secure)
	checkTraffic(t, secure, plain)
	if !secure.TLSRequired() && secure.ConnectedUrl() == "" {
		t.Fatal("secure client not connected")
	}
	if _, err := secure.TLSConnectionState(); err != nil {
		t.Fatalf("secure client is not using TLS: %v", err)
	}
	if _, err := plain.TLSConnectionState(); err == nil {
		t.Fatal("plain client is using TLS")
	}
}

func TestTLSPinnedCerts(t *testing.T) {
	pem := keyPair(t, "client-cert.pem", "client-key.pem")
	leaf, err := x509.ParseCertificate(pem.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	s, log := runServerLog(t, serverTLS(func(c *tlsengine.Config) {
		c.Verify = tlsengine.VerifyRequired
		c.PinnedCerts = map[string]struct{}{tlsengine.SPKIDigest(leaf): {}}
	}))
	pinned := clientTLS(t, withCert(t, "client-cert.pem", "client-key.pem"))
	checkTraffic(t, connectTLS(t, s, pinned), connectTLS(t, s, pinned))
	// Signed by the trusted CA, but not pinned.
	if nc, err := tryConnectTLS(s, clientTLS(t, withCert(t, "client-id-auth-cert.pem", "client-id-auth-key.pem"))); err == nil {
		nc.Close()
		t.Fatal("an unpinned certificate was accepted")
	}
	log.waitLine(t, `\[ERR\] .* - TLS handshake error: .*certificate not pinned`)
}

func TestTLSTimeoutClosesPlaintextClientSilently(t *testing.T) {
	s, log := runServerLog(t, func(o *options.Options) {
		serverTLS(func(c *tlsengine.Config) { c.Timeout = 300 * time.Millisecond })(o)
		o.Debug = true
	})
	r := dialRaw(t, s)
	r.expect(`^INFO .*"tls_required":true`)
	// nats-server's -ERR 'Secure Connection - TLS Required' would go through
	// TLS; a plaintext client reads nothing more before the close.
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, err := r.br.ReadString('\n')
	if rest != "" || isTimeout(err) {
		t.Fatalf("after INFO: %q %v", rest, err)
	}
	port := r.c.LocalAddr().(*net.TCPAddr).Port
	log.waitLine(t, `\[DBG\] 127\.0\.0\.1:`+itoa(port)+` - cid:\d+ - TLS handshake timeout$`)
}

func TestTLSVerifyOptional(t *testing.T) {
	s := runServer(t, serverTLS(func(c *tlsengine.Config) { c.Verify = tlsengine.VerifyOptional }))
	without := connectTLS(t, s, clientTLS(t, nil))
	with := connectTLS(t, s, clientTLS(t, withCert(t, "client-cert.pem", "client-key.pem")))
	checkTraffic(t, without, with)
	if nc, err := tryConnectTLS(s, clientTLS(t, withCert(t, "other-client-cert.pem", "other-client-key.pem"))); err == nil {
		nc.Close()
		t.Fatal("an untrusted certificate was accepted")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestWorkerPoolLanes(t *testing.T) {
	p := newWorkerPool(1)
	release := make(chan struct{})
	var ran [2]atomic.Int32
	// Occupy both lanes' only worker, then queue behind them.
	if !p.submit(func() { <-release }) {
		t.Fatal("submit refused")
	}
	if err := p.submitHandshake(func() { <-release }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		if p.running() != 1 {
			return errors.New("general task not running")
		}
		return nil
	})
	for range generalQueueMax {
		if !p.submit(func() { ran[0].Add(1) }) {
			t.Fatal("submit refused below the limit")
		}
	}
	if p.submit(func() {}) || p.stopped() {
		t.Fatal("a full general lane accepted more work")
	}
	for range 10_000 { // the handshake lane has no count limit
		if err := p.submitHandshake(func() { ran[1].Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		close(release)
	}()
	p.stop() // waits for the running tasks; drops queued general work, runs queued steps
	if !p.stopped() || p.submit(func() {}) || p.submitHandshake(func() {}) == nil {
		t.Fatal("a stopped pool accepted work")
	}
	if got := ran[1].Load(); got != 10_000 {
		t.Fatalf("%d of 10000 queued handshake steps ran", got)
	}
	t.Logf("%d of %d queued general tasks ran before stop dropped the rest", ran[0].Load(), generalQueueMax)
	p.stop()
}
