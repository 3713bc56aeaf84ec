package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/options"
)

// TestRouteInfoFirst checks what an accepting server sends a route peer: an
// INFO in the route form (no blank before CRLF) that declines pooling and
// compression, so a v2.15 peer negotiates down.
func TestRouteInfoFirst(t *testing.T) {
	s, _ := startNode(t, clusterOptions("A"))
	p := dialPeer(t, s, "NPEER")
	want := map[string]any{"server_id": s.ID(), "server_name": "A", "proto": float64(1), "cluster": clusterName,
		"headers": true, "host": "127.0.0.1", "port": float64(s.RouteAddr().Port)}
	for k, v := range want {
		if p.info[k] != v {
			t.Errorf("INFO %s = %v, want %v", k, p.info[k], v)
		}
	}
	for _, k := range []string{"route_pool_size", "compression", "lnoc", "ln", "auth_required", "tls_required"} {
		if _, ok := p.info[k]; ok {
			t.Errorf("INFO carries %q", k)
		}
	}
	urls, _ := p.info["connect_urls"].([]any)
	if len(urls) != 1 || urls[0] != s.ClientAddr().String() {
		t.Errorf("connect_urls %v, want [%s]", urls, s.ClientAddr())
	}
}

// TestRouteInterestProtocol checks RS+/RS- as a peer sees them: the whole
// table on registration, then each change, queue weights included.
func TestRouteInterestProtocol(t *testing.T) {
	s, _ := startNode(t, clusterOptions("A"))
	nc := connect(t, s)
	mustSub(t, nc, "foo", "")
	mustSub(t, nc, "foo", "")
	mustSub(t, nc, "bar", "q")
	mustSub(t, nc, "bar", "q")
	mustFlush(t, nc)

	p := dialPeer(t, s, "NPEER")
	p.handshake(s, true)
	got := p.sync()
	sort.Strings(got)
	if want := []string{"RS+ $G bar q 2", "RS+ $G foo"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("initial interest %q, want %q", got, want)
	}

	steps := []struct {
		name string
		do   func(nc *nats.Conn) *nats.Subscription
		want string
	}{
		{name: "new subject", do: func(nc *nats.Conn) *nats.Subscription { return mustSub(t, nc, "baz", "") }, want: "RS+ $G baz"},
		{name: "third member", do: func(nc *nats.Conn) *nats.Subscription { return mustSub(t, nc, "bar", "q") }, want: "RS+ $G bar q 3"},
		{name: "new group", do: func(nc *nats.Conn) *nats.Subscription { return mustSub(t, nc, "bar", "r") }, want: "RS+ $G bar r 1"},
	}
	var subs []*nats.Subscription
	for _, st := range steps {
		subs = append(subs, st.do(nc))
		mustFlush(t, nc)
		if l := p.expectNext(`^RS`); l != st.want {
			t.Fatalf("%s: got %q, want %q", st.name, l, st.want)
		}
	}
	undo := []string{"RS- $G baz", "RS+ $G bar q 2", "RS- $G bar r"}
	for i, sub := range subs {
		if err := sub.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		mustFlush(t, nc)
		if l := p.expectNext(`^RS`); l != undo[i] {
			t.Fatalf("unsubscribe %d: got %q, want %q", i, l, undo[i])
		}
	}
	// A subject with other local subscribers is not withdrawn; the last one
	// going (the client closing) withdraws it.
	nc.Close()
	got = nil
	for len(got) < 2 {
		if l := p.expectNext(`^RS`); strings.HasPrefix(l, "RS- ") {
			got = append(got, l)
		}
	}
	sort.Strings(got)
	if want := []string{"RS- $G bar q", "RS- $G foo"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after close %q, want %q", got, want)
	}
}

