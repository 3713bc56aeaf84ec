package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/cluster"
	"github.com/evnats/evnats/options"
	"github.com/evnats/evnats/proto"
	"github.com/evnats/evnats/reactor"
)

// Clustering, as nats-server v2.15 does it without pooling or compression.
//
// Every route is a client of kind kindRoute on an event loop, like any
// client; its protocol handler is its *route. Routes we accept and routes we
// dial (a goroutine dials, then Engine.Enroll hands the socket to a loop) go
// through the same handshake: TLS first when the cluster has TLS, then the
// acceptor sends INFO and the dialer CONNECT and INFO. A route is registered
// (clusterState.routes, keyed by the peer's server id) when its first INFO
// has been checked; a second connection to the same peer is closed as a
// duplicate. Registering a route announces it to the other routes (gossip),
// which dial it; that is how a cluster seeded with one address becomes a
// full mesh.
//
// Interest: local subscriptions are counted in clusterState.interest, and
// every change that matters (first subscription to a subject, last one gone,
// a queue group's member count) becomes RS+ or RS- for every registered
// route (see sendInterestLocked for the order they travel in); a new route
// gets the whole table, under the same lock. Interest a peer announces
// becomes *subscription values of the route client in the shared sublist,
// so the normal delivery path finds them (deliver.go): one RMSG per route
// per message, queue groups prefer local members. Messages from a route are
// delivered locally only, so nothing travels more than one hop.
//
// Slow routes: see route_out.go. Dialing and reconnecting: route_dial.go.
//
// Locks: clusterState.mu, then route.ctlMu. Neither is held while closing or
// flushing a connection (a failed write runs OnClose, which takes mu).

const (
	// routeProtoVersion is the route protocol level evnats announces (1:
	// INFO updates; nats-server's 3 adds message tracing).
	routeProtoVersion = 1
	// routeMaxControlLineFactor: routes may send control lines this many
	// times longer than clients (long queue lists, gossip INFO).
	routeMaxControlLineFactor = 16
	// routeMaxPayload bounds a routed message; nats-server does not limit
	// routes, and 64 MiB is the largest max_payload it accepts.
	routeMaxPayload = 64 << 20
	// routeMaxHeld bounds the input held while a route's CONNECT waits for
	// a bcrypt verdict: the peer may already be sending its interest.
	routeMaxHeld = 64 << 20
	// routeMaxCtlRetain is the largest control buffer kept for reuse.
	routeMaxCtlRetain = 64 << 10

	routeFirstPing       = time.Second
	routeMaxPingInterval = 30 * time.Second
	routeConnectDelay    = time.Second // between two dial attempts
	routeReconnectDelay  = time.Second // before re-dialing a configured route
	routeReconnectJitter = 100 * time.Millisecond
	routeDialTimeout     = time.Second
	// firstConnectReports: while a route was never connected, a failed
	// attempt is logged as an error once every this many attempts.
	firstConnectReports = 3600
)

var globalAccount = []byte(cluster.GlobalAccount)

// clusterState holds the routes of this server. It is created by New; start
// runs once the listeners are bound.
type clusterState struct {
	s       *Server
	enabled bool // a cluster listener is configured (set by New)

	nameV   atomic.Pointer[string]
	urlsV   atomic.Pointer[[]string] // client connect_urls, nil until a route announced some
	nroutes atomic.Int32

	ctx    context.Context // canceled by stop; dial goroutines watch it
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cfgErr error // building route TLS or auth failed: New returns it

	mu          sync.Mutex
	clusterName string
	dynamic     bool                // the name was generated, a peer's may replace it
	routes      map[string]*client  // registered routes by remote server id
	dialing     map[string]struct{} // server ids an implicit dial is under way for
	self        map[string]struct{} // route hosts (host:port, lower case) that turned out to be us
	interest    cluster.Interest
	peerURLs    cluster.URLSet
	ownURLs     []string // our client URLs, announced to peers (ownURLsLocked)
	tlsConf     *tls.Config
	routeAuth   *auth.RouteAuth
	stopped     bool
	scratch     []byte // RS+/RS- frame being built, under mu
}

