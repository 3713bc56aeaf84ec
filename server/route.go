package server

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evnats/evnats/cluster"
	"github.com/evnats/evnats/monitor"
	"github.com/evnats/evnats/proto"
	"github.com/evnats/evnats/sublist"
)

// route is the route-specific state of a route connection and its protocol
// handler. Fields are loop-only (the route's loop) unless noted.
type route struct {
	proto.NopHandler
	c *client

	// Set when the connection opens, then read-only.
	accepted   bool   // the peer dialed us: INFO first, CONNECT expected
	dialed     bool   // we dialed: CONNECT and INFO first
	dialID     string // the server id an implicit dial was for
	gossipMode byte   // the gossip mode this dial was created with
	drainFn    func() // r.drainCtl, allocated once

	infoReceived bool
	active       bool // registered, as seen from the loop
	remoteName   string
	nextPing     time.Time
	stuckSince   time.Time // the socket last took nothing since (slow route policy)
	lastOB       int

	// Guarded by clusterState.mu (written on the route's loop, or by another
	// route's loop when it finds a duplicate).
	remoteID    string
	registered  bool
	url         *url.URL // where to reconnect
	explicit    bool     // a configured route
	didSolicit  bool     // reconnect when closed
	retry       bool     // reconnect even if accepted (a duplicate was dropped for it)
	noReconnect bool
	connectURLs []string

	// Control protocol (RS+, RS-, gossip INFO) queued by other goroutines,
	// moved into Out on the route's loop. Under ctlMu.
	ctlMu     sync.Mutex
	ctl       []byte
	ctlSpare  []byte
	ctlPosted bool

	// Slow route policy (route_out.go); any loop.
	dropping atomic.Bool
	dropped  atomic.Uint64
}

// dialTag travels with a dialed socket through Engine.Enroll to OnOpen.
type dialTag struct {
	spec dialSpec
}

var _ proto.Handler = (*route)(nil)

// openRoute sets up a route connection, accepted or dialed (conn.Tag() is a
// *dialTag). Runs on the connection's loop.
func (s *Server) openRoute(c *client, accepted bool) error {
	c.kind = kindRoute
	cs := s.cluster
	if !cs.enabled {
		return errServerShutdown
	}
	lim := s.lim.Load()
	c.parser = proto.NewParser(proto.ModeRoute)
	c.parser.MaxControlLine = lim.maxControlLine * routeMaxControlLineFactor
	c.parser.MaxPayload = routeMaxPayload
	r := &route{c: c, accepted: accepted}
	r.drainFn = r.drainCtl
	c.route = r
	c.ph = r
	if tag, ok := c.conn.Tag().(*dialTag); ok {
		r.accepted = false
		r.dialed = true
		r.dialID = tag.spec.id
		r.gossipMode = tag.spec.gossipMode
		r.url = tag.spec.url
		r.explicit = tag.spec.explicit
		r.didSolicit = true
	}
	cs.mu.Lock()
	tc, ra, stopped := cs.tlsConf, cs.routeAuth, cs.stopped
	cs.mu.Unlock()
	if stopped || ra == nil {
		return errServerShutdown
	}
	now := time.Now()
	if r.accepted && ra.Required() {
		c.authDeadline = now.Add(ra.Timeout())
	}
	if tc == nil {
		c.routeStarted()
		return nil
	}
	// Route TLS comes first, both ways, before INFO and CONNECT.
	if r.dialed {
		ctc := tc.Clone()
		if ctc.ServerName == "" {
			ctc.ServerName = r.url.Hostname()
		}
		c.startClientTLS(ctc)
	} else {
		c.startTLS(tc, false)
	}
	if o := s.Options().Cluster.TLS; o != nil && !c.closing {
		c.tlsDeadline = now.Add(o.HandshakeTimeout())
	}
	return nil
}

// routeTLSDone continues the route handshake once TLS is up.
func (c *client) routeTLSDone() { c.routeStarted() }

