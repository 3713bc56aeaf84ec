package server

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
)

// certsDir is configs/certs as an absolute path, so that it survives t.Chdir.
var certsDir = func() string {
	d, err := filepath.Abs(filepath.Join("..", "configs", "certs"))
	if err != nil {
		panic(err)
	}
	return d
}()

func certPath(name string) string { return filepath.Join(certsDir, name) }

// logSink collects a server's log lines for tests that check what was logged.
type logSink struct {
	t     testing.TB
	mu    sync.Mutex
	lines []string
}

func (l *logSink) Write(p []byte) (int, error) {
	line := strings.TrimRight(string(p), "\n")
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	if testing.Verbose() {
		l.t.Logf("%s", line)
	}
	return len(p), nil
}

// matching returns the lines that match the regular expression re.
func (l *logSink) matching(re string) []string {
	rx := regexp.MustCompile(re)
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if rx.MatchString(line) {
			out = append(out, line)
		}
	}
	return out
}

// waitLine waits for a line matching re and returns it.
func (l *logSink) waitLine(t testing.TB, re string) string {
	t.Helper()
	var line string
	waitFor(t, 5*time.Second, func() error {
		if m := l.matching(re); len(m) > 0 {
			line = m[0]
			return nil
		}
		return fmt.Errorf("no log line matches %q", re)
	})
	return line
}

// startLogged starts a server on o and captures its log.
func startLogged(t testing.TB, o *options.Options) (*Server, *logSink) {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	sink := &logSink{t: t}
	s.log = NewLogger(sink, false, false)
	s.log.SetLevels(o.Debug, o.Trace)
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s, sink
}

// runServerLog is runServer with the log captured.
func runServerLog(t testing.TB, mutate func(*options.Options)) (*Server, *logSink) {
	t.Helper()
	o := testOptions()
	if mutate != nil {
		mutate(o)
	}
	return startLogged(t, o)
}

// runSpecCommand runs a command line of the spec (without the program name)
// from the repository root, on a random loopback port, with the log captured.
func runSpecCommand(t *testing.T, args ...string) (*Server, *logSink) {
	t.Helper()
	t.Chdir("..")
	fs := flag.NewFlagSet("evnats", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	args = append(args, "-a", "127.0.0.1", "-p", "-1", "--loops", fmt.Sprint(testLoops()))
	o, _, err := options.Configure(fs, args)
	if err != nil {
		t.Fatalf("Configure %q: %v", args, err)
	}
	return startLogged(t, o)
}

// caPool returns the test CA (or another CA file of configs/certs).
func caPool(t testing.TB, name string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(certPath(name))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", name)
	}
	return pool
}

func keyPair(t testing.TB, cert, key string) tls.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certPath(cert), certPath(key))
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// clientTLS is a client configuration that trusts the test CA; mutate adjusts it.
func clientTLS(t testing.TB, mutate func(*tls.Config)) *tls.Config {
	t.Helper()
	cfg := &tls.Config{RootCAs: caPool(t, "ca.pem"), ServerName: "127.0.0.1"}
	if mutate != nil {
		mutate(cfg)
	}
	return cfg
}

// withCert adds a client certificate of configs/certs to a client
// configuration. It is sent even when the server's list of acceptable CAs
// does not name its issuer (crypto/tls would otherwise send none).
func withCert(t testing.TB, cert, key string) func(*tls.Config) {
	pair := keyPair(t, cert, key)
	return func(c *tls.Config) {
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
}

// connectTLS connects nats.go over TLS with cfg.
func connectTLS(t testing.TB, s *Server, cfg *tls.Config, opts ...nats.Option) *nats.Conn {
	t.Helper()
	return connect(t, s, append([]nats.Option{nats.Secure(cfg)}, opts...)...)
}

// tryConnectTLS is connectTLS returning the error instead of failing.
func tryConnectTLS(s *Server, cfg *tls.Config, opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.Secure(cfg), nats.MaxReconnects(0), nats.Timeout(5 * time.Second)}, opts...)
	return nats.Connect(s.ClientURL(), opts...)
}

// checkTraffic makes one subscription and one request/reply between a and b.
func checkTraffic(t testing.TB, a, b *nats.Conn) {
	t.Helper()
	sub, err := b.SubscribeSync("traffic.pubsub")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := b.Subscribe("traffic.svc", func(m *nats.Msg) { _ = m.Respond(append([]byte("re:"), m.Data...)) })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rs.Unsubscribe(); _ = sub.Unsubscribe() }()
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish("traffic.pubsub", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil || string(m.Data) != "hello" {
		t.Fatalf("pub/sub: %v %v", m, err)
	}
	r, err := a.Request("traffic.svc", []byte("ping"), 5*time.Second)
	if err != nil || string(r.Data) != "re:ping" {
		t.Fatalf("request/reply: %v %v", r, err)
	}
}

// readInfo dials the client port and decodes the INFO the server sends first.
func readInfo(t testing.TB, s *Server) map[string]any {
	t.Helper()
	r := dialRaw(t, s)
	line := r.expect(`^INFO \{.*\} $`)
	var info map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(line, "INFO "), " ")), &info); err != nil {
		t.Fatal(err)
	}
	return info
}

// tlsRaw is a raw protocol client over TLS.
type tlsRaw struct {
	t    testing.TB
	tcp  net.Conn
	conn *tls.Conn
	br   *bufio.Reader
}

// dialTLSRaw reads the plaintext INFO, then runs the TLS handshake with cfg.
func dialTLSRaw(t testing.TB, s *Server, cfg *tls.Config) (*tlsRaw, error) {
	tcp, err := net.Dial("tcp", s.ClientAddr().String())
	if err != nil {
		return nil, err
	}
	_ = tcp.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(tcp)
	if _, err := br.ReadString('\n'); err != nil {
		tcp.Close()
		return nil, fmt.Errorf("reading INFO: %w", err)
	}
	tc := tls.Client(tcp, cfg)
	if err := tc.Handshake(); err != nil {
		tcp.Close()
		return nil, err
	}
	return &tlsRaw{t: t, tcp: tcp, conn: tc, br: bufio.NewReader(tc)}, nil
}

func (r *tlsRaw) send(s string) {
	r.t.Helper()
	if _, err := r.conn.Write([]byte(s)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

func (r *tlsRaw) line() (string, error) {
	_ = r.tcp.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := r.br.ReadString('\n')
	return strings.TrimRight(l, "\r\n"), err
}

func (r *tlsRaw) close() { _ = r.tcp.Close() }
