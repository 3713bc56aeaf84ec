package server

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"
)

// TestClusterSlowRoute checks the slow route policy with a peer that
// announces interest and then reads nothing: the node keeps serving its
// clients, what is queued for the route stays near max_pending (the rest is
// dropped and logged), and once the socket has taken nothing for the
// cluster write_deadline the route is closed.
func TestClusterSlowRoute(t *testing.T) {
	// A quarter of max_pending is more than one stall budget's worth of
	// input (stallBudgetChunk), so the healthy local subscriber survives a
	// stall that times out on a loaded machine.
	const maxPending = 512 << 10
	o := clusterOptions("A")
	o.MaxPending = maxPending
	o.MaxPayload = 32 << 10
	o.Cluster.WriteDeadline = 1500 * time.Millisecond
	s, logs := startNode(t, o)

	p := dialPeer(t, s, "NSLOW")
	if err := p.c.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	p.handshake(s, true)
	p.send("RS+ $G slow\r\n")
	p.sync()
	rc := s.cluster.routeTo("NSLOW")

	pub := connect(t, s)
	lc := connect(t, s)
	local := mustSub(t, lc, "slow", "")
	mustFlush(t, lc)
	const n, size = 600, 16 << 10 // ~9.6 MB, many times max_pending and the socket buffers
	payload := bytes.Repeat([]byte("x"), size)
	for range n {
		if err := pub.Publish("slow", payload); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, pub)
	for i := range n {
		if _, err := local.NextMsg(5 * time.Second); err != nil {
			t.Fatalf("local subscriber stalled at %d of %d: %v", i, n, err)
		}
	}
	logs.waitLine(t, fmt.Sprintf(`rid:\d+ - Slow Consumer Detected: MaxPending of %d Exceeded, dropping messages`, maxPending))
	// Other loops see the route's backlog with a lag of at most what its
	// loop is moving at that moment, so the bound is twice max_pending (see
	// route_out.go), plus a frame per loop.
	if q, limit := rc.queued(), int64(2*maxPending+testLoops()*(size+64)); q > limit {
		t.Fatalf("%d bytes queued for the route, limit %d", q, limit)
	}
	if rc.route.dropped.Load() == 0 {
		t.Fatal("no message was dropped")
	}
	logs.waitLine(t, `Slow Consumer Detected: WriteDeadline of 1.5s exceeded`)
	logs.waitLine(t, `Router connection closed: Slow Consumer \(Write Deadline\)`)
	waitFor(t, 5*time.Second, func() error {
		if s.NumRoutes() != 0 {
			return fmt.Errorf("%d routes", s.NumRoutes())
		}
		return nil
	})
	if got := s.stats.slowRoutes.Load(); got < 2 {
		t.Fatalf("slow route events %d, want 2", got)
	}
	// The node still serves its clients.
	if err := pub.Publish("slow", []byte("after")); err != nil {
		t.Fatal(err)
	}
	if m, err := local.NextMsg(5 * time.Second); err != nil || string(m.Data) != "after" {
		t.Fatalf("after the route closed: %v %v", m, err)
	}
}