// routeStarted sends our half of the handshake: CONNECT (when we dialed) and
// INFO, and starts the ping timer.
func (c *client) routeStarted() {
	r := c.route
	cs := c.srv.cluster
	if r.dialed {
		c.conn.Out = cs.appendRouteConnect(c.conn.Out, r.url)
		c.debugf("Route connect msg sent")
	}
	c.conn.Out = cs.appendRouteInfo(c.conn.Out, r.gossipMode)
	c.conn.MarkDirty()
	r.nextPing = time.Now().Add(routeFirstPing + time.Duration(rand.Int64N(int64(routeFirstPing/5))))
	if r.dialed {
		c.noticef("Route connection created (%s)", r.url.Host)
	} else {
		c.noticef("Route connection created")
	}
}

// routeInfo is our route INFO. gossipMode is the mode of the dial this
// connection came from.
func (cs *clusterState) routeInfo(gossipMode byte) cluster.Info {
	info := cs.routeInfoBase(gossipMode)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.completeRouteInfoLocked(info)
}

// routeInfoBase is the part of our route INFO that needs no lock.
func (cs *clusterState) routeInfoBase(gossipMode byte) cluster.Info {
	s := cs.s
	opts := s.Options()
	lim := s.lim.Load()
	info := cluster.Info{
		ID:         s.id,
		Name:       s.name,
		Version:    Version,
		Proto:      routeProtoVersion,
		Go:         runtime.Version(),
		Host:       clusterHost(opts),
		Headers:    !lim.noHeaders,
		MaxPayload: lim.maxPayload,
		GossipMode: gossipMode,
	}
	if s.routeAddr != nil {
		info.Port = s.routeAddr.Port
	}
	if adv := opts.Cluster.Advertise; adv != "" {
		info.Host, info.Port = splitAdvertise(adv, info.Port)
		info.IP = cluster.RouteURL(info.Host, info.Port)
	}
	return info
}

// completeRouteInfoLocked fills in the parts of our route INFO that cs.mu
// guards. cs.mu held.
func (cs *clusterState) completeRouteInfoLocked(info cluster.Info) cluster.Info {
	info.Cluster, info.Dynamic = cs.clusterName, cs.dynamic
	info.AuthRequired = cs.routeAuth != nil && cs.routeAuth.Required()
	info.TLSRequired = cs.tlsConf != nil
	info.TLSVerify = info.TLSRequired
	if !cs.s.Options().Cluster.NoAdvertise {
		info.ConnectURLs = cs.ownURLsLocked()
	}
	return info
}

func (cs *clusterState) appendRouteInfo(dst []byte, gossipMode byte) []byte {
	info := cs.routeInfo(gossipMode)
	b, _ := json.Marshal(&info)
	return appendRouteProto(dst, "INFO ", b)
}

// appendRouteConnect appends the CONNECT we send on routes we dialed; the
// credentials come from the route URL.
func (cs *clusterState) appendRouteConnect(dst []byte, u *url.URL) []byte {
	s := cs.s
	cs.mu.Lock()
	ci := cluster.Connect{
		Echo:    true,
		TLS:     cs.tlsConf != nil,
		Headers: !s.lim.Load().noHeaders,
		Name:    s.id,
		Cluster: cs.clusterName,
		Dynamic: cs.dynamic,
	}
	cs.mu.Unlock()
	if u != nil && u.User != nil {
		ci.User = u.User.Username()
		ci.Pass, _ = u.User.Password()
	}
	b, _ := json.Marshal(&ci)
	return appendRouteProto(dst, "CONNECT ", b)
}

// appendRouteProto appends "<op><json>\r\n", the route form of INFO and
// CONNECT (no blank before CRLF, unlike the client INFO).
func appendRouteProto(dst []byte, op string, js []byte) []byte {
	dst = append(dst, op...)
	dst = append(dst, js...)
	return append(dst, "\r\n"...)
}

// needConnect enforces CONNECT first on routes we accepted, as nats-server
// does for every connection that owes one.
func (r *route) needConnect() error {
	if r.accepted && !r.c.connected {
		return r.c.authViolation("route sent a protocol operation before CONNECT")
	}
	return nil
}