func newClusterState(s *Server) *clusterState {
	opts := s.Options()
	cs := &clusterState{
		s:       s,
		routes:  make(map[string]*client),
		dialing: make(map[string]struct{}),
		self:    make(map[string]struct{}),
	}
	cs.ctx, cs.cancel = context.WithCancel(context.Background())
	cs.enabled = opts.Cluster.Port != 0
	name := opts.Cluster.Name
	if name == "" && cs.enabled {
		name, cs.dynamic = cluster.NewName(), true
	}
	cs.setNameLocked(name)
	if cs.enabled {
		// Built now, so that New can refuse a bad configuration and a peer
		// dialing in before start is served.
		cs.cfgErr = cs.configure(opts)
	}
	return cs
}

// start dials the configured routes. Called by Start once the listeners are
// bound.
func (cs *clusterState) start() {
	s := cs.s
	opts := s.Options()
	if cs.dynamic {
		s.log.Warnf("Cluster name was dynamically generated, consider setting one")
	}
	if m := opts.Cluster.Compression; m != "" && m != options.CompressionOff && m != options.CompressionAccept {
		s.log.Noticef("Route compression %q is accepted but not used: routes are uncompressed, as with peers that do not support it", m)
	}
	if opts.Cluster.TLS != nil && opts.Cluster.TLS.Insecure {
		s.log.Warnf("TLS certificate chain and hostname of solicited routes will not be verified. DO NOT USE IN PRODUCTION!")
	}
	cs.mu.Lock()
	for _, u := range opts.Cluster.Routes {
		cs.spawnDialLocked(dialSpec{eng: s.engine, url: u, explicit: true, first: true})
	}
	cs.mu.Unlock()
}

// configure (re)builds what routes need from the options.
func (cs *clusterState) configure(opts *options.Options) error {
	ra, err := auth.NewRouteAuth(opts.Cluster.Auth)
	if err != nil {
		return err
	}
	var tc *tls.Config
	if opts.Cluster.TLS != nil {
		if tc, err = opts.Cluster.TLS.RouteConfig(); err != nil {
			return fmt.Errorf("cluster tls: %w", err)
		}
	}
	cs.mu.Lock()
	cs.routeAuth, cs.tlsConf = ra, tc
	cs.mu.Unlock()
	return nil
}

// stop ends dialing and waits for the dial goroutines. The routes themselves
// close with the engine.
func (cs *clusterState) stop() {
	cs.mu.Lock()
	cs.stopped = true
	cs.mu.Unlock()
	cs.cancel()
	cs.wg.Wait()
}

// name is the cluster name. Safe from any goroutine.
func (cs *clusterState) name() string {
	if p := cs.nameV.Load(); p != nil {
		return *p
	}
	return ""
}

func (cs *clusterState) setNameLocked(name string) {
	cs.clusterName = name
	cs.nameV.Store(&name)
}

// clientConnectURLs is the connect_urls of the client INFO: nil until a route
// announced client URLs, then ours followed by the peers'. The slice is
// shared: do not modify it. Safe from any goroutine.
func (cs *clusterState) clientConnectURLs() []string {
	if p := cs.urlsV.Load(); p != nil {
		return *p
	}
	return nil
}

// publishURLsLocked refreshes the connect_urls snapshot. cs.mu held.
func (cs *clusterState) publishURLsLocked() {
	list := cs.peerURLs.List(cs.ownURLsLocked())
	cs.urlsV.Store(&list)
}

// ownURLsLocked returns our client URLs, computed on first use: the client
// listener is bound before any route can connect. cs.mu held.
func (cs *clusterState) ownURLsLocked() []string {
	if cs.ownURLs == nil {
		cs.ownURLs = cs.s.ownClientURLs()
	}
	return cs.ownURLs
}

// NumRoutes is the number of registered routes (one per peer server). Safe
// for concurrent use.
func (s *Server) NumRoutes() int { return int(s.cluster.nroutes.Load()) }

// ClusterName is the cluster name in force: the configured one, or one
// adopted from a peer or generated when none is configured. Safe for
// concurrent use.
func (s *Server) ClusterName() string { return s.cluster.name() }

