package server

import (
	"time"

	"github.com/evnats/evnats/proto"
)

// Output to routes, and the slow route policy.
//
// A message for a route is appended as one RMSG (HMSG with headers) to the
// route's Out buffer when it lives on the publisher's loop, or to the
// publisher's outbox for the route's loop, as deliver does for clients.
//
// Slow routes. A route is never closed for pending bytes; nats-server's route
// write policy is to retry, and closing would drop the peer's interest and
// everything in flight. Instead:
//
//   - past 3/4 of max_pending queued for a route, the publishing client is
//     stalled for a few milliseconds (stall.go), as for a slow subscriber;
//   - past max_pending, messages for that route are dropped, not queued, so
//     memory stays bounded: "Slow Consumer Detected: MaxPending of N
//     Exceeded" is logged once per episode and counted in the slow consumer
//     statistics (routes); when the backlog falls under half of max_pending,
//     the number of dropped messages is logged and forwarding resumes. Other
//     loops see the backlog (bytes in outboxes plus gnet's buffer after the
//     route's last flush) without what the route's loop is moving into its
//     socket at that instant, so the backlog can reach about twice
//     max_pending, never more.
//     Interest (RS+/RS-) is never dropped: it is small and losing it would
//     make the peers disagree for good;
//   - a route whose socket has not drained at all for the cluster's
//     write_deadline (or the server's) is closed as a slow consumer, and
//     dialed again if it was ours: the peer is gone or stuck, and a fresh
//     connection re-sends the interest on both sides.
//
// Loops other than the route's own only read atomics of the route (pending
// counters, dropping) and its immutable fields.

// forwardToRoute queues one RMSG/HMSG for the route of t, naming the queue
// groups t picked on the far side. It reports whether the message was
// queued.
func (c *client) forwardToRoute(t *routeTarget, subject, reply []byte, hdrLen int, msg []byte, maxPending int64) bool {
	rc := t.rc
	r := rc.route
	if hdrLen >= 0 && !rc.headers {
		// The peer does not take headers: send the payload alone, as RMSG.
		msg, hdrLen = msg[hdrLen:], -1
	}
	payload := len(msg)
	var pending int64
	if rc.ls == c.ls {
		conn := rc.conn
		if conn.Closed() || rc.closing {
			return false
		}
		pending = int64(len(conn.Out)) + int64(conn.OutboundBuffered())
		if pending > maxPending {
			r.drop(maxPending)
			return false
		}
		conn.Out = proto.AppendRMsg(conn.Out, globalAccount, subject, reply, t.queues, hdrLen, msg)
		conn.CountOut(1, payload)
		conn.MarkDirty()
	} else {
		pending = rc.queued()
		if pending > maxPending {
			r.drop(maxPending)
			return false
		}
		ob := c.ls.loop.Outbox(rc.ls.loop)
		buf := ob.Begin()
		start := len(buf)
		buf = proto.AppendRMsg(buf, globalAccount, subject, reply, t.queues, hdrLen, msg)
		ob.End(rc.conn, buf, start, 1, payload)
	}
	if pending > maxPending/4*3 && c.kind == kindClient && !r.dropping.Load() && rc != c.stallSpent {
		// Once the route drops messages, stalling publishers no longer helps.
		c.stallDst = rc
	}
	return true
}

// drop counts a message not queued for a route over max_pending, logging the
// start of the episode. Any loop.
func (r *route) drop(maxPending int64) {
	r.dropped.Add(1)
	if !r.dropping.CompareAndSwap(false, true) {
		return
	}
	s := r.c.srv
	s.stats.slowConsumers.Add(1)
	s.stats.slowRoutes.Add(1)
	r.c.noticef("Slow Consumer Detected: MaxPending of %d Exceeded, dropping messages for this route", maxPending)
}

// queueCtl queues control protocol for the route (RS+, RS-, gossip INFO).
// Callers hold clusterState.mu, which orders the frames of all routes alike.
func (r *route) queueCtl(b []byte) {
	r.ctlMu.Lock()
	r.ctl = append(r.ctl, b...)
	post := !r.ctlPosted
	r.ctlPosted = true
	r.ctlMu.Unlock()
	if post {
		r.c.conn.Loop().Post(r.drainFn)
	}
}

// drainCtl moves queued control protocol into Out. Runs on the route's loop.
func (r *route) drainCtl() {
	r.ctlMu.Lock()
	b := r.ctl
	r.ctl, r.ctlSpare = r.ctlSpare[:0], nil
	r.ctlPosted = false
	r.ctlMu.Unlock()
	c := r.c
	if len(b) > 0 && !c.closing && !c.conn.Closed() {
		c.conn.Out = append(c.conn.Out, b...)
		c.conn.MarkDirty()
	}
	r.ctlMu.Lock()
	if r.ctlSpare == nil && cap(b) <= routeMaxCtlRetain {
		r.ctlSpare = b[:0]
	}
	r.ctlMu.Unlock()
}

// routeTick runs a route's timers: the slow route checks and PING. Loop-only.
func (c *client) routeTick(now time.Time) {
	r := c.route
	if r == nil {
		return
	}
	s := c.srv
	opts := s.Options()
	lim := s.lim.Load()

	wd := opts.Cluster.WriteDeadline
	if wd <= 0 {
		wd = lim.writeDeadline
	}
	ob := c.conn.OutboundBuffered()
	switch {
	case ob == 0:
		r.stuckSince = time.Time{}
	case ob < r.lastOB || r.stuckSince.IsZero():
		r.stuckSince = now
	case wd > 0 && now.Sub(r.stuckSince) > wd:
		s.stats.slowConsumers.Add(1)
		s.stats.slowRoutes.Add(1)
		c.noticef("Slow Consumer Detected: WriteDeadline of %v exceeded with %d bytes pending", wd, ob)
		c.closeWith("Slow Consumer (Write Deadline)")
		return
	}
	r.lastOB = ob

	if r.dropping.Load() && c.queued()+int64(len(c.conn.Out)) < lim.maxPending/2 {
		r.dropping.Store(false)
		c.noticef("Slow route caught up: %d messages were dropped", r.dropped.Swap(0))
	}

	if r.nextPing.IsZero() || now.Before(r.nextPing) {
		return
	}
	interval := opts.PingInterval
	if opts.Cluster.PingInterval > 0 {
		interval = opts.Cluster.PingInterval
	}
	if interval <= 0 || interval > routeMaxPingInterval {
		interval = routeMaxPingInterval
	}
	pingMax := lim.pingMax
	if opts.Cluster.PingMax > 0 {
		pingMax = opts.Cluster.PingMax
	}
	r.nextPing = now.Add(interval)
	if c.pingsOut+1 > pingMax {
		s.stats.staleConns.Add(1)
		c.debugf("Stale Route Connection - Closing")
		c.sendErr("Stale Connection")
		c.closeWith("Stale Connection")
		return
	}
	c.pingsOut++
	c.send(proto.PingFrame)
}