// Connect handles the CONNECT of a route we accepted.
func (r *route) Connect(arg []byte) error {
	c := r.c
	if !r.accepted || c.connected {
		return nil
	}
	ci, err := cluster.ParseConnect(arg)
	if err != nil {
		c.errorf("%v", err)
		return &closeError{reason: "Protocol Violation"}
	}
	c.tracef("<<- [CONNECT name:%s cluster:%s]", ci.Name, ci.Cluster)
	s := c.srv
	s.cluster.mu.Lock()
	ra := s.cluster.routeAuth
	s.cluster.mu.Unlock()
	o := s.Options().Cluster.TLS
	switch {
	case o != nil && o.Verify == verifyAndMap:
		if err := ra.CheckCert(c.tls.VerifiedChains()); err != nil {
			return c.authViolation(err.Error())
		}
	case ra.Required() && ra.IsSlow(ci.User, ci.Pass):
		return r.checkSlow(ci)
	case ra.Required():
		if err := ra.Check(ci.User, ci.Pass); err != nil {
			return c.authViolation(err.Error())
		}
	}
	return r.connectAuthorized(ci)
}

// checkSlow runs a bcrypt comparison on a worker; the route's input is held
// meanwhile (see handler.go hold).
func (r *route) checkSlow(ci *cluster.Connect) error {
	c := r.c
	s := c.srv
	s.cluster.mu.Lock()
	ra := s.cluster.routeAuth
	s.cluster.mu.Unlock()
	c.authPending = true
	loop, conn := c.conn.Loop(), c.conn
	ok := s.workers.submit(func() {
		err := ra.Check(ci.User, ci.Pass)
		loop.Post(func() {
			if conn.Closed() || c.closing {
				return
			}
			c.authPending = false
			if err != nil {
				c.protocolError(c.authViolation(err.Error()))
				return
			}
			if err := r.connectAuthorized(ci); err != nil {
				c.protocolError(err)
				return
			}
			held := c.held
			c.held = nil
			if len(held) > 0 {
				c.process(held)
			}
		})
	})
	if !ok {
		c.authPending = false
		return &closeError{reason: "Server Shutdown"}
	}
	return errPaused
}

// connectAuthorized finishes an authorized route CONNECT: wrong port, gateway
// and cluster name checks, then the peer's id and features.
func (r *route) connectAuthorized(ci *cluster.Connect) error {
	c := r.c
	s := c.srv
	if ci.Lang != "" {
		return &closeError{text: "attempted to connect to route port", reason: "Incorrect Port"}
	}
	if ci.Gateway != "" {
		text := fmt.Sprintf("Rejecting connection from gateway %q on the Route port", ci.Gateway)
		c.errorf("%s", text)
		return &closeError{text: text, reason: "Wrong Gateway"}
	}
	if ci.Cluster == cluster.ReservedName {
		text := fmt.Sprintf("Rejecting connection, cluster name %q is reserved", ci.Cluster)
		c.errorf("%s", text)
		return &closeError{text: text, reason: "Cluster Name Conflict"}
	}
	if ours, ok := s.cluster.agreeName(ci.Cluster, ci.Dynamic, !ci.Dynamic, ci.Name); !ok {
		text := fmt.Sprintf("Rejecting connection, cluster name %q does not match %q", ci.Cluster, ours)
		c.errorf("%s", text)
		return &closeError{text: text, reason: "Cluster Name Conflict"}
	}
	s.cluster.mu.Lock()
	r.remoteID = ci.Name
	s.cluster.mu.Unlock()
	c.headers = ci.Headers && !s.lim.Load().noHeaders
	c.connected = true
	c.authDeadline = time.Time{}
	return nil
}

// Info handles the peer's INFO: the first one completes the handshake,
// later ones are gossip about other servers or updates.
func (r *route) Info(arg []byte) error {
	c := r.c
	if err := r.needConnect(); err != nil {
		return err
	}
	info, err := cluster.ParseInfo(arg)
	if err != nil {
		c.errorf("%v", err)
		return &closeError{reason: "Parse Error"}
	}
	c.tracef("<<- [INFO %s]", arg)
	if r.infoReceived {
		r.infoUpdate(info)
		return nil
	}
	return r.firstInfo(info)
}