// TestRouteForwardingForms checks the RMSG and HMSG forms sent to a peer
// that announced interest, and that nothing goes where there is none.
func TestRouteForwardingForms(t *testing.T) {
	tests := []struct {
		name    string
		headers bool // the peer's
		rs      string
		publish func(nc *nats.Conn) error
		want    []string
	}{
		{name: "plain", headers: true, rs: "RS+ $G foo", publish: func(nc *nats.Conn) error { return nc.Publish("foo", []byte("hello")) },
			want: []string{"RMSG $G foo 5", "hello"}},
		{name: "reply", headers: true, rs: "RS+ $G foo", publish: func(nc *nats.Conn) error { return nc.PublishRequest("foo", "r.1", []byte("hi")) },
			want: []string{"RMSG $G foo r.1 2", "hi"}},
		{name: "queue with reply", headers: true, rs: "RS+ $G work q 1", publish: func(nc *nats.Conn) error { return nc.PublishRequest("work", "r.2", []byte("hi")) },
			want: []string{"RMSG $G work + r.2 q 2", "hi"}},
		{name: "queue", headers: true, rs: "RS+ $G work q 1", publish: func(nc *nats.Conn) error { return nc.Publish("work", []byte("hi")) },
			want: []string{"RMSG $G work | q 2", "hi"}},
		{name: "plain and queue in one message", headers: true, rs: "RS+ $G work\r\nRS+ $G work q 1", publish: func(nc *nats.Conn) error { return nc.Publish("work", []byte("hi")) },
			want: []string{"RMSG $G work | q 2", "hi"}},
		{name: "headers", headers: true, rs: "RS+ $G h", publish: func(nc *nats.Conn) error {
			m := nats.NewMsg("h")
			m.Header.Set("K", "v")
			m.Data = []byte("hi")
			return nc.PublishMsg(m)
		}, want: []string{"HMSG $G h 18 20", "NATS/1.0", "K: v", "", "hi"}},
		{name: "headers stripped for a peer without", headers: false, rs: "RS+ $G h", publish: func(nc *nats.Conn) error {
			m := nats.NewMsg("h")
			m.Header.Set("K", "v")
			m.Data = []byte("hi")
			return nc.PublishMsg(m)
		}, want: []string{"RMSG $G h 2", "hi"}},
	}
	s, _ := startNode(t, clusterOptions("A"))
	nc := connect(t, s)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := dialPeer(t, s, fmt.Sprintf("NPEER%d", i))
			p.handshake(s, tc.headers)
			p.send(tc.rs + "\r\n")
			p.sync()
			if err := tc.publish(nc); err != nil {
				t.Fatal(err)
			}
			mustFlush(t, nc)
			for _, w := range tc.want {
				if l := p.next(); l != w {
					t.Fatalf("got %q, want %q", l, w)
				}
			}
			p.c.Close()
			waitFor(t, 5*time.Second, func() error {
				if s.NumRoutes() != 0 {
					return fmt.Errorf("%d routes", s.NumRoutes())
				}
				return nil
			})
		})
	}
}

// TestRouteInterestGates checks that a message crosses only where there is
// interest: RS- stops it, a local queue member is preferred, and a peer
// never gets messages that came from another route.
func TestRouteInterestGates(t *testing.T) {
	s, _ := startNode(t, clusterOptions("A"))
	nc := connect(t, s)
	p := dialPeer(t, s, "NP1")
	p.handshake(s, true)
	q := dialPeer(t, s, "NP2")
	q.handshake(s, true)
	p.send("RS+ $G foo\r\nRS+ $G work q 1\r\nRS+ $G end\r\n")
	p.sync()
	q.send("RS+ $G foo\r\nRS+ $G end\r\n")
	q.sync()

	// A message from route q for foo reaches local subscribers only: p
	// must not get it (one hop).
	local := mustSub(t, nc, "foo", "")
	member := mustSub(t, nc, "work", "q")
	mustFlush(t, nc)
	q.send("RMSG $G foo 4\r\nfrom\r\n")
	if m, err := local.NextMsg(5 * time.Second); err != nil || string(m.Data) != "from" {
		t.Fatalf("local subscriber: %v %v", m, err)
	}
	// A local queue member wins over the remote one.
	for range 20 {
		if err := nc.Publish("work", []byte("w")); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, nc)
	for range 20 {
		if _, err := member.NextMsg(5 * time.Second); err != nil {
			t.Fatalf("local member: %v", err)
		}
	}
	// After RS- nothing more for foo.
	p.send("RS- $G foo\r\n")
	p.sync()
	if err := nc.Publish("foo", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("end", []byte("e")); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, nc)
	if l := nextMsgLine(p); l != "RMSG $G end 1" {
		t.Fatalf("peer got %q, want only the end marker", l)
	}
	if l := nextMsgLine(q); l != "RMSG $G foo 1" {
		t.Fatalf("peer got %q, want the second foo", l)
	}
}

