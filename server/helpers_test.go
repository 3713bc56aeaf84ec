package server

import (
	"bufio"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
)

// testLoops is the number of event loops integration tests use; CI runs the
// suite with EVNATS_TEST_LOOPS=1, 2 and 8.
func testLoops() int {
	if v, err := strconv.Atoi(os.Getenv("EVNATS_TEST_LOOPS")); err == nil && v > 0 {
		return v
	}
	return 2
}

func testOptions() *options.Options {
	o := options.Default()
	o.Host = "127.0.0.1"
	o.Port = options.RandomPort
	o.Loops = testLoops()
	o.Logtime = false
	return o
}

// runServer starts a server on a random loopback port, shut down when the test ends.
func runServer(t testing.TB, mutate func(*options.Options)) *Server {
	t.Helper()
	o := testOptions()
	if mutate != nil {
		mutate(o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.log = NewLogger(&testLogWriter{t: t}, false, false)
	s.log.SetLevels(o.Debug, o.Trace)
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

type testLogWriter struct{ t testing.TB }

func (w *testLogWriter) Write(p []byte) (int, error) {
	if testing.Verbose() {
		w.t.Logf("%s", strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// connect opens a nats.go connection that fails the test on async errors.
func connect(t testing.TB, s *Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	opts = append([]nats.Option{nats.MaxReconnects(0), nats.Timeout(5 * time.Second)}, opts...)
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// waitFor polls fn until it returns nil or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = fn(); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out: %v", err)
}

// rawConn is a raw protocol client with send/expect helpers.
type rawConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, s *Server) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", s.ClientAddr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{t: t, c: c, br: bufio.NewReaderSize(c, 1<<20)}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := r.c.Write([]byte(s)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// line reads one protocol line (without CRLF).
func (r *rawConn) line() string {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	l, err := r.br.ReadString('\n')
	if err != nil {
		r.t.Fatalf("read line: %v (got %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

// expect reads a line and checks it against a regular expression.
func (r *rawConn) expect(re string) string {
	r.t.Helper()
	l := r.line()
	if !regexp.MustCompile(re).MatchString(l) {
		r.t.Fatalf("got %q, want match for %q", l, re)
	}
	return l
}

// expectClosed checks that the server closes the connection (after any
// lines it still sends).
func (r *rawConn) expectClosed() {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, err := r.br.ReadString('\n')
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				r.t.Fatalf("connection not closed")
			}
			return
		}
	}
}

// connectRaw reads INFO and sends CONNECT with the given JSON.
func (r *rawConn) connectRaw(json string) {
	r.t.Helper()
	r.expect(`^INFO \{.*\} $`)
	r.send("CONNECT " + json + "\r\n")
}