// firstInfo checks the peer (not ourselves, same cluster, no pooling asked
// of us) and registers the route.
func (r *route) firstInfo(info *cluster.Info) error {
	c := r.c
	s := c.srv
	cs := s.cluster
	if info.ID == s.id {
		cs.mu.Lock()
		r.remoteID, r.noReconnect = info.ID, true
		if r.dialed {
			cs.self[strings.ToLower(r.url.Host)] = struct{}{}
		}
		cs.mu.Unlock()
		if r.dialed {
			c.debugf("Detected route to self, ignoring %q", r.url.Redacted())
		}
		return &closeError{reason: "Duplicate Route"}
	}
	if info.Cluster == cluster.ReservedName {
		return &closeError{reason: "Cluster Name Conflict"}
	}
	if _, ok := cs.agreeName(info.Cluster, info.Dynamic, false, info.ID); !ok {
		return &closeError{reason: "Cluster Name Conflict"}
	}
	if r.accepted && info.Name == s.name {
		c.errorf("Remote server has a duplicate name: %q", info.Name)
		return &closeError{reason: "Duplicate Server Name"}
	}
	if info.RouteAccount != "" {
		text := fmt.Sprintf("Not possible to have a dedicated route for account %q between those servers", info.RouteAccount)
		c.errorf("%s", text)
		return &closeError{text: text, reason: "Protocol Violation"}
	}
	if info.RoutePoolIdx != 0 {
		text := fmt.Sprintf("Route pool index should not be set but is set to %v", info.RoutePoolIdx)
		c.errorf("%s", text)
		return &closeError{text: text, reason: "Protocol Violation"}
	}
	r.infoReceived = true
	r.remoteName = info.Name
	c.headers = info.Headers && !s.lim.Load().noHeaders
	if u, err := cluster.GossipURL(info, c.host); err == nil {
		info.IP = u
	}
	info.Nonce = ""
	return cs.register(c, info)
}

// infoUpdate handles an INFO on an established route: about another server
// (gossip: connect to it) or about the peer (lame duck mode).
func (r *route) infoUpdate(info *cluster.Info) {
	cs := r.c.srv.cluster
	if info.ID != r.remoteID {
		cs.implicitRoute(r.c.ls.loop.Engine(), info)
		return
	}
	if !info.LameDuckMode {
		return
	}
	cs.mu.Lock()
	changed := cs.peerURLs.Remove(r.connectURLs)
	r.connectURLs = nil
	if changed {
		cs.publishURLsLocked()
	}
	cs.mu.Unlock()
	if changed {
		cs.s.sendAsyncInfo(r.c.ls.loop)
	}
}

// register adds a route whose first INFO was accepted, or closes it as a
// duplicate. A new route gets all our interest, its client URLs join the
// connect_urls, and the other routes hear of it (gossip). Runs on c's loop.
func (cs *clusterState) register(c *client, info *cluster.Info) error {
	r := c.route
	s := cs.s
	urlsChanged := false
	cs.mu.Lock()
	if cs.stopped {
		cs.mu.Unlock()
		return &closeError{reason: "Server Shutdown"}
	}
	r.remoteID = info.ID
	if r.url == nil && info.IP != "" {
		r.url, _ = url.Parse(info.IP)
	}
	delete(cs.dialing, info.ID)
	if r.dialID != "" {
		delete(cs.dialing, r.dialID)
	}
	if existing := cs.routes[info.ID]; existing != nil {
		cs.markDuplicateLocked(existing.route, r)
		cs.mu.Unlock()
		c.debugf("Detected duplicate remote route %q", info.ID)
		return &closeError{reason: "Duplicate Route"}
	}
	cs.routes[info.ID] = c
	cs.nroutes.Store(int32(len(cs.routes)))
	r.registered = true
	r.connectURLs = info.ConnectURLs
	out := c.conn.Out
	cs.interest.ForEach(func(subject, queue string, weight int32) {
		out = proto.AppendRSub(out, globalAccount, []byte(subject), []byte(queue), weight)
	})
	c.conn.Out = out
	cs.gossipLocked(c, info)
	if !s.Options().Cluster.NoAdvertise && cs.peerURLs.Add(info.ConnectURLs) {
		cs.publishURLsLocked()
		urlsChanged = true
	}
	cs.mu.Unlock()
	r.active = true
	c.conn.MarkDirty()
	c.debugf("Registering remote route %q", info.ID)
	if urlsChanged {
		s.sendAsyncInfo(c.ls.loop)
	}
	return nil
}