// nextMsgLine skips interest protocol and returns the next message line.
func nextMsgLine(p *fakePeer) string {
	p.t.Helper()
	for {
		if l := p.next(); !strings.HasPrefix(l, "RS") {
			return l
		}
	}
}

// TestRouteInboundDelivery checks delivery of RMSG and HMSG from a peer:
// plain subscribers always, queue groups only when named, once per group.
func TestRouteInboundDelivery(t *testing.T) {
	s, _ := startNode(t, clusterOptions("A"))
	nc := connect(t, s)
	plain := mustSub(t, nc, "work", "")
	m1 := mustSub(t, nc, "work", "q")
	m2 := mustSub(t, nc, "work", "q")
	other := mustSub(t, nc, "work", "other")
	hdr := mustSub(t, nc, "h", "")
	mustFlush(t, nc)
	p := dialPeer(t, s, "NP1")
	p.handshake(s, true)
	p.send("RMSG $G work 1\r\na\r\n")                 // plain only
	p.send("RMSG $G work | q 1\r\nb\r\n")             // plain + one of q
	p.send("RMSG $G work + reply q other 1\r\nc\r\n") // plain + one of q + other
	p.send("HMSG $G h 18 20\r\nNATS/1.0\r\nK: v\r\n\r\nhi\r\n")
	p.send("RMSG $SYS work 1\r\nz\r\n") // another account: not ours
	p.sync()
	mustFlush(t, nc)
	for _, want := range []string{"a", "b", "c"} {
		m, err := plain.NextMsg(5 * time.Second)
		if err != nil || string(m.Data) != want {
			t.Fatalf("plain: %v %v, want %q", m, err, want)
		}
	}
	waitFor(t, 5*time.Second, func() error {
		if q, o := pendingMsgs(t, m1)+pendingMsgs(t, m2), pendingMsgs(t, other); q != 2 || o != 1 {
			return fmt.Errorf("queue q got %d messages (want 2), other %d (want 1)", q, o)
		}
		return nil
	})
	m, err := other.NextMsg(time.Second)
	if err != nil || m.Reply != "reply" {
		t.Fatalf("reply lost: %v %v", m, err)
	}
	hm, err := hdr.NextMsg(5 * time.Second)
	if err != nil || hm.Header.Get("K") != "v" || string(hm.Data) != "hi" {
		t.Fatalf("HMSG: %v %v", hm, err)
	}
}

