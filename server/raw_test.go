package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
)

func TestInfoLineForm(t *testing.T) {
	s := runServer(t, nil)
	r := dialRaw(t, s)
	line := r.expect(`^INFO \{.*\} $`)
	var info map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(line, "INFO "), " ")), &info); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"server_id", "server_name", "version", "proto", "go", "host", "port", "headers", "max_payload", "client_id", "client_ip"} {
		if _, ok := info[key]; !ok {
			t.Errorf("INFO lacks %q: %s", key, line)
		}
	}
	if info["max_payload"].(float64) != 1<<20 || info["proto"].(float64) != 1 || info["headers"] != true {
		t.Errorf("unexpected INFO values: %s", line)
	}
	// Keys appear in nats-server's order.
	order := []string{`"server_id"`, `"server_name"`, `"version"`, `"proto"`, `"go"`, `"host"`, `"port"`, `"headers"`, `"max_payload"`, `"client_id"`, `"client_ip"`}
	last := -1
	for _, k := range order {
		i := strings.Index(line, k)
		if i < last {
			t.Fatalf("key %s out of order in %s", k, line)
		}
		last = i
	}
}

func TestRawProtocol(t *testing.T) {
	tests := []struct {
		name    string
		connect string
		send    string
		expect  []string
		closed  bool
	}{
		{name: "verbose ok", connect: `{"verbose":true}`, send: "SUB foo 1\r\nPUB foo 2\r\nhi\r\n", expect: []string{`^\+OK$`, `^\+OK$`, `^\+OK$`, `^MSG foo 1 2$`, `^hi$`}},
		{name: "defaults are verbose", connect: `{}`, send: "PING\r\n", expect: []string{`^\+OK$`, `^PONG$`}},
		{name: "ping pong", connect: `{"verbose":false}`, send: "PING\r\n", expect: []string{`^PONG$`}},
		{name: "ping lowercase", connect: `{"verbose":false}`, send: "ping\r\n", expect: []string{`^PONG$`}},
		{name: "unknown op", connect: `{"verbose":false}`, send: "FOO bar\r\n", expect: []string{`^-ERR 'Unknown Protocol Operation'$`}, closed: true},
		{name: "invalid subject", connect: `{"verbose":false}`, send: "SUB foo..bar 1\r\nPING\r\n", expect: []string{`^-ERR 'Invalid Subject'$`, `^PONG$`}},
		{name: "invalid subject pedantic", connect: `{"verbose":false,"pedantic":true}`, send: "SUB foo.>.bar 1\r\nPING\r\n", expect: []string{`^-ERR 'Invalid Subject'$`, `^PONG$`}},
		{name: "publish wildcard pedantic", connect: `{"verbose":false,"pedantic":true}`, send: "PUB foo.* 1\r\nx\r\nPING\r\n", expect: []string{`^-ERR 'Invalid Publish Subject'$`, `^PONG$`}},
		{name: "publish control byte", connect: `{"verbose":false,"pedantic":false}`, send: "PUB foo\x00bar 1\r\nx\r\nPING\r\n", expect: []string{`^-ERR 'Invalid Publish Subject'$`, `^PONG$`}},
		{name: "control line", connect: `{"verbose":false}`, send: "PUB " + strings.Repeat("a", 5000) + " 1\r\n", expect: []string{`^-ERR 'maximum control line exceeded'$`}, closed: true},
		{name: "max payload", connect: `{"verbose":false}`, send: fmt.Sprintf("PUB foo %d\r\n", 2<<20), expect: []string{`^-ERR 'Maximum Payload Violation'$`}, closed: true},
		{name: "bad size closes silently", connect: `{"verbose":false}`, send: "PUB foo x\r\n", closed: true},
		{name: "bad protocol", connect: `{"verbose":false,"protocol":2}`, expect: []string{`^-ERR 'invalid client protocol'$`}, closed: true},
		{name: "no responders without headers", connect: `{"verbose":false,"no_responders":true}`, expect: []string{`^-ERR 'no responders requires headers support'$`}, closed: true},
		{name: "first PING gets connect_info", connect: `{"verbose":false,"protocol":1}`, send: "PING\r\n", expect: []string{`^PONG$`, `^INFO .*"connect_info":true`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := runServer(t, nil)
			r := dialRaw(t, s)
			r.connectRaw(tc.connect)
			r.send(tc.send)
			for _, e := range tc.expect {
				r.expect(e)
			}
			if tc.closed {
				r.expectClosed()
			}
		})
	}
}

func TestOpByteAtATime(t *testing.T) {
	s := runServer(t, nil)
	r := dialRaw(t, s)
	r.expect(`^INFO `)
	msg := "CONNECT {\"verbose\":false}\r\nSUB foo 1\r\nPUB foo bar 5\r\nhello\r\nPING\r\n"
	for i := range len(msg) {
		r.send(msg[i : i+1])
	}
	r.expect(`^MSG foo 1 bar 5$`)
	r.expect(`^hello$`)
	r.expect(`^PONG$`)
}

