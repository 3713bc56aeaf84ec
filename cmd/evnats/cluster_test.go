package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// node is one server of a cluster of evnats processes, with the flags it was
// started with so that it can be restarted the same way.
type node struct {
	name        string
	clientPort  int
	clusterPort int
	args        []string
	p           *process
}

func (n *node) clientURL() string { return "nats://127.0.0.1:" + strconv.Itoa(n.clientPort) }

// startCluster starts one evnats per name, configured by flags only, each
// with --routes to all the others, on ports found free.
func startCluster(t *testing.T, clusterName string, names ...string) []*node {
	t.Helper()
	nodes := make([]*node, len(names))
	for i, name := range names {
		nodes[i] = &node{name: name, clientPort: freePort(t), clusterPort: freePort(t)}
	}
	for _, n := range nodes {
		var routes []string
		for _, o := range nodes {
			if o != n {
				routes = append(routes, "nats://127.0.0.1:"+strconv.Itoa(o.clusterPort))
			}
		}
		n.args = []string{"-n", n.name, "-a", "127.0.0.1", "-p", strconv.Itoa(n.clientPort),
			"--cluster", "nats://127.0.0.1:" + strconv.Itoa(n.clusterPort),
			"--cluster_name", clusterName, "--routes", strings.Join(routes, ",")}
	}
	for _, n := range nodes {
		n.p = startEvnatsExact(t, n.args...)
		if n.p.port != n.clientPort {
			t.Fatalf("%s listens on %d, want %d", n.name, n.p.port, n.clientPort)
		}
	}
	return nodes
}

// member is a client of one node with a subscription on "foo".
type member struct {
	name string
	nc   *nats.Conn
	sub  *nats.Subscription
}

func joinMember(t *testing.T, name string, p *process) *member {
	t.Helper()
	nc := mustDial(t, p, nats.Name("client of "+name))
	sub, err := nc.SubscribeSync("foo")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return &member{name: name, nc: nc, sub: sub}
}

var syncSeq atomic.Int64

// syncInterest waits until a message published by from reaches to: a fresh
// subscription of to's connection is published to until one arrives. Routes
// carry a connection's interest in order, so from's server then also knows
// every subscription to made before.
func syncInterest(t *testing.T, from, to *member) {
	t.Helper()
	subject := fmt.Sprintf("sync.%d", syncSeq.Add(1))
	sub, err := to.nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := to.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitFor)
	for {
		if err := from.nc.Publish(subject, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := sub.NextMsg(50 * time.Millisecond); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("messages from %s's server never reach %s's subscriber", from.name, to.name)
		}
	}
}

// syncAll waits until every member's messages reach every other member.
func syncAll(t *testing.T, members ...*member) {
	t.Helper()
	for _, from := range members {
		for _, to := range members {
			if from != to {
				syncInterest(t, from, to)
			}
		}
	}
}

// readUntil reads m's "foo" messages until it has seen every sentinel, and
// returns the other messages in the order they came.
func readUntil(t *testing.T, m *member, sentinels ...string) []string {
	t.Helper()
	var got []string
	missing := slices.Clone(sentinels)
	for len(missing) > 0 {
		msg, err := m.sub.NextMsg(waitFor)
		if err != nil {
			t.Fatalf("%s: waiting for %v after %d messages: %v", m.name, missing, len(got), err)
		}
		data := string(msg.Data)
		if i := slices.Index(missing, data); i >= 0 {
			missing = slices.Delete(missing, i, i+1)
		} else if slices.Contains(sentinels, data) {
			t.Fatalf("%s: sentinel %q twice", m.name, data)
		} else {
			got = append(got, data)
		}
	}
	return got
}

