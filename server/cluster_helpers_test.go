package server

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/evnats/evnats/options"
)

// clusterName is the cluster every test node belongs to.
const clusterName = "C"

// clusterOptions are test options for a node of cluster C, listening for
// routes on a random loopback port and dialing routes.
func clusterOptions(name string, routes ...*Server) *options.Options {
	o := testOptions()
	o.ServerName = name
	o.Cluster.Name = clusterName
	o.Cluster.Host = "127.0.0.1"
	o.Cluster.Port = options.RandomPort
	for _, r := range routes {
		o.Cluster.Routes = append(o.Cluster.Routes, routeURLOf(r))
	}
	return o
}

// startNode starts a cluster node with its log captured.
func startNode(t testing.TB, o *options.Options) (*Server, *logSink) {
	t.Helper()
	return startLogged(t, o)
}

// startArgs starts a node from a command line, as cmd/evnats does.
func startArgs(t testing.TB, args ...string) (*Server, *logSink) {
	t.Helper()
	fs := flag.NewFlagSet("evnats", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	args = append(args, "--loops", strconv.Itoa(testLoops()))
	o, _, err := options.Configure(fs, args)
	if err != nil {
		t.Fatalf("Configure %q: %v", args, err)
	}
	o.Logtime = false
	return startLogged(t, o)
}

func routeURLOf(s *Server) *url.URL {
	return &url.URL{Scheme: "nats-route", Host: s.RouteAddr().String()}
}

// waitForMesh waits until every server has a route to every other one.
func waitForMesh(t testing.TB, servers ...*Server) {
	t.Helper()
	waitFor(t, 10*time.Second, func() error {
		for _, s := range servers {
			if n := s.NumRoutes(); n != len(servers)-1 {
				return fmt.Errorf("%s has %d routes, want %d", s.Name(), n, len(servers)-1)
			}
		}
		return nil
	})
}

// routeInterest reports which routes of s announced interest matching
// subject: the number of routes with plain interest and, per queue group,
// the total weight.
func routeInterest(s *Server, subject string) (plain int, queues map[string]int32) {
	r := s.subs.MatchString(subject)
	queues = make(map[string]int32)
	for _, sub := range r.Plain {
		if sub.client.kind == kindRoute && !sub.removed.Load() {
			plain++
		}
	}
	for _, qg := range r.Queues {
		for _, sub := range qg.Members {
			if sub.client.kind == kindRoute && !sub.removed.Load() {
				queues[qg.Name] += sub.weight
			}
		}
	}
	return plain, queues
}

// waitPlainInterest waits until s has plain route interest in subject from
// exactly n routes.
func waitPlainInterest(t testing.TB, s *Server, subject string, n int) {
	t.Helper()
	waitFor(t, 10*time.Second, func() error {
		if got, _ := routeInterest(s, subject); got != n {
			return fmt.Errorf("%s: %d routes interested in %q, want %d", s.Name(), got, subject, n)
		}
		return nil
	})
}

// waitQueueWeight waits until the routes of s announce weight members of
// queue for subject.
func waitQueueWeight(t testing.TB, s *Server, subject, queue string, weight int32) {
	t.Helper()
	waitFor(t, 10*time.Second, func() error {
		if _, q := routeInterest(s, subject); q[queue] != weight {
			return fmt.Errorf("%s: remote weight of %s/%s is %d, want %d", s.Name(), subject, queue, q[queue], weight)
		}
		return nil
	})
}

// countUntilEnd reads sub until a message "end" arrives and returns how many
// messages came before it. Routes keep each publisher's order, so anything
// sent before "end" has arrived by then.
func countUntilEnd(t testing.TB, sub *nats.Subscription) int {
	t.Helper()
	n := 0
	for {
		m, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("%s: after %d messages: %v", sub.Subject, n, err)
		}
		if string(m.Data) == "end" {
			return n
		}
		n++
	}
}

// fakePeer is a raw route connection speaking as a route peer.
type fakePeer struct {
	*rawConn
	id   string
	info map[string]any // the INFO the server sent
}

// dialPeer connects to s's route port and reads its INFO.
func dialPeer(t testing.TB, s *Server, id string) *fakePeer {
	t.Helper()
	c, err := net.Dial("tcp", s.RouteAddr().String())
	if err != nil {
		t.Fatalf("dial route port: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	p := &fakePeer{rawConn: &rawConn{t: t, c: c, br: bufio.NewReaderSize(c, 1<<20)}, id: id}
	line := p.expect(`^INFO \{.*\}$`)
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "INFO ")), &p.info); err != nil {
		t.Fatalf("route INFO: %v", err)
	}
	return p
}

// peerInfo is a minimal route INFO, as a third-party peer would send it.
func peerInfo(id, name string, port int, headers bool) string {
	return fmt.Sprintf(`INFO {"server_id":%q,"server_name":%q,"version":"2.15.3","proto":1,"host":"127.0.0.1",`+
		`"port":%d,"headers":%v,"max_payload":1048576,"cluster":%q}`+"\r\n", id, name, port, headers, clusterName)
}

// handshake sends CONNECT and INFO and waits until the server has
// registered the route.
func (p *fakePeer) handshake(s *Server, headers bool) {
	p.t.Helper()
	before := s.NumRoutes()
	p.send(fmt.Sprintf(`CONNECT {"echo":true,"verbose":false,"pedantic":false,"tls_required":false,"headers":%v,`+
		`"name":%q,"cluster":%q}`+"\r\n", headers, p.id, clusterName))
	p.send(peerInfo(p.id, "peer-"+p.id, 1, headers))
	waitFor(p.t, 5*time.Second, func() error {
		if s.NumRoutes() <= before {
			return fmt.Errorf("route %s not registered", p.id)
		}
		return nil
	})
}

// next returns the next line that is not a PING, answering PINGs.
func (p *fakePeer) next() string {
	p.t.Helper()
	for {
		l := p.line()
		if l == "PING" {
			p.send("PONG\r\n")
			continue
		}
		return l
	}
}

// expectNext checks the next non-PING line against a regular expression.
func (p *fakePeer) expectNext(re string) string {
	p.t.Helper()
	l := p.next()
	if !matches(re, l) {
		p.t.Fatalf("got %q, want match for %q", l, re)
	}
	return l
}

// sync sends PING and returns the lines that arrived before the PONG: the
// server has processed everything sent before.
func (p *fakePeer) sync() []string {
	p.t.Helper()
	p.send("PING\r\n")
	var lines []string
	for {
		l := p.next()
		if l == "PONG" {
			return lines
		}
		lines = append(lines, l)
	}
}

func matches(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
