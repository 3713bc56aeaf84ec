package server

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/tlsengine"
)

// hostilePeer misbehaves on a TLS port. run is given a TCP connection to the
// server and returns once the peer has done its worst; the test then waits
// for the server to close the connection.
type hostilePeer struct {
	name string
	run  func(t *testing.T, c net.Conn, br *bufio.Reader)
	// level and msg are what the server must log for this connection.
	level, msg string
}

func TestTLSHostilePeers(t *testing.T) {
	const timeout = 500 * time.Millisecond
	s, log := runServerLog(t, func(o *options.Options) {
		serverTLS(func(c *tlsengine.Config) {
			c.Verify = tlsengine.VerifyOptional // certificates are checked when given
			c.Timeout = timeout
		})(o)
		o.Debug = true
	})
	hello := clientHello(t, clientTLS(t, nil))
	handshake := func(cfg *tls.Config) func(*testing.T, net.Conn, *bufio.Reader) {
		return func(t *testing.T, c net.Conn, br *bufio.Reader) {
			tc := tls.Client(c, cfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			// TLS 1.3: the client finishes before the server has checked its
			// certificate; the refusal arrives as an alert.
			_, _ = tc.Write([]byte("CONNECT {}\r\nPING\r\n"))
			_, _ = tc.Read(make([]byte, 1024))
		}
	}
	peers := []hostilePeer{
		{name: "plaintext client", level: "DBG", msg: "TLS handshake error: tls: first record does not look like a TLS handshake",
			run: func(t *testing.T, c net.Conn, br *bufio.Reader) { _, _ = c.Write([]byte("CONNECT {}\r\nPING\r\n")) }},
		{name: "random bytes", level: "DBG", msg: "TLS handshake error: tls: first record does not look like a TLS handshake",
			run: func(t *testing.T, c net.Conn, br *bufio.Reader) {
				junk := randomBytes(64<<10, 7)
				junk[0] = 0x99 // not a TLS record type
				_, _ = c.Write(junk)
			}},
		{name: "garbage handshake record", level: "ERR", msg: "TLS handshake error: ",
			run: func(t *testing.T, c net.Conn, br *bufio.Reader) {
				junk := append([]byte{0x16, 0x03, 0x01, 0x01, 0x00}, randomBytes(256, 9)...)
				_, _ = c.Write(junk)
			}},
		{name: "half a ClientHello, then gone", level: "DBG", msg: "TLS handshake error: EOF",
			run: func(t *testing.T, c net.Conn, br *bufio.Reader) {
				_, _ = c.Write(hello[:len(hello)/2])
				time.Sleep(50 * time.Millisecond) // let the server take it before the FIN
				_ = c.(*net.TCPConn).CloseWrite()
			}},
		{name: "half a ClientHello, then silence", level: "DBG", msg: "TLS handshake timeout",
			run: func(t *testing.T, c net.Conn, br *bufio.Reader) { _, _ = c.Write(hello[:len(hello)/2]) }},
		{name: "stalls mid-handshake", level: "DBG", msg: "TLS handshake timeout",
			run: func(t *testing.T, c net.Conn, br *bufio.Reader) {
				_, _ = c.Write(hello)
				_, _ = br.Read(make([]byte, 1)) // the server's flight arrives; never answer it
			}},
		{name: "certificate from another CA", level: "ERR", msg: "TLS handshake error: tls: failed to verify certificate: x509: certificate signed by unknown authority",
			run: handshake(clientTLS(t, withCert(t, "other-client-cert.pem", "other-client-key.pem")))},
		{name: "expired certificate", level: "ERR", msg: "TLS handshake error: tls: failed to verify certificate: x509: certificate has expired",
			run: handshake(clientTLS(t, withCert(t, "client-expired-cert.pem", "client-expired-key.pem")))},
		{name: "TLS 1.1 client", level: "ERR", msg: "TLS handshake error: tls: client offered only unsupported versions",
			run: handshake(clientTLS(t, func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS11 }))},
		{name: "suite the server does not allow", level: "ERR", msg: "TLS handshake error: tls: no cipher suite supported by both client and server",
			run: handshake(clientTLS(t, func(c *tls.Config) {
				c.MaxVersion = tls.VersionTLS12
				c.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}
			}))},
	}

	// Two well-behaved clients keep a request/reply going the whole time.
	cfg := clientTLS(t, nil)
	requester, responder := connectTLS(t, s, cfg), connectTLS(t, s, cfg)
	if _, err := responder.Subscribe("svc", func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		t.Fatal(err)
	}
	if err := responder.Flush(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var served atomic.Int64
	trafficErr := make(chan error, 1)
	go func() {
		defer close(trafficErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := requester.Request("svc", []byte("x"), 5*time.Second); err != nil {
				trafficErr <- err
				return
			}
			served.Add(1)
		}
	}()

	ports := make([]int, len(peers))
	var wg sync.WaitGroup
	for i, p := range peers {
		c, err := net.Dial("tcp", s.ClientAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ports[i] = c.LocalAddr().(*net.TCPAddr).Port
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReader(c)
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if l, err := br.ReadString('\n'); !strings.HasPrefix(l, "INFO ") {
				t.Errorf("%s: no INFO: %q %v", p.name, l, err)
				return
			}
			p.run(t, c, br)
			// Refused cleanly: closed, with nothing in plaintext.
			rest, err := io.ReadAll(br)
			if isTimeout(err) {
				t.Errorf("%s: connection not closed", p.name)
			}
			if strings.Contains(string(rest), "-ERR") || strings.Contains(string(rest), "PONG") {
				t.Errorf("%s: plaintext reply %q", p.name, rest)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-trafficErr; err != nil {
		t.Fatalf("the well-behaved clients were not served: %v", err)
	}
	if served.Load() == 0 {
		t.Fatal("no request was served during the attack")
	}
	for i, p := range peers {
		re := `^\[\d+\] \[(DBG|ERR)\] 127\.0\.0\.1:` + itoa(ports[i]) + ` - cid:\d+ - (TLS handshake .*)$`
		line := log.waitLine(t, re)
		m := regexp.MustCompile(re).FindStringSubmatch(line)
		if m[1] != p.level || !strings.HasPrefix(m[2], p.msg) {
			t.Errorf("%s: logged %q, want [%s] %s...", p.name, line, p.level, p.msg)
		}
	}
	waitFor(t, 5*time.Second, func() error {
		if n := s.NumClients(); n != 2 {
			return fmt.Errorf("%d clients left", n)
		}
		return nil
	})
	checkTraffic(t, requester, responder)
	t.Logf("%d requests served while %d hostile peers were refused", served.Load(), len(peers))
}

// clientHello returns the first record a TLS client with cfg sends.
func clientHello(t testing.TB, cfg *tls.Config) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() { _ = tls.Client(a, cfg).Handshake() }()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(b, hdr); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(b, body); err != nil {
		t.Fatal(err)
	}
	return append(hdr, body...)
}

func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// cheapClientTLS makes handshakes cheap for tests that need many: an ECDSA
// server certificate and a classic X25519 key exchange.
func cheapServerTLS(o *options.Options) {
	o.TLS = &tlsengine.Config{CertFile: certPath("server-ecdsa-cert.pem"), KeyFile: certPath("server-ecdsa-key.pem")}
}

func TestTLSThousandClientsNoGoroutineEach(t *testing.T) {
	s := runServer(t, cheapServerTLS)
	cfg := clientTLS(t, func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.X25519} })
	before := runtime.NumGoroutine()
	const n, dialers = 1000, 4
	conns := make([]*tlsRaw, n)
	var wg sync.WaitGroup
	errs := make(chan error, dialers)
	for d := range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := d; i < n; i += dialers {
				r, err := dialTLSRaw(t, s, cfg)
				if err != nil {
					errs <- fmt.Errorf("client %d: %w", i, err)
					return
				}
				conns[i] = r
				if _, err := r.conn.Write([]byte("CONNECT {\"verbose\":false}\r\nPING\r\n")); err != nil {
					errs <- err
					return
				}
				if l, err := r.line(); l != "PONG" {
					errs <- fmt.Errorf("client %d: %q %v", i, l, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	t.Cleanup(func() {
		for _, r := range conns {
			if r != nil {
				r.close()
			}
		}
	})
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	after := runtime.NumGoroutine()
	t.Logf("goroutines: %d with no clients, %d with %d TLS clients", before, after, n)
	if after-before >= 20 {
		t.Fatalf("goroutines grew from %d to %d with %d TLS connections", before, after, n)
	}
	if got := s.NumClients(); got != n {
		t.Fatalf("server has %d clients", got)
	}
}

// stormResult is what an established client saw while others reconnected.
type stormResult struct {
	rtts          []time.Duration // request/reply round trips during the storm
	storm         time.Duration   // from the clients' start to their last PONG
	reconnected   int
	failedConnect int
}

func (r stormResult) percentile(p float64) time.Duration {
	if len(r.rtts) == 0 {
		return 0
	}
	s := slices.Clone(r.rtts)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func (r stormResult) String() string {
	return fmt.Sprintf("%d reconnects (%d failed) in %v; %d round trips meanwhile: p50 %v, p99 %v, max %v",
		r.reconnected, r.failedConnect, r.storm.Round(time.Millisecond), len(r.rtts),
		r.percentile(0.50).Round(10*time.Microsecond), r.percentile(0.99).Round(10*time.Microsecond),
		r.percentile(1).Round(10*time.Microsecond))
}

// stormEnv tells TestTLSStormClients, run as a child process, where to storm:
// "host:port,count".
const stormEnv = "EVNATS_TLS_STORM"

// reconnectStorm runs a one-loop server with the spec's RSA certificate and
// measures an established client's request/reply round trips while n TLS
// clients connect at once (default TLS 1.3, hybrid key exchange), each
// completing CONNECT and PING. The n clients run in a child process (this
// test binary, TestTLSStormClients), so that their own handshake CPU and
// goroutines do not delay the measuring client's goroutines. inline runs the
// handshakes on the loop: the baseline the handshake lane is compared with.
func reconnectStorm(tb testing.TB, n int, inline bool) stormResult {
	tb.Helper()
	o := testOptions()
	o.Loops = 1
	serverTLS(func(c *tlsengine.Config) { c.Timeout = 30 * time.Second })(o)
	s, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	s.workers.inlineHandshakes = inline
	s.log = NewLogger(io.Discard, false, false)
	if err := s.Start(); err != nil {
		tb.Fatal(err)
	}
	defer s.Shutdown()

	cfg := clientTLS(tb, nil)
	requester, responder := connectTLS(tb, s, cfg), connectTLS(tb, s, cfg)
	defer requester.Close()
	defer responder.Close()
	if _, err := responder.Subscribe("svc", func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		tb.Fatal(err)
	}
	if err := responder.Flush(); err != nil {
		tb.Fatal(err)
	}
	request := func() time.Duration {
		t0 := time.Now()
		if _, err := requester.Request("svc", nil, 10*time.Second); err != nil {
			tb.Fatalf("request: %v", err)
		}
		return time.Since(t0)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestTLSStormClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d", stormEnv, s.ClientAddr(), n))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	var started, finished atomic.Bool
	var startAt, endAt time.Time
	var res stormResult
	report := make(chan struct{})
	go func() {
		defer close(report)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "storm: start":
				startAt = time.Now()
				started.Store(true)
			case strings.HasPrefix(line, "storm: done "):
				endAt = time.Now()
				_, _ = fmt.Sscanf(line, "storm: done ok=%d failed=%d", &res.reconnected, &res.failedConnect)
				finished.Store(true)
			}
		}
	}()
	for !started.Load() {
		request() // warm up while the child starts
	}
	for !finished.Load() {
		d := request()
		if !finished.Load() {
			res.rtts = append(res.rtts, d)
		}
	}
	<-report
	if err := cmd.Wait(); err != nil {
		tb.Fatalf("storm clients: %v", err)
	}
	res.storm = endAt.Sub(startAt)
	return res
}

// TestTLSStormClients is the child process of reconnectStorm; it does nothing
// unless EVNATS_TLS_STORM is set.
func TestTLSStormClients(t *testing.T) {
	spec := os.Getenv(stormEnv)
	if spec == "" {
		t.Skip("the client side of reconnectStorm, run in a child process")
	}
	addr, count, _ := strings.Cut(spec, ",")
	n, err := strconv.Atoi(count)
	if err != nil {
		t.Fatal(err)
	}
	cfg := clientTLS(t, nil)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int64
	conns := make([]net.Conn, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			if err := stormClient(addr, cfg, &conns[i]); err != nil {
				failed.Add(1)
			}
		}()
	}
	fmt.Println("storm: start")
	close(gate)
	wg.Wait()
	fmt.Printf("storm: done ok=%d failed=%d\n", int64(n)-failed.Load(), failed.Load())
	for _, c := range conns {
		if c != nil {
			_ = c.Close()
		}
	}
}

// stormClient connects over TLS and completes CONNECT and PING/PONG. It
// leaves the connection open in *keep.
func stormClient(addr string, cfg *tls.Config, keep *net.Conn) error {
	tcp, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	*keep = tcp
	_ = tcp.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := bufio.NewReader(tcp).ReadString('\n'); err != nil {
		return err
	}
	tc := tls.Client(tcp, cfg)
	if _, err := tc.Write([]byte("CONNECT {\"verbose\":false}\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(tc).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "PONG\r\n" {
		return fmt.Errorf("got %q", line)
	}
	return nil
}

func TestTLSReconnectStormKeepsLoopResponsive(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 50
	}
	res := reconnectStorm(t, n, false)
	t.Logf("handshakes off the loop: %v", res)
	if res.failedConnect > 0 {
		t.Fatalf("%d of %d clients failed to connect", res.failedConnect, n)
	}
}

// BenchmarkTLSReconnectStorm measures the request/reply latency of an
// established client while 500 clients reconnect over TLS, with handshakes
// off the loop (the default) and on it (the baseline).
func BenchmarkTLSReconnectStorm(b *testing.B) {
	for _, mode := range []struct {
		name   string
		inline bool
	}{{"offloop", false}, {"inline", true}} {
		b.Run(mode.name, func(b *testing.B) {
			var all stormResult
			for range b.N {
				r := reconnectStorm(b, 500, mode.inline)
				all.rtts = append(all.rtts, r.rtts...)
				all.storm += r.storm
				all.reconnected += r.reconnected
				all.failedConnect += r.failedConnect
			}
			b.Logf("%s: %v", mode.name, all)
			b.ReportMetric(float64(all.percentile(0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all.percentile(0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(all.percentile(1).Microseconds())/1000, "max-ms")
			b.ReportMetric(float64(all.storm.Milliseconds())/float64(b.N), "storm-ms")
		})
	}
}