// TestRouteRefusals covers the handshakes a route port refuses, with
// nats-server's -ERR texts. Cases share a server per configuration.
func TestRouteRefusals(t *testing.T) {
	tests := []struct {
		name string
		auth bool // the server requires route credentials
		send string
		want string // -ERR line, "" for a silent close
		log  string
	}{
		{name: "client on the route port", send: `CONNECT {"lang":"go","version":"1.0","verbose":false}` + "\r\n",
			want: `^-ERR 'attempted to connect to route port'$`},
		{name: "cluster name mismatch", send: `CONNECT {"name":"NX","cluster":"other"}` + "\r\n",
			want: `^-ERR 'Rejecting connection, cluster name "other" does not match "C"'$`,
			log:  `\[ERR\] .*Rejecting connection, cluster name "other" does not match "C"`},
		{name: "reserved cluster name", send: `CONNECT {"name":"NX","cluster":"_"}` + "\r\n",
			want: `^-ERR 'Rejecting connection, cluster name "_" is reserved'$`},
		{name: "gateway on the route port", send: `CONNECT {"name":"NX","cluster":"C","gateway":"G"}` + "\r\n",
			want: `^-ERR 'Rejecting connection from gateway "G" on the Route port'$`},
		{name: "operation before CONNECT", send: "PING\r\n", want: `^-ERR 'Authorization Violation'$`},
		{name: "route to self", send: `CONNECT {"name":"SELF","cluster":"C"}` + "\r\n" + "SELFINFO",
			log: `Router connection closed: Duplicate Route`},
		{name: "pool index", send: `CONNECT {"name":"NX","cluster":"C"}` + "\r\n" +
			`INFO {"server_id":"NX","server_name":"x","port":1,"cluster":"C","route_pool_size":3,"route_pool_idx":2}` + "\r\n",
			want: `^-ERR 'Route pool index should not be set but is set to 2'$`},
		{name: "dedicated account route", send: `CONNECT {"name":"NX","cluster":"C"}` + "\r\n" +
			`INFO {"server_id":"NX","server_name":"x","port":1,"cluster":"C","route_account":"$SYS"}` + "\r\n",
			want: `^-ERR 'Not possible to have a dedicated route for account "\$SYS" between those servers'$`},
		{name: "duplicate server name", send: `CONNECT {"name":"NX","cluster":"C"}` + "\r\n" +
			`INFO {"server_id":"NX","server_name":"A","port":1,"cluster":"C"}` + "\r\n",
			log: `Remote server has a duplicate name: "A"`},
		{name: "wrong route password", auth: true, send: `CONNECT {"name":"NX","cluster":"C","user":"ruser","pass":"nope"}` + "\r\n",
			want: `^-ERR 'Authorization Violation'$`},
		{name: "no route credentials", auth: true, send: `CONNECT {"name":"NX","cluster":"C"}` + "\r\n",
			want: `^-ERR 'Authorization Violation'$`},
		{name: "auth timeout", auth: true, want: `^-ERR 'Authentication Timeout'$`},
	}
	plain, plainLogs := startNode(t, clusterOptions("A"))
	o := clusterOptions("A")
	routeAuth("ruser", "secret")(o)
	o.Cluster.Auth.Timeout = 200 * time.Millisecond
	authed, authedLogs := startNode(t, o)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, logs := plain, plainLogs
			if tc.auth {
				s, logs = authed, authedLogs
			}
			p := dialPeer(t, s, "NX")
			p.send(strings.ReplaceAll(tc.send, "SELFINFO", fmt.Sprintf(`INFO {"server_id":%q,"port":1,"cluster":"C"}`+"\r\n", s.ID())))
			if tc.want != "" {
				p.expect(tc.want)
			}
			p.expectClosed()
			if tc.log != "" {
				logs.waitLine(t, tc.log)
			}
			if s.NumRoutes() != 0 {
				t.Fatalf("%d routes registered", s.NumRoutes())
			}
		})
	}
}

func routeAuth(user, pass string) func(o *options.Options) {
	return func(o *options.Options) { o.Cluster.Auth = auth.RouteConfig{Username: user, Password: pass} }
}

// TestRouteAuthorized checks cluster authorization: the right user and
// password (plain or bcrypt) are let in, and the INFO says auth is required.
func TestRouteAuthorized(t *testing.T) {
	for _, pass := range []string{"secret", cheapHash(t, "secret")} {
		o := clusterOptions("A")
		routeAuth("ruser", pass)(o)
		s, _ := startNode(t, o)
		p := dialPeer(t, s, "NX")
		if p.info["auth_required"] != true {
			t.Fatalf("INFO lacks auth_required: %v", p.info)
		}
		p.send(`CONNECT {"name":"NX","cluster":"C","user":"ruser","pass":"secret","headers":true}` + "\r\n")
		p.send(peerInfo("NX", "x", 1, true))
		p.sync()
		if s.NumRoutes() != 1 {
			t.Fatalf("route not registered with password %q", pass)
		}
	}
}

// TestRouteDuplicate checks that a second connection from the same server is
// closed while the first one stays.
func TestRouteDuplicate(t *testing.T) {
	s, logs := startNode(t, clusterOptions("A"))
	p1 := dialPeer(t, s, "NDUP")
	p1.handshake(s, true)
	p2 := dialPeer(t, s, "NDUP")
	p2.send(`CONNECT {"name":"NDUP","cluster":"C"}` + "\r\n" + peerInfo("NDUP", "dup", 1, true))
	p2.expectClosed()
	logs.waitLine(t, `Router connection closed: Duplicate Route`)
	p1.sync()
	if s.NumRoutes() != 1 {
		t.Fatalf("%d routes", s.NumRoutes())
	}
}