// localInterestAdded counts a new local subscription and tells the routes if
// that changes what they know. Called on the subscriber's loop, inside a
// callback.
func (cs *clusterState) localInterestAdded(sub *subscription) {
	if !cs.enabled {
		return
	}
	cs.mu.Lock()
	ch := cs.interest.Add(string(sub.subject), string(sub.queue))
	cs.sendInterestLocked(sub, ch)
	cs.mu.Unlock()
}

// localInterestRemoved is the counterpart of localInterestAdded; it is called
// exactly once per subscription that was added, on its client's loop.
func (cs *clusterState) localInterestRemoved(sub *subscription) {
	if !cs.enabled {
		return
	}
	cs.mu.Lock()
	ch := cs.interest.Remove(string(sub.subject), string(sub.queue))
	cs.sendInterestLocked(sub, ch)
	cs.mu.Unlock()
}

// sendInterestLocked sends what ch calls for to every registered route.
//
// RS+ (a new subject, a queue weight) travels like a message from the
// subscriber's loop: into the route's Out when it is on this loop, else into
// this loop's outbox for the route's loop. So it reaches the peer before any
// message this loop sends it afterwards (a request published right after its
// reply subscription gets its answer), and before anything a client on
// another loop does in reaction to this loop's later output.
//
// RS- is deferred: this loop posts to itself (which runs after its outboxes
// have been handed over), and from there each route's loop checks that the
// count is still zero and writes RS- itself. An RS+ counted later can then
// only land behind it, so a peer never ends up missing interest we have. The
// cost of that order is that a subscription on another loop racing with the
// last unsubscription may leave the peer with interest we no longer have: it
// sends a few messages nobody here wants, until the subject changes again.
// cs.mu held.
func (cs *clusterState) sendInterestLocked(sub *subscription, ch cluster.Change) {
	if ch.Op == cluster.OpNone || len(cs.routes) == 0 {
		return
	}
	ls := sub.client.ls
	if ch.Op == cluster.OpUnsub {
		subject, queue := string(sub.subject), string(sub.queue)
		ls.loop.Post(func() { cs.postUnsub(subject, queue) })
		return
	}
	b := proto.AppendRSub(cs.scratch[:0], globalAccount, sub.subject, sub.queue, ch.Weight)
	cs.scratch = b
	for _, rc := range cs.routes {
		if rc.ls == ls {
			if !rc.closing {
				rc.conn.Out = append(rc.conn.Out, b...)
				rc.conn.MarkDirty()
			}
			continue
		}
		ob := ls.loop.Outbox(rc.ls.loop)
		buf := ob.Begin()
		start := len(buf)
		buf = append(buf, b...)
		ob.End(rc.conn, buf, start, 0, 0)
	}
}

// postUnsub asks every route's loop to send RS- for subject and queue if
// nothing subscribed again meanwhile.
func (cs *clusterState) postUnsub(subject, queue string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.interest.Weight(subject, queue) != 0 {
		return
	}
	for _, rc := range cs.routes {
		rc.ls.loop.Post(func() { cs.sendUnsub(rc, subject, queue) })
	}
}

// sendUnsub writes RS- to rc if the interest is still gone. Runs on rc's
// loop; whatever RS+ is counted after the check reaches rc's Out later.
func (cs *clusterState) sendUnsub(rc *client, subject, queue string) {
	cs.mu.Lock()
	gone := cs.interest.Weight(subject, queue) == 0 && rc.route.registered
	cs.mu.Unlock()
	if !gone || rc.closing || rc.conn.Closed() {
		return
	}
	rc.conn.Out = proto.AppendRUnsub(rc.conn.Out, globalAccount, []byte(subject), []byte(queue))
	rc.conn.MarkDirty()
}

