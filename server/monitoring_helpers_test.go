package server

import (
	"testing"

	"github.com/nats-io/nats.go"
)

// loopOf returns the index of the event loop that owns nc's connection on s.
func loopOf(t testing.TB, s *Server, nc *nats.Conn) int {
	t.Helper()
	cid, err := nc.GetClientID()
	if err != nil {
		t.Fatalf("client id: %v", err)
	}
	s.clientsMu.Lock()
	c := s.clients[cid]
	s.clientsMu.Unlock()
	if c == nil {
		t.Fatalf("server has no client %d", cid)
	}
	return c.conn.Loop().Index()
}

// clientsPerLoop asks every loop, on the loop, how many client (not route)
// connections it owns, indexed by loop index. It fails the test if a loop
// does not answer.
func clientsPerLoop(t testing.TB, s *Server) []int {
	t.Helper()
	type count struct{ loop, n int }
	counts := gatherOnLoops(s, func(ls *loopState) []count {
		n := 0
		for c := range ls.clients {
			if c.kind == kindClient {
				n++
			}
		}
		return []count{{ls.loop.Index(), n}}
	})
	if len(counts) != s.numLoops() {
		t.Fatalf("%d of %d loops answered", len(counts), s.numLoops())
	}
	per := make([]int, s.numLoops())
	for _, c := range counts {
		if c.loop < 0 || c.loop >= len(per) {
			t.Fatalf("loop index %d out of range [0,%d)", c.loop, len(per))
		}
		per[c.loop] += c.n
	}
	return per
}

// connectOnEveryLoop opens nats.go connections to s until every event loop
// owns at least perLoop of them, giving up after limit connections. It
// returns the connections and the loop of each.
func connectOnEveryLoop(t testing.TB, s *Server, perLoop, limit int, opts ...nats.Option) ([]*nats.Conn, []int) {
	t.Helper()
	owned := make([]int, s.numLoops())
	covered := func() bool {
		for _, n := range owned {
			if n < perLoop {
				return false
			}
		}
		return true
	}
	var conns []*nats.Conn
	var loops []int
	for !covered() {
		if len(conns) == limit {
			t.Fatalf("%d connections cover the loops only as %v (want %d each)", limit, owned, perLoop)
		}
		nc := connect(t, s, opts...)
		l := loopOf(t, s, nc)
		owned[l]++
		conns, loops = append(conns, nc), append(loops, l)
	}
	return conns, loops
}
