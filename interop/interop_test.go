package interop

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/server"
)

// TestEvnatsDialsNatsServer: evnats solicits the route; nats-server (pooling
// and compression at their defaults) accepts it as one pool-less,
// uncompressed route.
func TestEvnatsDialsNatsServer(t *testing.T) {
	ns := startNatsServer(t, "N1")
	ev := startEvnats(t, "E1", ns.routeURL())
	waitForPair(t, ev, ns)
	checkPair(t, ev, ns)
}

// TestNatsServerDialsEvnats: nats-server solicits; evnats sends INFO first,
// and the extra connection nats-server opens for its $SYS account is refused
// by nats-server itself, leaving one route.
func TestNatsServerDialsEvnats(t *testing.T) {
	ev := startEvnats(t, "E1")
	ns := startNatsServer(t, "N1", evRouteURL(ev))
	waitForPair(t, ev, ns)
	checkPair(t, ev, ns)
	if n := ev.NumRoutes(); n != 1 {
		t.Fatalf("evnats has %d routes to one nats-server", n)
	}
}

// TestMixedCluster forms a four-node cluster, two nats-servers and two
// evnats servers, all seeded with N1 only: gossip from both kinds of server
// completes the mesh. Every message reaches every node once, and a queue
// group spread over all four delivers each message once.
func TestMixedCluster(t *testing.T) {
	n1 := startNatsServer(t, "N1")
	e1 := startEvnats(t, "E1", n1.routeURL())
	n2 := startNatsServer(t, "N2", n1.routeURL())
	e2 := startEvnats(t, "E2", n1.routeURL())
	evs := []*server.Server{e1, e2}
	nss := []*natsServer{n1, n2}
	waitFor(t, 20*time.Second, func() error {
		for _, e := range evs {
			if n := e.NumRoutes(); n != 3 {
				return fmt.Errorf("%s has %d routes, want 3", e.Name(), n)
			}
		}
		for _, n := range nss {
			if got := len(n.remotes(t)); got != 3 {
				return fmt.Errorf("%s has routes to %d servers, want 3", n.name, got)
			}
		}
		return nil
	})
	urls := []string{n1.clientURL(), e1.ClientURL(), n2.clientURL(), e2.ClientURL()}
	conns := make([]*nats.Conn, len(urls))
	subs := make([]*nats.Subscription, len(urls))
	for i, u := range urls {
		conns[i] = connect(t, u)
		subs[i] = subscribeSync(t, conns[i], "mixed")
	}
	waitForInterest(t, evs, nss, "mixed", len(urls)-1)
	for from := range conns {
		publishN(t, conns[from], "mixed", 30)
		for i, sub := range subs {
			if n := countUntilEnd(t, sub); n != 30 {
				t.Fatalf("published via %s, node %d got %d messages, want 30", urls[from], i, n)
			}
		}
	}
	checkQueueGroup(t, conns, 400)
}

// waitForPair waits until the evnats server and the nats-server have a
// route to each other.
func waitForPair(t *testing.T, ev *server.Server, ns *natsServer) {
	t.Helper()
	waitFor(t, 20*time.Second, func() error {
		if ev.NumRoutes() != 1 {
			return fmt.Errorf("evnats has %d routes", ev.NumRoutes())
		}
		if !ns.remotes(t)[ev.ID()] {
			return fmt.Errorf("nats-server has no route to evnats")
		}
		return nil
	})
}

// waitForInterest waits until every node knows that the n other nodes are
// interested in subject.
func waitForInterest(t *testing.T, evs []*server.Server, nss []*natsServer, subject string, n int) {
	t.Helper()
	waitFor(t, 10*time.Second, func() error {
		for _, e := range evs {
			if !evHasRouteInterest(e, subject) {
				return fmt.Errorf("%s: no route interest in %q", e.Name(), subject)
			}
		}
		for _, ns := range nss {
			peers := 0
			for id := range ns.remotes(t) {
				if ns.hasRouteInterest(t, id, subject) {
					peers++
				}
			}
			if peers != n {
				return fmt.Errorf("%s: %d peers interested in %q, want %d", ns.name, peers, subject, n)
			}
		}
		return nil
	})
}