// agreeName checks a peer's cluster name against ours. A generated name gives
// way to a configured one, or to a greater generated one (nats-server's
// rule); the routes to other servers are then dropped, as they were formed
// under the old name. static says the peer's name is configured and becomes
// ours for good.
func (cs *clusterState) agreeName(remote string, remoteDynamic, static bool, remoteID string) (ours string, ok bool) {
	cs.mu.Lock()
	ours = cs.clusterName
	if remote == ours || remote == "" {
		cs.mu.Unlock()
		return ours, true
	}
	if !cs.dynamic || (remoteDynamic && ours >= remote) {
		cs.mu.Unlock()
		return ours, false
	}
	cs.setNameLocked(remote)
	if static {
		cs.dynamic = false
	}
	var others []*client
	for id, rc := range cs.routes {
		if id != remoteID {
			others = append(others, rc)
		}
	}
	cs.mu.Unlock()
	cs.s.log.Noticef("Cluster name updated to %s", remote)
	for _, rc := range others {
		rc.postClose("Cluster Name Conflict")
	}
	return remote, true
}

// postClose closes c on its own loop with reason. Safe from any goroutine.
func (c *client) postClose(reason string) {
	c.ls.loop.Post(func() { c.closeWith(reason) })
}

// sendAsyncInfo sends a fresh INFO (new connect_urls) to the clients that
// take asynchronous INFO: protocol 1 and past their first PONG. from is any
// loop of the engine (Server.engine may not be set yet when the first routes
// arrive).
func (s *Server) sendAsyncInfo(from *reactor.Loop) {
	for _, l := range from.Engine().Loops() {
		l.Post(func() {
			for c := range s.loopState(l).clients {
				if c.kind == kindClient && c.protocol >= 1 && c.firstPongDue && !c.closing {
					c.sendInfo()
				}
			}
		})
	}
}

// ownClientURLs are the client URLs this server announces to routes: the
// client advertise address, else the listen address (every non-loopback
// interface address when listening on all of them).
func (s *Server) ownClientURLs() []string {
	opts := s.Options()
	port := opts.Port
	if s.clientAddr != nil {
		port = s.clientAddr.Port
	}
	if opts.ClientAdvertise != "" {
		host, p := splitAdvertise(opts.ClientAdvertise, port)
		return []string{net.JoinHostPort(host, strconv.Itoa(p))}
	}
	host := opts.Host
	if host != "" && host != "0.0.0.0" && host != "::" {
		return []string{net.JoinHostPort(host, strconv.Itoa(port))}
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		s.log.Errorf("Error getting interface addresses: %v", err)
		return nil
	}
	var urls []string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || !ipn.IP.IsGlobalUnicast() || ipn.IP.IsLoopback() {
			continue
		}
		urls = append(urls, net.JoinHostPort(ipn.IP.String(), strconv.Itoa(port)))
	}
	return urls
}

// splitAdvertise reads "host[:port]", defaulting the port.
func splitAdvertise(adv string, defPort int) (string, int) {
	host, ps, err := net.SplitHostPort(adv)
	if err != nil {
		return adv, defPort
	}
	p, err := strconv.Atoi(ps)
	if err != nil || p <= 0 {
		p = defPort
	}
	return host, p
}

// reloaded applies a new configuration: route TLS and authorization for new
// connections, new configured routes dialed, removed ones closed.
func (cs *clusterState) reloaded(old, next *options.Options) {
	if !cs.enabled {
		return
	}
	if err := cs.configure(next); err != nil {
		cs.s.log.Errorf("Cluster reload: %v", err)
	}
	var removed []*client
	cs.mu.Lock()
	for _, u := range next.Cluster.Routes {
		if !routeListed(old.Cluster.Routes, u) {
			cs.spawnDialLocked(dialSpec{eng: cs.s.engine, url: u, explicit: true, first: true})
		}
	}
	for _, rc := range cs.routes {
		r := rc.route
		if r.explicit && r.url != nil && !routeListed(next.Cluster.Routes, r.url) {
			r.noReconnect = true
			removed = append(removed, rc)
		}
	}
	cs.mu.Unlock()
	for _, rc := range removed {
		rc.postClose("Route Removed")
	}
}

func routeListed(routes []*url.URL, u *url.URL) bool {
	for _, r := range routes {
		if cluster.SameRoute(r, u) {
			return true
		}
	}
	return false
}