// markDuplicateLocked keeps the registered route er when dup, a second
// connection to the same server, is dropped: er inherits dup's reason to
// reconnect, and retries even if it was accepted, since the peer may have
// kept dup and dropped er (nats-server does the same). cs.mu held.
func (cs *clusterState) markDuplicateLocked(er, dup *route) {
	if dup.didSolicit {
		if !er.didSolicit || (dup.explicit && !er.explicit) {
			er.url = dup.url
		}
		er.didSolicit = true
	}
	if dup.explicit {
		er.explicit = true
	}
	er.retry = true
	dup.noReconnect = true
}

// gossipLocked tells the other routes about the route c just registered, so
// that they connect to it, with nats-server's gossip modes: a route formed
// from gossip is not announced again unless the gossip asked for it, and
// servers that learn of an accepted route do not re-announce theirs.
// cs.mu held.
func (cs *clusterState) gossipLocked(c *client, info *cluster.Info) {
	r := c.route
	if len(cs.routes) <= 1 {
		return
	}
	fromGossip := r.dialed && !r.explicit
	if (fromGossip && r.gossipMode != cluster.GossipOverride) || info.GossipMode == cluster.GossipDisabled {
		return
	}
	var frames [3][]byte
	for _, rc := range cs.routes {
		if rc == c {
			continue
		}
		gm := cluster.GossipDefault
		switch {
		case (!r.dialed && rc.route.explicit) || (r.dialed && r.explicit):
			gm = cluster.GossipOverride
		case !r.dialed:
			gm = cluster.GossipDisabled
		}
		if frames[gm] == nil {
			info.GossipMode = gm
			b, _ := json.Marshal(info)
			frames[gm] = appendRouteProto(nil, "INFO ", b)
		}
		rc.route.queueCtl(frames[gm])
	}
}

// routeClosed forgets a closed route: its registration, the client URLs it
// brought, and decides whether to dial again. Its interest has already left
// the sublist (removeClient). Runs on c's loop.
func (cs *clusterState) routeClosed(c *client) {
	r := c.route
	if r == nil {
		return
	}
	s := cs.s
	r.ctlMu.Lock()
	r.ctl, r.ctlSpare = nil, nil
	r.ctlMu.Unlock()
	urlsChanged := false
	cs.mu.Lock()
	if r.registered && cs.routes[r.remoteID] == c {
		delete(cs.routes, r.remoteID)
		cs.nroutes.Store(int32(len(cs.routes)))
		if cs.peerURLs.Remove(r.connectURLs) {
			cs.publishURLsLocked()
			urlsChanged = true
		}
	}
	if r.dialID != "" && !r.registered {
		delete(cs.dialing, r.dialID)
	}
	cs.reconnectLocked(c)
	remote, host := r.remoteName, ""
	if r.url != nil {
		host = r.url.Host
	}
	cs.mu.Unlock()
	var tags []string
	if remote != "" {
		tags = append(tags, "Remote: "+remote)
	}
	if host != "" {
		tags = append(tags, "Host: "+host)
	}
	if len(tags) > 0 {
		c.noticef("Router connection closed: %s - %s", c.closeReason, strings.Join(tags, ", "))
	} else {
		c.noticef("Router connection closed: %s", c.closeReason)
	}
	if urlsChanged {
		s.sendAsyncInfo(c.ls.loop)
	}
}