// checkExactlyOnce publishes n messages on "foo" from pub and requires that
// every member gets each exactly once, in order. A duplicate sent along a
// second route (a forwarding loop) would come after pub's last message, so
// once a member has seen that, each other member publishes its own sentinel
// behind whatever its server forwarded, and every member reads until it has
// all the sentinels.
func checkExactlyOnce(t *testing.T, round string, n int, pub *member, members ...*member) {
	t.Helper()
	var want []string
	for i := range n {
		msg := fmt.Sprintf("%s-%d", round, i)
		want = append(want, msg)
		if err := pub.nc.Publish("foo", []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	end := round + "-end-" + pub.name
	if err := pub.nc.Publish("foo", []byte(end)); err != nil {
		t.Fatal(err)
	}
	got := make([][]string, len(members))
	for i, m := range members {
		got[i] = readUntil(t, m, end)
	}
	sentinels := []string{}
	for _, m := range members {
		if m == pub {
			continue
		}
		s := round + "-end-" + m.name
		sentinels = append(sentinels, s)
		if err := m.nc.Publish("foo", []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range members {
		got[i] = append(got[i], readUntil(t, m, sentinels...)...)
		if !slices.Equal(got[i], want) {
			t.Fatalf("round %s: %s got %d messages %v..., want %d, each once in order", round, m.name, len(got[i]), got[i][:min(len(got[i]), 5)], n)
		}
	}
}

// discovered reports whether nc has learned url from connect_urls.
func discovered(nc *nats.Conn, url string) bool { return slices.Contains(nc.DiscoveredServers(), url) }

// TestClusterProcesses: three evnats processes form a full mesh from flags; a
// message published on A reaches B and C exactly once; B is killed (SIGKILL)
// and restarted with the same flags, the routes re-form, and delivery to B
// resumes without duplicates. A client of A learns B's and C's URLs from
// connect_urls, forgets B's while B is gone and learns it again.
func TestClusterProcesses(t *testing.T) {
	nodes := startCluster(t, "procs", "A", "B", "C")
	a, b, c := nodes[0], nodes[1], nodes[2]
	for _, n := range nodes {
		n.p.mustLine(t, logLine(n.p, "INF", `Cluster name is procs$`))
		n.p.mustLine(t, logLine(n.p, "INF", `Listening for route connections on 127\.0\.0\.1:`+strconv.Itoa(n.clusterPort)+`$`))
	}
	ma, mb, mc := joinMember(t, "A", a.p), joinMember(t, "B", b.p), joinMember(t, "C", c.p)
	syncAll(t, ma, mb, mc)
	checkExactlyOnce(t, "first", 100, ma, ma, mb, mc)
	checkExactlyOnce(t, "fromB", 20, mb, ma, mb, mc)

	eventually(t, "A's client to discover B and C", func() bool {
		return discovered(ma.nc, b.clientURL()) && discovered(ma.nc, c.clientURL())
	})
	if discovered(ma.nc, a.clientURL()) {
		t.Fatalf("A's own URL %s is among the discovered servers %v", a.clientURL(), ma.nc.DiscoveredServers())
	}

	// B dies without a word; A and C go on between themselves.
	fromA, fromC := len(a.p.log()), len(c.p.log())
	b.p.stop(syscall.SIGKILL)
	if code := b.p.exitCode(); code != -1 {
		t.Fatalf("B exited with %d after SIGKILL", code)
	}
	closed := `127\.0\.0\.1:\d+ - rid:\d+ - Router connection closed: .+ - Remote: B, Host: 127\.0\.0\.1:` + strconv.Itoa(b.clusterPort) + `$`
	a.p.mustLineFrom(t, fromA, logLine(a.p, "INF", closed))
	c.p.mustLineFrom(t, fromC, logLine(c.p, "INF", closed))
	eventually(t, "A's client to forget B", func() bool { return !discovered(ma.nc, b.clientURL()) })
	if !discovered(ma.nc, c.clientURL()) {
		t.Fatalf("A's client forgot C too: %v", ma.nc.DiscoveredServers())
	}
	checkExactlyOnce(t, "withoutB", 50, ma, ma, mc)

	// The same flags again: B comes back on the same ports.
	fromA, fromC = len(a.p.log()), len(c.p.log())
	b.p = startEvnatsExact(t, b.args...)
	mb = joinMember(t, "B", b.p)
	syncAll(t, ma, mb, mc)
	created := `127\.0\.0\.1:\d+ - rid:\d+ - Route connection created`
	a.p.mustLineFrom(t, fromA, logLine(a.p, "INF", created))
	c.p.mustLineFrom(t, fromC, logLine(c.p, "INF", created))
	for _, n := range []*node{a, c} {
		b.p.mustLine(t, logLine(b.p, "INF", created+` \(127\.0\.0\.1:`+strconv.Itoa(n.clusterPort)+`\)$`))
	}
	checkExactlyOnce(t, "again", 100, ma, ma, mb, mc)
	checkExactlyOnce(t, "fromC", 20, mc, ma, mb, mc)
	eventually(t, "A's client to discover B again", func() bool { return discovered(ma.nc, b.clientURL()) })
}

// TestSpecClusterTLS runs the spec's cluster TLS example as written, from the
// repository root: configs/cluster-tls.conf (A) and configs/cluster-tls-b.conf
// (B) solicit each other on 127.0.0.1:4246 and 127.0.0.1:4244, the routes
// form over TLS verified both ways, and messages cross in both directions.
// Only the client ports are moved to free ones.
func TestSpecClusterTLS(t *testing.T) {
	waitPortsFree(t, 4244, 4246)
	a := startEvnats(t, "-c", "configs/cluster-tls.conf", "-D")
	b := startEvnats(t, "-c", "configs/cluster-tls-b.conf", "-D")
	a.mustLine(t, logLine(a, "INF", `Listening for route connections on 127\.0\.0\.1:4244$`))
	b.mustLine(t, logLine(b, "INF", `Listening for route connections on 127\.0\.0\.1:4246$`))
	ma, mb := joinMember(t, "A", a), joinMember(t, "B", b)
	syncAll(t, ma, mb)
	checkExactlyOnce(t, "AtoB", 50, ma, ma, mb)
	checkExactlyOnce(t, "BtoA", 50, mb, ma, mb)

	// The route that carried them was created after its TLS handshake. (The
	// files name no cluster, so each server starts with a generated name, and
	// the first route may be refused until one has taken the other's name, as
	// with nats-server.)
	created := regexp.MustCompile(`(127\.0\.0\.1:\d+ - rid:\d+) - Route connection created`)
	for _, p := range []*process{a, b} {
		var who string
		for _, l := range p.log() {
			if m := created.FindStringSubmatch(l); m != nil {
				who = regexp.QuoteMeta(m[1])
			}
		}
		if who == "" {
			t.Fatal("no route connection created")
		}
		p.mustLine(t, logLine(p, "DBG", who+` - Starting TLS route (client|server) handshake$`))
		p.mustLine(t, logLine(p, "DBG", who+` - TLS handshake complete$`))
		p.mustLine(t, logLine(p, "DBG", who+` - TLS version 1\.[23], cipher suite TLS_\w+$`))
		if n := p.count(`TLS route handshake error|(?i)certificate`); n != 0 {
			t.Fatalf("%d route TLS errors", n)
		}
	}
}