func TestPipelinedOperations(t *testing.T) {
	s := runServer(t, nil)
	r := dialRaw(t, s)
	r.connectRaw(`{"verbose":false}`)
	var b strings.Builder
	b.WriteString("SUB p 1\r\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "PUB p %d\r\n%d\r\n", len(fmt.Sprint(i)), i)
	}
	b.WriteString("PING\r\n")
	r.send(b.String())
	for i := range 1000 {
		r.expect(`^MSG p 1 \d+$`)
		if got := r.line(); got != fmt.Sprint(i) {
			t.Fatalf("message %d: got %q", i, got)
		}
	}
	r.expect(`^PONG$`)
}

func TestRandomBytesCloseOnlyThatClient(t *testing.T) {
	s := runServer(t, nil)
	good := connect(t, s)
	sub, err := good.SubscribeSync("still.here")
	if err != nil {
		t.Fatal(err)
	}
	if err := good.Flush(); err != nil {
		t.Fatal(err)
	}
	r := dialRaw(t, s)
	r.expect(`^INFO `)
	junk := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	_, _ = r.c.Write(junk) // the server may close mid-write
	r.expectClosed()
	if err := good.Publish("still.here", []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("healthy client lost its message: %v", err)
	}
}

func TestSlowConsumerIsClosedOthersKeepReceiving(t *testing.T) {
	s := runServer(t, func(o *options.Options) {
		o.MaxPending = 1 << 20
		o.MaxPayload = 64 << 10
	})
	// A subscriber that never reads.
	slow := dialRaw(t, s)
	slow.connectRaw(`{"verbose":false,"name":"slow"}`)
	slow.send("SUB flood 1\r\nPING\r\n")
	slow.expect(`^PONG$`)

	healthy := connect(t, s)
	var got int
	hsub, err := healthy.SubscribeSync("flood")
	if err != nil {
		t.Fatal(err)
	}
	if err := healthy.Flush(); err != nil {
		t.Fatal(err)
	}
	pub := connect(t, s)
	payload := bytes.Repeat([]byte("x"), 16<<10)
	const total = 2000 // 32 MB for the slow one, far past its 1 MB limit
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range total {
			m, err := hsub.NextMsg(10 * time.Second)
			if err != nil {
				return
			}
			if len(m.Data) == len(payload) {
				got++
			}
		}
	}()
	// Sample what the server queues for the slow subscriber while the flood
	// runs: an unbounded server would hold all 32 MB of it.
	var slowClient *client
	s.clientsMu.Lock()
	for _, c := range s.clients { // the slow subscriber connected first
		if slowClient == nil || c.cid < slowClient.cid {
			slowClient = c
		}
	}
	s.clientsMu.Unlock()
	if slowClient == nil {
		t.Fatal("slow client not found")
	}
	var peak atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(time.Millisecond):
			}
			if q := slowClient.queued(); q > peak.Load() {
				peak.Store(q)
			}
		}
	}()
	for i := range total {
		if err := pub.Publish("flood", payload); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			_ = pub.Flush()
		}
	}
	if err := pub.Flush(); err != nil {
		t.Fatal(err)
	}
	<-done
	close(stopSampling)
	<-sampled
	if got != total {
		t.Fatalf("healthy subscriber got %d of %d", got, total)
	}
	waitFor(t, 5*time.Second, func() error {
		if s.stats.slowConsumers.Load() == 0 {
			return fmt.Errorf("no slow consumer recorded")
		}
		return nil
	})
	slow.expectClosed()
	t.Logf("peak bytes queued for the slow consumer: %d KB", peak.Load()>>10)
	if limit := int64(1<<20 + 256<<10); peak.Load() > limit {
		t.Fatalf("server queued %d bytes for a slow consumer with max_pending 1 MB", peak.Load())
	}
}

func TestNoGoroutinePerConnection(t *testing.T) {
	s := runServer(t, nil)
	// Measure with nats.go clients would add client goroutines; use raw sockets.
	before := runtime.NumGoroutine()
	conns := make([]*rawConn, 0, 1000)
	for range 1000 {
		r := dialRaw(t, s)
		conns = append(conns, r)
	}
	for _, r := range conns {
		r.connectRaw(`{"verbose":false}`)
		r.send("PING\r\n")
	}
	for _, r := range conns {
		r.expect(`^PONG$`)
	}
	after := runtime.NumGoroutine()
	if after-before >= 20 {
		t.Fatalf("goroutines grew from %d to %d with 1000 connections", before, after)
	}
	if n := s.NumClients(); n != 1000 {
		t.Fatalf("server has %d clients", n)
	}
	_ = nats.ErrNoResponders
}