// RSub handles RS+: the peer has interest in a subject (or a queue group,
// with its member count). It becomes a subscription of the route client.
func (r *route) RSub(account, subject, queue []byte, weight int32) error {
	c := r.c
	if err := r.needConnect(); err != nil {
		return err
	}
	if c.srv.log.TraceEnabled() {
		c.tracef("<<- [RS+ %s %s %s %d]", account, subject, queue, weight)
	}
	if string(account) != cluster.GlobalAccount || !r.active {
		// Only the global account exists here; interest on a connection
		// that was never registered (a duplicate) is not ours to use.
		return nil
	}
	if len(queue) > 0 && weight < 1 {
		weight = 1
	}
	key := routeSubKey(subject, queue)
	old := c.subs[key]
	if old != nil && (len(queue) == 0 || old.weight == weight) {
		return nil
	}
	sub := &subscription{client: c, subject: append([]byte(nil), subject...), sid: []byte(key), weight: weight}
	if len(queue) > 0 {
		sub.queue = append([]byte(nil), queue...)
	}
	subs := c.srv.subs
	if err := subs.Insert(string(sub.subject), string(sub.queue), sub); err != nil {
		c.debugf("Ignoring route interest in %q: %v", subject, err)
		return nil
	}
	c.subs[key] = sub
	if old != nil && old.removed.CompareAndSwap(false, true) {
		// A new weight: the replacement is in place before the old one goes,
		// so the group never disappears on this side.
		_ = subs.Remove(string(old.subject), string(old.queue), old)
	}
	return nil
}

// RUnsub handles RS-.
func (r *route) RUnsub(account, subject, queue []byte) error {
	c := r.c
	if err := r.needConnect(); err != nil {
		return err
	}
	if c.srv.log.TraceEnabled() {
		c.tracef("<<- [RS- %s %s %s]", account, subject, queue)
	}
	if string(account) != cluster.GlobalAccount {
		return nil
	}
	key := routeSubKey(subject, queue)
	sub, ok := c.subs[key]
	if !ok {
		return nil
	}
	delete(c.subs, key)
	if sub.removed.CompareAndSwap(false, true) {
		_ = c.srv.subs.Remove(string(sub.subject), string(sub.queue), sub)
	}
	return nil
}

func routeSubKey(subject, queue []byte) string {
	if len(queue) == 0 {
		return string(subject)
	}
	return string(subject) + " " + string(queue)
}

// RMsg delivers a message from the peer to local subscribers, and to one
// local member of each queue group it names. It never goes to another route.
func (r *route) RMsg(account, subject, reply []byte, queues [][]byte, hdrLen int, msg []byte) error {
	c := r.c
	if err := r.needConnect(); err != nil {
		return err
	}
	c.countIn(len(msg))
	if c.srv.log.TraceEnabled() {
		c.tracef("<<- [RMSG %s %s %s %q %d]", account, subject, reply, queues, len(msg))
	}
	if string(account) != cluster.GlobalAccount || !sublist.ValidLiteralSubjectBytes(subject) {
		return nil
	}
	res := c.ls.match(c.srv.subs, subject)
	c.deliverResult(res, subject, reply, hdrLen, msg, queues)
	return nil
}

// Ping answers the peer's PING.
func (r *route) Ping() error {
	if err := r.needConnect(); err != nil {
		return err
	}
	r.c.send(proto.PongFrame)
	return nil
}

// Pong clears the outstanding PING count.
func (r *route) Pong() error {
	if err := r.needConnect(); err != nil {
		return err
	}
	r.c.pingsOut = 0
	return nil
}

// OK ignores +OK (routes are not verbose).
func (r *route) OK() error { return r.needConnect() }

// Err logs the peer's -ERR and closes the route, as nats-server does.
func (r *route) Err(text []byte) error {
	r.c.errorf("Route Error '%s'", text)
	return &closeError{reason: "Parse Error"}
}

// describe fills the route fields of /routez. Runs on the route's loop.
func (r *route) describe(ri *monitor.RouteInfo) {
	if r == nil {
		return
	}
	cs := r.c.srv.cluster
	cs.mu.Lock()
	ri.RemoteID, ri.DidSolicit, ri.IsConfigured = r.remoteID, r.didSolicit, r.explicit
	cs.mu.Unlock()
	ri.RemoteName = r.remoteName
}
