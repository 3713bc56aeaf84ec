package server

import (
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/evnats/evnats/cluster"
	"github.com/evnats/evnats/reactor"
)

// Dialing. Each dial runs on its own goroutine, never on a loop: it waits,
// dials with a timeout, and hands the socket to the engine (Engine.Enroll),
// after which the route lives on a loop like any connection. Configured
// (explicit) routes are dialed until they connect, once a second; routes
// learned from gossip (implicit) get connect_retries more attempts. Every
// wait ends when the server stops.

// dialSpec says what to dial and how hard to try.
type dialSpec struct {
	eng        *reactor.Engine // where the socket goes once dialed
	url        *url.URL
	explicit   bool          // a configured route: try forever while configured
	gossipMode byte          // from the gossip that asked for this route
	id         string        // server id expected (implicit routes)
	delay      time.Duration // wait before the first attempt
	first      bool          // never connected before (affects error reporting)
}

// spawnDialLocked starts a dial goroutine. cs.mu held, so that stop cannot
// be waiting for the group while it grows.
func (cs *clusterState) spawnDialLocked(d dialSpec) {
	if cs.stopped || d.url == nil || d.eng == nil {
		return
	}
	cs.wg.Add(1)
	go cs.dialLoop(d)
}

func (cs *clusterState) dialLoop(d dialSpec) {
	defer cs.wg.Done()
	s := cs.s
	connected := false
	defer func() {
		if !connected && d.id != "" {
			cs.mu.Lock()
			delete(cs.dialing, d.id)
			cs.mu.Unlock()
		}
	}()
	if !cs.sleep(d.delay) {
		return
	}
	dialer := net.Dialer{Timeout: routeDialTimeout}
	for attempt := 1; ; attempt++ {
		if !cs.dialAllowed(&d) {
			return
		}
		s.log.Debugf("Trying to connect to route on %s", d.url.Host)
		nc, err := dialer.DialContext(cs.ctx, "tcp", d.url.Host)
		if err == nil {
			if err = d.eng.Enroll(nc, &dialTag{spec: d}); err != nil {
				_ = nc.Close()
			} else {
				connected = true
				return
			}
		}
		if cs.ctx.Err() != nil {
			return
		}
		if !d.first || attempt == 1 || attempt%firstConnectReports == 0 {
			s.log.Errorf("Error trying to connect to route (attempt %v): %v", attempt, err)
		} else {
			s.log.Debugf("Error trying to connect to route (attempt %v): %v", attempt, err)
		}
		if !d.explicit && attempt > s.Options().Cluster.ConnectRetries {
			return
		}
		if !cs.sleep(routeConnectDelay) {
			return
		}
	}
}

// sleep waits d; false if the server stopped meanwhile.
func (cs *clusterState) sleep(d time.Duration) bool {
	if d <= 0 {
		return cs.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-cs.ctx.Done():
		return false
	}
}

// dialAllowed reports whether a dial should (still) go ahead: the server
// runs, a configured route is still configured, the target is not this
// server, and an implicit target is not already connected.
func (cs *clusterState) dialAllowed(d *dialSpec) bool {
	opts := cs.s.Options()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch {
	case cs.stopped:
		return false
	case d.explicit && !routeListed(opts.Cluster.Routes, d.url):
		cs.s.log.Debugf("Not attempting to connect to route %q, no longer part of configured routes", d.url.Redacted())
		return false
	case cs.isSelfLocked(d.url):
		cs.s.log.Debugf("Detected route to self, ignoring %q", d.url.Redacted())
		return false
	case d.id != "" && cs.routes[d.id] != nil:
		return false
	}
	return true
}

// isSelfLocked reports whether u is our own route listener: a host:port that
// a route already showed to be us, or our port on a loopback, unspecified or
// listening address. cs.mu held.
func (cs *clusterState) isSelfLocked(u *url.URL) bool {
	if _, ok := cs.self[strings.ToLower(u.Host)]; ok {
		return true
	}
	ra := cs.s.routeAddr
	if ra == nil || u.Port() != strconv.Itoa(ra.Port) {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified() || ip.Equal(ra.IP))
}

// implicitRoute dials a server a route told us about (gossip), unless it is
// us, already connected or being dialed, or one of our configured routes
// (which are dialed anyway). Routes dedicated to an account are for pooled
// servers and are ignored.
func (cs *clusterState) implicitRoute(eng *reactor.Engine, info *cluster.Info) {
	s := cs.s
	if info.ID == s.id || info.RouteAccount != "" {
		return
	}
	target, err := cluster.GossipURL(info, "")
	if err != nil {
		s.log.Errorf("Error parsing URL from INFO: %v", err)
		return
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		s.log.Errorf("Error parsing URL from INFO: %q", target)
		return
	}
	opts := s.Options()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if _, busy := cs.dialing[info.ID]; busy || cs.routes[info.ID] != nil || cluster.Configured(opts.Cluster.Routes, info) {
		return
	}
	if info.AuthRequired {
		u.User = url.UserPassword(opts.Cluster.Auth.Username, opts.Cluster.Auth.Password)
	}
	cs.dialing[info.ID] = struct{}{}
	cs.spawnDialLocked(dialSpec{eng: eng, url: u, gossipMode: info.GossipMode, id: info.ID, first: true})
}

// reconnectLocked decides, for a route that just closed, whether to dial it
// again, as nats-server does: routes we dialed (or that replaced a
// duplicate we dialed) come back unless the peer is still connected through
// another connection; configured ones after routeReconnectDelay, others at
// once, both with some jitter so two servers do not dial each other in the
// same instant. cs.mu held.
func (cs *clusterState) reconnectLocked(c *client) {
	r := c.route
	s := cs.s
	if cs.stopped || r.noReconnect || r.url == nil || !(r.didSolicit || r.retry) {
		return
	}
	if r.remoteID == s.id {
		return
	}
	if r.remoteID != "" && cs.routes[r.remoteID] != nil {
		c.debugf("Not attempting reconnect for solicited route, already connected to %q", r.remoteID)
		return
	}
	eng := c.ls.loop.Engine()
	jitter := time.Duration(rand.Int64N(int64(routeReconnectJitter)))
	c.debugf("Attempting reconnect for solicited route %q", r.url.Redacted())
	if r.explicit {
		if routeListed(s.Options().Cluster.Routes, r.url) {
			cs.spawnDialLocked(dialSpec{eng: eng, url: r.url, explicit: true, delay: routeReconnectDelay + jitter})
		}
		return
	}
	if r.remoteID != "" {
		if _, busy := cs.dialing[r.remoteID]; busy {
			return
		}
		cs.dialing[r.remoteID] = struct{}{}
	}
	cs.spawnDialLocked(dialSpec{eng: eng, url: r.url, id: r.remoteID, delay: jitter})
}
