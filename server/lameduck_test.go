package server

import (
	"fmt"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// shortLameDuck gives s a lame duck duration below the 30 s minimum that
// option validation enforces, so a test can run it.
func shortLameDuck(s *Server, grace, duration time.Duration) {
	o := s.Options().Clone()
	o.LameDuckGracePeriod, o.LameDuckDuration = grace, duration
	s.opts.Store(o)
}

// TestLameDuckMode checks lame duck mode in a two-node cluster: A's clients
// are told (INFO with ldm), B stops advertising A to its clients, A takes no
// new clients, then closes its clients after the grace period and shuts
// down; B keeps serving.
func TestLameDuckMode(t *testing.T) {
	a, logs := startNode(t, clusterOptions("A"))
	b, _ := startNode(t, clusterOptions("B", a))
	waitForMesh(t, a, b)
	aURL := a.ClientAddr().String()
	waitFor(t, 10*time.Second, func() error {
		if !slices.Contains(b.cluster.clientConnectURLs(), aURL) {
			return fmt.Errorf("B's connect_urls %v lack A's %s", b.cluster.clientConnectURLs(), aURL)
		}
		return nil
	})

	ldm := make(chan struct{}, 1)
	closed := make(chan struct{}, 1)
	onA := connect(t, a,
		nats.LameDuckModeHandler(func(*nats.Conn) { ldm <- struct{}{} }),
		nats.DisconnectErrHandler(func(*nats.Conn, error) { closed <- struct{}{} }))
	mustFlush(t, onA) // past the first PONG: takes asynchronous INFO
	onB := connect(t, b)
	sub := mustSub(t, onB, "after.ldm", "")
	mustFlush(t, onB)

	shortLameDuck(a, 300*time.Millisecond, time.Second)
	finished := make(chan struct{})
	go func() { a.LameDuck(); close(finished) }()

	select {
	case <-ldm:
	case <-time.After(10 * time.Second):
		t.Fatal("the client on A was not told about lame duck mode")
	}
	logs.waitLine(t, `\[INF\] Entering lame duck mode, stop accepting new clients`)
	if !a.InLameDuckMode() {
		t.Fatal("InLameDuckMode is false")
	}
	waitFor(t, 10*time.Second, func() error {
		if slices.Contains(b.cluster.clientConnectURLs(), aURL) {
			return fmt.Errorf("B still advertises A: %v", b.cluster.clientConnectURLs())
		}
		return nil
	})
	// A new client is turned away before INFO.
	raw, err := net.DialTimeout("tcp", aURL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := raw.Read(make([]byte, 64)); err != io.EOF {
		t.Fatalf("new client during lame duck mode: read %d bytes, %v; want EOF", n, err)
	}

	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("A did not close its client")
	}
	logs.waitLine(t, `\[INF\] Closing existing clients`)
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("lame duck mode did not end in a shutdown")
	}
	a.WaitForShutdown()

	// B serves on.
	if err := onB.Publish("after.ldm", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("B after A left: %v", err)
	}
}

// TestLameDuckWithoutClients shuts down at once when nobody is connected.
func TestLameDuckWithoutClients(t *testing.T) {
	s, logs := runServerLog(t, nil)
	done := make(chan struct{})
	go func() { s.LameDuck(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("lame duck mode with no clients did not shut down")
	}
	logs.waitLine(t, `Entering lame duck mode`)
	logs.waitLine(t, `Server Exiting`)
}

func TestLameDuckPacing(t *testing.T) {
	tests := []struct {
		d         time.Duration
		n         int
		wantPause time.Duration
		wantBatch int
	}{
		{d: 10 * time.Second, n: 100, wantPause: 100 * time.Millisecond, wantBatch: 1},
		{d: 2 * time.Minute, n: 10, wantPause: time.Second, wantBatch: 1},
		{d: time.Second, n: 100000, wantPause: time.Millisecond, wantBatch: 100},
		{d: time.Second, n: 1, wantPause: time.Second, wantBatch: 1},
	}
	for _, tt := range tests {
		pause, batch := lameDuckPacing(tt.d, tt.n)
		if pause != tt.wantPause || batch != tt.wantBatch {
			t.Errorf("lameDuckPacing(%v, %d) = %v, %d; want %v, %d", tt.d, tt.n, pause, batch, tt.wantPause, tt.wantBatch)
		}
	}
}
