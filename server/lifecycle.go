package server

import (
	"math/rand/v2"
	"time"

	"github.com/evnats/evnats/proto"
)

// openClient sets up a client connection: limits, INFO, timers, TLS.
func (s *Server) openClient(c *client) error {
	c.kind = kindClient
	lim := s.lim.Load()
	c.parser = proto.NewParser(proto.ModeServer)
	c.ph = c
	c.parser.MaxControlLine = lim.maxControlLine
	c.parser.MaxPayload = lim.maxPayload
	s.stats.totalConns.Add(1)
	n := s.numClients.Add(1)
	s.clientsMu.Lock()
	s.clients[c.cid] = c
	s.clientsMu.Unlock()
	c.debugf("Client connection created")

	now := time.Now()
	if s.auth.Load().Required() {
		c.authDeadline = now.Add(lim.authTimeout)
	}
	// The first PING goes out after 2 s plus jitter (or ping_interval if that
	// is shorter), then every ping_interval.
	first := 2*time.Second + time.Duration(rand.Int64N(int64(400*time.Millisecond)))
	if lim.pingInterval > 0 && lim.pingInterval < first {
		first = lim.pingInterval
	}
	c.nextPing = now.Add(first)

	if lim.maxConns >= 0 && n > int64(lim.maxConns) || lim.maxConns < 0 {
		c.sendInfo()
		c.sendErr("maximum connections exceeded")
		c.noticef("%s", "Maximum connections exceeded")
		c.closeWith("Maximum Connections Exceeded")
		return nil
	}
	tc := s.tlsConf.Load()
	opts := s.Options()
	if tc != nil && opts.TLS != nil && opts.TLS.HandshakeFirst {
		if opts.TLS.FallbackDelay > 0 {
			c.tlsFirstWait = now.Add(opts.TLS.FallbackDelay)
			return nil
		}
		c.startTLS(tc, true)
		return nil
	}
	c.sendInfo()
	if tc != nil && !opts.AllowNonTLS {
		c.startTLS(tc, false)
	} else if tc != nil && opts.AllowNonTLS {
		c.tlsSniff = true
	}
	return nil
}

// removeClient forgets a closed client: its subscriptions, counters and, for
// monitoring, its place in the closed ring. Runs on the client's loop.
func (s *Server) removeClient(c *client) {
	for sid, sub := range c.subs {
		if sub.removed.CompareAndSwap(false, true) {
			_ = s.subs.Remove(string(sub.subject), string(sub.queue), sub)
			if c.kind == kindClient {
				s.cluster.localInterestRemoved(sub)
			}
		}
		delete(c.subs, sid)
	}
	if c.kind == kindRoute {
		s.cluster.routeClosed(c)
		return
	}
	s.numClients.Add(-1)
	s.clientsMu.Lock()
	delete(s.clients, c.cid)
	s.clientsMu.Unlock()
	s.closed.add(c.snapshot(true))
	c.debugf("Client connection closed: %s", c.closeReason)
}

// tick runs the connection's timers. Loop-only.
func (c *client) tick(now time.Time) {
	if c.closing {
		return
	}
	lim := c.srv.lim.Load()
	if !c.tlsDeadline.IsZero() && !c.tlsHandshaked && now.After(c.tlsDeadline) {
		c.debugf("TLS handshake timeout")
		c.closeWith("TLS Handshake Failure")
		return
	}
	if !c.tlsFirstWait.IsZero() && now.After(c.tlsFirstWait) {
		c.handshakeFirstFallback()
	}
	if !c.connected && !c.authDeadline.IsZero() && now.After(c.authDeadline) {
		c.sendErr("Authentication Timeout")
		c.closeWith("Authentication Timeout")
		return
	}
	if c.kind == kindRoute {
		// Routes have their own write deadline policy (route_out.go).
		c.routeTick(now)
		return
	}
	if !c.stallSince.IsZero() {
		if c.conn.OutboundBuffered() == 0 {
			c.stallSince = time.Time{}
		} else if lim.writeDeadline > 0 && now.Sub(c.stallSince) > lim.writeDeadline {
			c.closeReason = "Slow Consumer (Write Deadline)"
			c.slowConsumerClose(true)
			return
		}
	}
	if lim.pingInterval > 0 && now.After(c.nextPing) {
		c.nextPing = now.Add(lim.pingInterval)
		if c.pingsOut+1 > lim.pingMax {
			c.srv.stats.staleConns.Add(1)
			c.debugf("Stale Client Connection - Closing")
			c.sendErr("Stale Connection")
			c.closeWith("Stale Connection")
			return
		}
		// After the first PING, skip it when the client was recently active.
		if c.firstPingSent && c.pingsOut == 0 && now.Sub(c.lastIn) < lim.pingInterval {
			return
		}
		c.firstPingSent = true
		c.pingsOut++
		c.send(proto.PingFrame)
	}
}
