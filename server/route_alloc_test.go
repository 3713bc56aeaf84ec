//go:build !race

package server

import (
	"io"
	"runtime"
	"testing"
	"time"
)

// Forwarding to a route allocates nothing: 2000 PUBs that each cross a
// route cost no more allocations than 1000 (the loop callback itself
// allocates a few). The peer is a raw route that drains its socket.
func TestRouteForwardDoesNotAllocate(t *testing.T) {
	for _, loops := range []int{1, 2} {
		t.Run(map[int]string{1: "same loop", 2: "across loops"}[loops], func(t *testing.T) {
			o := clusterOptions("A")
			o.Loops = loops
			s, _ := startNode(t, o)
			p := dialPeer(t, s, "NALLOC")
			p.handshake(s, true)
			p.send("RS+ $G bench.orders\r\n")
			p.sync()
			go func() { _, _ = io.Copy(io.Discard, p.c) }()

			r := dialRaw(t, s)
			r.connectRaw(`{"verbose":false}`)
			r.send("PING\r\n")
			r.expect(`^PONG$`)
			var c *client
			s.clientsMu.Lock()
			for _, x := range s.clients {
				c = x
			}
			s.clientsMu.Unlock()
			h := &pubHarness{c: c, subject: []byte("bench.orders"), payload: make([]byte, 128), done: make(chan struct{})}
			rc := s.cluster.routeTo("NALLOC")
			// settle waits, without allocating, until the route has sent
			// everything.
			settle := func() {
				deadline := time.Now().Add(5 * time.Second)
				for rc.queued() > 0 && time.Now().Before(deadline) {
					runtime.Gosched()
				}
			}
			h.run(2000) // warm caches and buffers
			settle()
			small := testing.AllocsPerRun(20, func() { h.run(1000); settle() })
			large := testing.AllocsPerRun(20, func() { h.run(2000); settle() })
			if per := (large - small) / 1000; per > 0.01 {
				t.Fatalf("%.3f allocations per routed publish (%v per 1000, %v per 2000)", per, small, large)
			}
			if out, _ := rc.conn.OutStats(); out < 2000 {
				t.Fatalf("only %d messages went to the route", out)
			}
		})
	}
}