// checkPair runs the checks of a two-server cluster, evnats and nats-server.
func checkPair(t *testing.T, ev *server.Server, ns *natsServer) {
	evc, nsc := connect(t, ev.ClientURL()), connect(t, ns.clientURL())

	t.Run("interest and messages both ways", func(t *testing.T) {
		onNS := subscribeSync(t, nsc, "to.ns")
		waitFor(t, 10*time.Second, func() error {
			if !evHasRouteInterest(ev, "to.ns") {
				return fmt.Errorf("evnats did not learn nats-server's interest")
			}
			return nil
		})
		publishN(t, evc, "to.ns", 50)
		if n := countUntilEnd(t, onNS); n != 50 {
			t.Fatalf("nats-server subscriber got %d messages from evnats, want 50", n)
		}
		onEV := subscribeSync(t, evc, "to.ev")
		waitFor(t, 10*time.Second, func() error {
			if !ns.hasRouteInterest(t, ev.ID(), "to.ev") {
				return fmt.Errorf("nats-server did not learn evnats' interest")
			}
			return nil
		})
		publishN(t, nsc, "to.ev", 50)
		if n := countUntilEnd(t, onEV); n != 50 {
			t.Fatalf("evnats subscriber got %d messages from nats-server, want 50", n)
		}
		// Withdrawn interest is withdrawn on the other side too.
		if err := onNS.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		if err := onEV.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, func() error {
			if evHasRouteInterest(ev, "to.ns") || ns.hasRouteInterest(t, ev.ID(), "to.ev") {
				return fmt.Errorf("interest still announced after UNSUB")
			}
			return nil
		})
	})

	t.Run("headers cross", func(t *testing.T) {
		sub := subscribeSync(t, nsc, "hdr")
		waitFor(t, 10*time.Second, func() error {
			if !evHasRouteInterest(ev, "hdr") {
				return fmt.Errorf("no interest yet")
			}
			return nil
		})
		m := nats.NewMsg("hdr")
		m.Header.Set("X-Trace", "abc")
		m.Data = []byte("payload")
		if err := evc.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
		got, err := sub.NextMsg(10 * time.Second)
		if err != nil || got.Header.Get("X-Trace") != "abc" || string(got.Data) != "payload" {
			t.Fatalf("got %v %v", got, err)
		}
	})

	t.Run("request and reply both ways", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			responder  *nats.Conn
			requester  *nats.Conn
			interested func() bool
		}{
			{name: "evnats asks nats-server", responder: nsc, requester: evc, interested: func() bool { return evHasRouteInterest(ev, "svc.ns") }},
			{name: "nats-server asks evnats", responder: evc, requester: nsc, interested: func() bool { return ns.hasRouteInterest(t, ev.ID(), "svc.ev") }},
		} {
			subject := "svc.ns"
			if tc.responder == evc {
				subject = "svc.ev"
			}
			sub, err := tc.responder.Subscribe(subject, func(m *nats.Msg) { _ = m.Respond(append([]byte("re:"), m.Data...)) })
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.responder.Flush(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, func() error {
				if !tc.interested() {
					return fmt.Errorf("%s: responder not known yet", tc.name)
				}
				return nil
			})
			for i := range 5 {
				m, err := tc.requester.Request(subject, []byte(strconv.Itoa(i)), 10*time.Second)
				if err != nil || string(m.Data) != "re:"+strconv.Itoa(i) {
					t.Fatalf("%s: request %d: %v %v", tc.name, i, m, err)
				}
			}
			_ = sub.Unsubscribe()
		}
	})

	t.Run("queue group exactly once", func(t *testing.T) {
		checkQueueGroup(t, []*nats.Conn{evc, nsc}, 400)
	})
}

// checkQueueGroup puts two members of one queue group on the servers of
// every connection but the first, publishes total messages round-robin from
// all of them, and checks that each message is delivered exactly once. The
// first server has no member, so its messages must cross a route to one
// member elsewhere; the others prefer their local members.
func checkQueueGroup(t *testing.T, conns []*nats.Conn, total int) {
	t.Helper()
	subject := "jobs." + strconv.FormatInt(time.Now().UnixNano(), 36)
	got := make([]atomic.Int64, len(conns))
	var seen sync.Map
	var dups atomic.Int64
	for i, nc := range conns[1:] {
		for range 2 {
			sub, err := nc.QueueSubscribe(subject, "workers", func(m *nats.Msg) {
				got[i+1].Add(1)
				if _, loaded := seen.LoadOrStore(string(m.Data), true); loaded {
					dups.Add(1)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sub.Unsubscribe() })
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	// The first server knows of the group once a probe from it lands.
	waitFor(t, 10*time.Second, func() error {
		if _, ok := seen.Load("probe"); ok {
			return nil
		}
		if err := conns[0].Publish(subject, []byte("probe")); err != nil {
			return err
		}
		if err := conns[0].Flush(); err != nil {
			return err
		}
		return fmt.Errorf("the group is not known on the first server yet")
	})
	count := func() int64 {
		var sum int64
		for i := range got {
			sum += got[i].Load()
		}
		return sum
	}
	// Probes still in flight land before the counted messages (per
	// publisher order), so wait for every probe sent to arrive.
	base := count()
	baseDups := dups.Load()
	for k := range total {
		if err := conns[k%len(conns)].Publish(subject, []byte(strconv.Itoa(k))); err != nil {
			t.Fatal(err)
		}
	}
	for _, nc := range conns {
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 20*time.Second, func() error {
		if n := count() - base; n < int64(total) {
			return fmt.Errorf("queue group got %d of %d messages", n, total)
		}
		return nil
	})
	for k := range total {
		if _, ok := seen.Load(strconv.Itoa(k)); !ok {
			t.Fatalf("message %d never delivered", k)
		}
	}
	if d := dups.Load() - baseDups; d != 0 {
		t.Fatalf("%d messages delivered twice", d)
	}
}