// TestRouteDialedHandshake checks the dialing side: CONNECT first (with the
// URL's credentials and our server id as name), then INFO, then interest.
func TestRouteDialedHandshake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := clusterOptions("A")
	o.Cluster.Routes = []*url.URL{{Scheme: "nats-route", User: url.UserPassword("ruser", "pw"), Host: ln.Addr().String()}}
	s, logs := startNode(t, o)
	nc := connect(t, s)
	mustSub(t, nc, "foo", "")
	mustFlush(t, nc)

	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := &fakePeer{rawConn: &rawConn{t: t, c: c, br: bufio.NewReader(c)}, id: "NDIALED"}
	p.send(peerInfo("NDIALED", "d", 1, true))
	line := p.expect(`^CONNECT \{.*\}$`)
	var ci map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "CONNECT ")), &ci); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"name": s.ID(), "cluster": clusterName, "user": "ruser", "pass": "pw",
		"headers": true, "echo": true, "verbose": false, "pedantic": false, "tls_required": false} {
		if ci[k] != v {
			t.Errorf("CONNECT %s = %v, want %v", k, ci[k], v)
		}
	}
	p.expect(`^INFO \{"server_id":"` + s.ID() + `".*\}$`)
	p.expectNext(`^RS\+ \$G foo$`)
	logs.waitLine(t, `Route connection created \(`+ln.Addr().String()+`\)`)
	if s.NumRoutes() != 1 {
		t.Fatalf("%d routes", s.NumRoutes())
	}
}

// TestRouteGossip checks that a server learning of a new peer tells its other
// routes, which then dial the peer (an implicit route).
func TestRouteGossip(t *testing.T) {
	a, _ := startNode(t, clusterOptions("A"))
	b, _ := startNode(t, clusterOptions("B", a))
	waitForMesh(t, a, b)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := dialPeer(t, a, "NGOSSIP")
	port := ln.Addr().(*net.TCPAddr).Port
	p.send(`CONNECT {"name":"NGOSSIP","cluster":"C","headers":true}` + "\r\n" + peerInfo("NGOSSIP", "g", port, true))
	p.sync()

	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("B did not dial the gossiped peer: %v", err)
	}
	defer c.Close()
	q := &fakePeer{rawConn: &rawConn{t: t, c: c, br: bufio.NewReader(c)}, id: "NGOSSIP"}
	line := q.expect(`^CONNECT \{.*\}$`)
	if !strings.Contains(line, `"name":"`+b.ID()+`"`) {
		t.Fatalf("implicit route not from B: %s", line)
	}
}

// TestRouteDynamicClusterName checks that a server without a configured
// cluster name takes the configured name of its first peer.
func TestRouteDynamicClusterName(t *testing.T) {
	o := clusterOptions("A")
	o.Cluster.Name = ""
	s, logs := startNode(t, o)
	logs.waitLine(t, `Cluster name was dynamically generated`)
	dyn := s.ClusterName()
	if len(dyn) != 22 {
		t.Fatalf("generated name %q", dyn)
	}
	p := dialPeer(t, s, "NX")
	if p.info["cluster"] != dyn || p.info["cluster_dynamic"] != true {
		t.Fatalf("INFO cluster %v dynamic %v", p.info["cluster"], p.info["cluster_dynamic"])
	}
	p.handshake(s, true)
	if s.ClusterName() != clusterName {
		t.Fatalf("cluster name %q, want %q", s.ClusterName(), clusterName)
	}
	logs.waitLine(t, `Cluster name updated to C`)
}

// TestRoutePingPong checks that the route answers PING and pings a silent peer.
func TestRoutePingPong(t *testing.T) {
	s, _ := startNode(t, clusterOptions("A"))
	p := dialPeer(t, s, "NP")
	p.handshake(s, true)
	p.sync()
	// The first PING comes after about a second.
	_ = p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if l, err := p.br.ReadString('\n'); err != nil || l != "PING\r\n" {
		t.Fatalf("got %q, %v; want PING", l, err)
	}
}

func mustSub(t testing.TB, nc *nats.Conn, subject, queue string) *nats.Subscription {
	t.Helper()
	var sub *nats.Subscription
	var err error
	if queue == "" {
		sub, err = nc.SubscribeSync(subject)
	} else {
		sub, err = nc.QueueSubscribeSync(subject, queue)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func mustFlush(t testing.TB, nc *nats.Conn) {
	t.Helper()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func pendingMsgs(t testing.TB, sub *nats.Subscription) int {
	t.Helper()
	n, _, err := sub.Pending()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