func TestLimits(t *testing.T) {
	t.Run("max connections", func(t *testing.T) {
		s := runServer(t, func(o *options.Options) { o.MaxConnections = 1 })
		first := dialRaw(t, s)
		first.connectRaw(`{"verbose":false}`)
		first.send("PING\r\n")
		first.expect(`^PONG$`)
		second := dialRaw(t, s)
		second.expect(`^INFO `)
		second.expect(`^-ERR 'maximum connections exceeded'$`)
		second.expectClosed()
		first.send("PING\r\n")
		first.expect(`^PONG$`)
	})
	t.Run("max subscriptions", func(t *testing.T) {
		s := runServer(t, func(o *options.Options) { o.MaxSubscriptions = 2 })
		r := dialRaw(t, s)
		r.connectRaw(`{"verbose":false}`)
		r.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n")
		r.expect(`^-ERR 'maximum subscriptions exceeded'$`)
		r.expect(`^PONG$`)
	})
	t.Run("stale connection", func(t *testing.T) {
		s := runServer(t, func(o *options.Options) {
			o.PingInterval = 100 * time.Millisecond
			o.PingMax = 2
		})
		r := dialRaw(t, s)
		r.connectRaw(`{"verbose":false}`)
		// Never answer the server's PINGs.
		r.expect(`^PING$`)
		r.expect(`^PING$`)
		r.expect(`^-ERR 'Stale Connection'$`)
		r.expectClosed()
		waitFor(t, 2*time.Second, func() error {
			if s.stats.staleConns.Load() != 1 {
				return fmt.Errorf("stale connections %d", s.stats.staleConns.Load())
			}
			return nil
		})
	})
	t.Run("answered pings keep it alive", func(t *testing.T) {
		s := runServer(t, func(o *options.Options) {
			o.PingInterval = 100 * time.Millisecond
			o.PingMax = 1
		})
		r := dialRaw(t, s)
		r.connectRaw(`{"verbose":false}`)
		for range 5 {
			r.expect(`^PING$`)
			r.send("PONG\r\n")
		}
	})
	t.Run("publish before connect with no auth", func(t *testing.T) {
		s := runServer(t, nil)
		r := dialRaw(t, s)
		r.expect(`^INFO `)
		r.send("SUB x 1\r\nPUB x 1\r\nz\r\nPING\r\n")
		// nats-server's CONNECT defaults make a client verbose only after CONNECT.
		r.expect(`^MSG x 1 1$`)
		r.expect(`^z$`)
		r.expect(`^PONG$`)
	})
}

// TestSlowConsumerLogLines floods a raw subscriber that never reads until
// the server gives up on it, once for max_pending and once for
// write_deadline, and checks nats-server's log line (with the client's
// address, cid and name), the close reason and the counters.
func TestSlowConsumerLogLines(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*options.Options)
		line   string // the message after the client prefix
		reason string
	}{
		{
			name:   "max pending",
			mutate: func(o *options.Options) { o.MaxPending = 256 << 10 },
			line:   `Slow Consumer Detected: MaxPending of 262144 Exceeded$`,
			reason: "Slow Consumer (Pending Bytes)",
		},
		{
			// max_pending stays at its 64 MB default, far above what the
			// flood queues, so only the write deadline can close it.
			name:   "write deadline",
			mutate: func(o *options.Options) { o.WriteDeadline = 200 * time.Millisecond },
			line:   `Slow Consumer Detected: WriteDeadline of 200ms exceeded`,
			reason: "Slow Consumer (Write Deadline)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, logs := runServerLog(t, func(o *options.Options) {
				o.MaxPayload = 64 << 10
				tc.mutate(o)
			})
			slow := dialRaw(t, s)
			slow.connectRaw(`{"verbose":false,"name":"slowpoke"}`)
			slow.send("SUB flood 1\r\nPING\r\n")
			slow.expect(`^PONG$`)
			port := slow.c.LocalAddr().(*net.TCPAddr).Port

			pub := connect(t, s)
			payload := make([]byte, 64<<10)
			const maxFlood = 384 // 24 MB: more than loopback buffers hold, far under 64 MB
			for i := 0; i < maxFlood && len(logs.matching(`Slow Consumer Detected`)) == 0; i++ {
				if err := pub.Publish("flood", payload); err != nil {
					t.Fatal(err)
				}
				if i%8 == 7 {
					mustFlush(t, pub)
				}
			}
			mustFlush(t, pub)
			want := fmt.Sprintf(`\[INF\] 127\.0\.0\.1:%d - cid:\d+ - "slowpoke" - %s`, port, tc.line)
			logs.waitLine(t, want)
			if n := len(logs.matching(`Slow Consumer Detected`)); n != 1 {
				t.Errorf("%d slow consumer lines, want 1: %q", n, logs.matching(`Slow Consumer Detected`))
			}
			slow.expectClosed()
			waitFor(t, 5*time.Second, func() error {
				for _, c := range s.closed.all() {
					if c.name == "slowpoke" {
						if c.reason != tc.reason {
							return fmt.Errorf("closed with reason %q, want %q", c.reason, tc.reason)
						}
						return nil
					}
				}
				return fmt.Errorf("slowpoke not among the closed connections")
			})
			v := s.Varz()
			if v.SlowConsumers != 1 || v.SlowConsumersStats.Clients != 1 || len(v.SlowConsumerOffenders) != 1 ||
				v.SlowConsumerOffenders[0].Name != "slowpoke" {
				t.Errorf("varz slow consumers %d, stats %+v, offenders %+v", v.SlowConsumers, v.SlowConsumersStats, v.SlowConsumerOffenders)
			}
		})
	}
}
