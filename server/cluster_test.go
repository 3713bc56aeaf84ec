package server

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestClusterFromFlags forms a three-node cluster from command lines (B and
// C name only A; gossip completes the mesh) and checks routing across it.
func TestClusterFromFlags(t *testing.T) {
	node := func(name string, routes ...string) *Server {
		args := []string{"-a", "127.0.0.1", "-p", "-1", "-n", name, "--cluster", "nats://127.0.0.1:-1", "--cluster_name", clusterName}
		if len(routes) > 0 {
			args = append(args, "--routes", routes[0])
		}
		s, _ := startArgs(t, args...)
		return s
	}
	a := node("A")
	b := node("B", routeURLOf(a).String())
	c := node("C", routeURLOf(a).String())
	waitForMesh(t, a, b, c)
	checkClusterRouting(t, a, b, c)
}

// TestClusterFromFilesWithRestart forms a cluster from configuration files
// that list every node (itself included, as deployments usually do), then
// kills B and restarts it: the routes form again and delivery resumes.
func TestClusterFromFilesWithRestart(t *testing.T) {
	dir := t.TempDir()
	names := []string{"A", "B", "C"}
	clientPorts := make([]int, 3)
	routePorts := make([]int, 3)
	var routes string
	for i := range names {
		clientPorts[i], routePorts[i] = freePort(t), freePort(t)
		routes += fmt.Sprintf("    nats-route://127.0.0.1:%d\n", routePorts[i])
	}
	confs := make([]string, 3)
	for i, name := range names {
		confs[i] = filepath.Join(dir, name+".conf")
		writeConf(t, confs[i], fmt.Sprintf(`
server_name: %s
listen: 127.0.0.1:%d
cluster {
  name: %s
  listen: 127.0.0.1:%d
  routes: [
%s  ]
}
`, name, clientPorts[i], clusterName, routePorts[i], routes))
	}
	start := func(i int) (*Server, *logSink) { return startArgs(t, "-c", confs[i]) }
	a, _ := start(0)
	b, _ := start(1)
	c, cLogs := start(2)
	waitForMesh(t, a, b, c)
	checkClusterRouting(t, a, b, c)
	if n := len(cLogs.matching(`Route connection created`)); n < 2 {
		t.Errorf("C logged %d route connections", n)
	}

	na := connect(t, a)
	nc := connect(t, c)
	subC := mustSub(t, nc, "after", "")
	mustFlush(t, nc)
	waitPlainInterest(t, a, "after", 1)

	b.Shutdown()
	waitFor(t, 10*time.Second, func() error {
		if a.NumRoutes() != 1 || c.NumRoutes() != 1 {
			return fmt.Errorf("routes after B left: A %d, C %d", a.NumRoutes(), c.NumRoutes())
		}
		return nil
	})
	// A and C still talk while B is gone.
	publishN(t, na, "after", 10)
	if n := countUntilEnd(t, subC); n != 10 {
		t.Fatalf("C got %d messages while B was down, want 10", n)
	}

	b2, _ := start(1)
	waitForMesh(t, a, b2, c)
	nb := connect(t, b2)
	subB := mustSub(t, nb, "after", "")
	mustFlush(t, nb)
	waitPlainInterest(t, a, "after", 2)
	publishN(t, na, "after", 25)
	if n := countUntilEnd(t, subB); n != 25 {
		t.Fatalf("restarted B got %d messages, want 25", n)
	}
	if n := countUntilEnd(t, subC); n != 25 {
		t.Fatalf("C got %d messages, want 25", n)
	}
}

// checkClusterRouting runs the routing checks every cluster test shares on a
// full mesh of three nodes.
func checkClusterRouting(t *testing.T, a, b, c *Server) {
	t.Helper()
	servers := []*Server{a, b, c}
	conns := []*nats.Conn{connect(t, a), connect(t, b), connect(t, c)}

	t.Run("each message once on every other node", func(t *testing.T) {
		subs := make([]*nats.Subscription, 3)
		for i, nc := range conns {
			subs[i] = mustSub(t, nc, "orders", "")
			mustFlush(t, nc)
		}
		for _, s := range servers {
			waitPlainInterest(t, s, "orders", 2)
		}
		for from := range conns {
			publishN(t, conns[from], "orders", 50)
			for i, sub := range subs {
				if n := countUntilEnd(t, sub); n != 50 {
					t.Fatalf("published on %s, %s got %d messages, want 50", servers[from].Name(), servers[i].Name(), n)
				}
			}
			expectOnlyDrain(t, "orders", subs, conns)
		}
		for _, sub := range subs {
			_ = sub.Unsubscribe()
		}
	})

	t.Run("request and reply across nodes", func(t *testing.T) {
		resp, err := conns[2].Subscribe("svc.echo", func(m *nats.Msg) { _ = m.Respond(append([]byte("echo:"), m.Data...)) })
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Unsubscribe()
		mustFlush(t, conns[2])
		waitPlainInterest(t, a, "svc.echo", 1)
		for i := range 5 {
			m, err := conns[0].Request("svc.echo", []byte(strconv.Itoa(i)), 5*time.Second)
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			if string(m.Data) != "echo:"+strconv.Itoa(i) {
				t.Fatalf("reply %q", m.Data)
			}
		}
	})

	t.Run("queue group once cluster-wide", func(t *testing.T) {
		const perNode, total = 2, 600
		// Each node's connection takes its queue messages and the end
		// markers on one channel. Routes keep each publisher's order, so
		// once a connection has every publisher's marker it has every
		// message it will ever get from them.
		chans := make([]chan *nats.Msg, len(conns))
		for i, nc := range conns {
			chans[i] = make(chan *nats.Msg, total+len(conns))
			for range perNode {
				if _, err := nc.ChanQueueSubscribe("jobs", "workers", chans[i]); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := nc.ChanSubscribe("jobs.end", chans[i]); err != nil {
				t.Fatal(err)
			}
			mustFlush(t, nc)
		}
		for _, s := range servers {
			waitQueueWeight(t, s, "jobs", "workers", 2*perNode)
			waitPlainInterest(t, s, "jobs.end", 2)
		}
		// Publish from every node; each message must land exactly once.
		for k := range total {
			if err := conns[k%3].Publish("jobs", []byte(strconv.Itoa(k))); err != nil {
				t.Fatal(err)
			}
		}
		for _, nc := range conns {
			if err := nc.Publish("jobs.end", nil); err != nil {
				t.Fatal(err)
			}
			mustFlush(t, nc)
		}
		got := make([]int, len(conns))
		seen := make(map[string]string)
		for i, ch := range chans {
			for markers := 0; markers < len(conns); {
				select {
				case m := <-ch:
					if m.Subject == "jobs.end" {
						markers++
						continue
					}
					got[i]++
					if first, dup := seen[string(m.Data)]; dup {
						t.Errorf("job %s delivered on %s and on %s", m.Data, first, servers[i].Name())
					}
					seen[string(m.Data)] = servers[i].Name()
				case <-time.After(10 * time.Second):
					t.Fatalf("%s: %d of %d end markers after %d jobs", servers[i].Name(), markers, len(conns), got[i])
				}
			}
		}
		if len(seen) != total {
			t.Errorf("%d distinct jobs delivered (%v per node), want %d", len(seen), got, total)
		}
		for i := range got {
			if got[i] == 0 {
				t.Errorf("no message for the members on %s", servers[i].Name())
			}
		}
	})

	t.Run("UNSUB on B stops forwarding to B", func(t *testing.T) {
		sub := mustSub(t, conns[1], "updates", "")
		mustFlush(t, conns[1])
		waitPlainInterest(t, a, "updates", 1)
		if err := sub.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		mustFlush(t, conns[1])
		waitPlainInterest(t, a, "updates", 0)
		waitPlainInterest(t, c, "updates", 0)
		fromA := b.cluster.routeTo(a.ID())
		before := fromA.inMsgsFrom()
		publishN(t, conns[0], "updates", 20)
		marker := mustSub(t, conns[1], "marker", "")
		mustFlush(t, conns[1])
		waitPlainInterest(t, a, "marker", 1)
		publishN(t, conns[0], "marker", 0)
		if n := countUntilEnd(t, marker); n != 0 {
			t.Fatalf("marker count %d", n)
		}
		if sent := fromA.inMsgsFrom() - before; sent != 1 {
			t.Fatalf("A forwarded %d messages to B after UNSUB, want only the marker", sent)
		}
	})

	t.Run("clients learn the other nodes from connect_urls", func(t *testing.T) {
		nc := connect(t, a)
		want := []string{b.ClientURL(), c.ClientURL()}
		slices.Sort(want)
		waitFor(t, 5*time.Second, func() error {
			got := nc.DiscoveredServers()
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("discovered %v, want %v", got, want)
			}
			return nil
		})
	})
}

// expectOnlyDrain publishes "drain" on subject from every connection and
// reads each subscription until it has all of them: anything else arriving
// first is a message delivered more often than counted (a duplicate that
// trailed the end marker). It cannot see a duplicate that arrives later
// still, but it needs no sleep.
func expectOnlyDrain(t *testing.T, subject string, subs []*nats.Subscription, conns []*nats.Conn) {
	t.Helper()
	for _, nc := range conns {
		if err := nc.Publish(subject, []byte("drain")); err != nil {
			t.Fatal(err)
		}
		mustFlush(t, nc)
	}
	for i, sub := range subs {
		for drains := 0; drains < len(conns); {
			m, err := sub.NextMsg(5 * time.Second)
			if err != nil {
				t.Fatalf("subscription %d on %s: %d of %d drain markers: %v", i, subject, drains, len(conns), err)
			}
			if string(m.Data) != "drain" {
				t.Fatalf("subscription %d on %s: extra message %q after the end marker", i, subject, m.Data)
			}
			drains++
		}
	}
}

// publishN publishes n numbered messages and then "end".
func publishN(t testing.TB, nc *nats.Conn, subject string, n int) {
	t.Helper()
	for i := range n {
		if err := nc.Publish(subject, []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Publish(subject, []byte("end")); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, nc)
}

// routeTo returns the registered route to the server id, or nil.
func (cs *clusterState) routeTo(id string) *client {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.routes[id]
}

// inMsgsFrom is the number of messages a route connection has sent us.
func (c *client) inMsgsFrom() uint64 { return c.inMsgs.Load() }

// TestClusterReloadRoutes checks that a reload dials a route added to the
// configuration and closes one that was removed.
func TestClusterReloadRoutes(t *testing.T) {
	a, _ := startNode(t, clusterOptions("A"))
	conf := filepath.Join(t.TempDir(), "b.conf")
	bPort, bRoutePort := freePort(t), freePort(t)
	write := func(routes string) {
		writeConf(t, conf, fmt.Sprintf("listen: 127.0.0.1:%d\ncluster {\n  name: %s\n  listen: 127.0.0.1:%d\n  routes: [%s]\n}\n",
			bPort, clusterName, bRoutePort, routes))
	}
	write("")
	b, bLogs := startArgs(t, "-c", conf)
	if b.NumRoutes() != 0 {
		t.Fatalf("%d routes before the reload", b.NumRoutes())
	}
	write(routeURLOf(a).String())
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	waitForMesh(t, a, b)
	write("")
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	bLogs.waitLine(t, `Router connection closed: Route Removed`)
	waitFor(t, 5*time.Second, func() error {
		if a.NumRoutes() != 0 || b.NumRoutes() != 0 {
			return fmt.Errorf("routes: A %d, B %d", a.NumRoutes(), b.NumRoutes())
		}
		return nil
	})
}

// TestClusterAsyncConnectURLs checks that a client connected before the
// cluster grows hears of the new node through an asynchronous INFO.
func TestClusterAsyncConnectURLs(t *testing.T) {
	a, _ := startNode(t, clusterOptions("A"))
	nc := connect(t, a)
	if got := nc.DiscoveredServers(); len(got) != 0 {
		t.Fatalf("discovered %v before any route", got)
	}
	b, _ := startNode(t, clusterOptions("B", a))
	waitForMesh(t, a, b)
	waitFor(t, 5*time.Second, func() error {
		if got := nc.DiscoveredServers(); !slices.Equal(got, []string{b.ClientURL()}) {
			return fmt.Errorf("discovered %v, want [%s]", got, b.ClientURL())
		}
		return nil
	})
}

// TestClusterConnectURLsShrink checks that connect_urls lose a node that
// leaves the cluster: in /varz and in what nats.go discovered through the
// asynchronous INFO.
func TestClusterConnectURLsShrink(t *testing.T) {
	a, _ := startNode(t, clusterOptions("A"))
	b, _ := startNode(t, clusterOptions("B", a))
	c, _ := startNode(t, clusterOptions("C", a))
	waitForMesh(t, a, b, c)
	onA, onB := connect(t, a), connect(t, b)
	hostPort := func(s *Server) string { return strings.TrimPrefix(s.ClientURL(), "nats://") }
	check := func(nc *nats.Conn, s *Server, wantDiscovered []string, wantVarz []string) error {
		got := nc.DiscoveredServers()
		slices.Sort(got)
		slices.Sort(wantDiscovered)
		if !slices.Equal(got, wantDiscovered) {
			return fmt.Errorf("client of %s discovered %v, want %v", s.Name(), got, wantDiscovered)
		}
		urls := slices.Clone(s.Varz().ClientConnectURLs)
		slices.Sort(urls)
		slices.Sort(wantVarz)
		if !slices.Equal(urls, wantVarz) {
			return fmt.Errorf("%s varz connect_urls %v, want %v", s.Name(), urls, wantVarz)
		}
		return nil
	}
	waitFor(t, 5*time.Second, func() error {
		all := []string{hostPort(a), hostPort(b), hostPort(c)}
		if err := check(onA, a, []string{b.ClientURL(), c.ClientURL()}, all); err != nil {
			return err
		}
		return check(onB, b, []string{a.ClientURL(), c.ClientURL()}, all)
	})

	c.Shutdown()
	waitFor(t, 10*time.Second, func() error {
		both := []string{hostPort(a), hostPort(b)}
		if err := check(onA, a, []string{b.ClientURL()}, both); err != nil {
			return err
		}
		return check(onB, b, []string{a.ClientURL()}, both)
	})
}
