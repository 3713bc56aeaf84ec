package server

import (
	"github.com/evnats/evnats/proto"
	"github.com/evnats/evnats/sublist"
)

// routeTarget is one route that gets a copy of the current message, plus the
// queue groups on the far side that should pick a member.
type routeTarget struct {
	rc     *client
	plain  bool
	queues [][]byte
}

// Pub handles PUB.
func (c *client) Pub(subject, reply, payload []byte) error {
	return c.processPub(subject, reply, -1, payload)
}

// HPub handles HPUB. A client that did not announce headers may not send it;
// nats-server closes such a connection without an -ERR.
func (c *client) HPub(subject, reply []byte, hdrLen int, msg []byte) error {
	if !c.headers {
		c.errorf("processHeaderPub: headers not enabled for this connection")
		return &closeError{reason: "Protocol Violation"}
	}
	return c.processPub(subject, reply, hdrLen, msg)
}

func (c *client) processPub(subject, reply []byte, hdrLen int, msg []byte) error {
	if err := c.requireConnected(); err != nil {
		return err
	}
	c.countIn(len(msg))
	if c.srv.log.TraceEnabled() {
		c.tracef("<<- [PUB %s %s %d]", subject, reply, len(msg))
	}
	// Control bytes and wildcards never travel in a publish subject, pedantic or not.
	if !sublist.ValidLiteralSubjectBytes(subject) || (len(reply) > 0 && !sublist.ValidSubjectBytes(reply)) {
		c.sendErr("Invalid Publish Subject")
		return nil
	}
	if c.perms != nil {
		if !c.perms.CanPublish(subject) {
			c.pubViolation(subject)
			return nil
		}
		if len(reply) > 0 && !c.perms.CanReceive(reply) {
			c.sendErr(`Permissions Violation for Publish with Reply of "` + string(reply) + `"`)
			c.errorf("Publish Violation - User %q, Reply %q: the user may not receive on it", c.user, reply)
			return nil
		}
	}
	// nats-server acknowledges a permitted PUB before delivering it.
	c.sendOK()
	r := c.ls.match(c.srv.subs, subject)
	n := c.deliverResult(r, subject, reply, hdrLen, msg, nil)
	if n == 0 && c.noResponders && len(reply) > 0 {
		c.sendNoResponders(subject, reply)
	}
	if c.stallDst != nil {
		return errStalled
	}
	return nil
}

func (c *client) pubViolation(subject []byte) {
	c.sendErr(`Permissions Violation for Publish to "` + string(subject) + `"`)
	c.errorf("Publish Violation - User %q, Subject %q", c.user, subject)
}

// deliverResult sends the message to every plain subscriber and to one member
// of each queue group. onlyQueues, when non-nil (a message from a route),
// limits queue delivery to the groups the route named, and routes never get
// it again. It returns how many deliveries were made.
func (c *client) deliverResult(r *sublist.Result[*subscription], subject, reply []byte, hdrLen int, msg []byte, onlyQueues [][]byte) int {
	fromRoute := c.kind == kindRoute
	ls := c.ls
	ls.frames.set(subject, reply, hdrLen, msg)
	targets := ls.routeTargets[:0]
	maxPending := c.srv.lim.Load().maxPending
	n := 0
	for _, sub := range r.Plain {
		dst := sub.client
		if dst.kind == kindRoute {
			if !fromRoute {
				targets = addRouteTarget(targets, dst, nil)
			}
			continue
		}
		if c.deliver(sub, subject, reply, hdrLen, msg, maxPending) {
			n++
		}
	}
	for i := range r.Queues {
		qg := &r.Queues[i]
		if fromRoute && !containsName(onlyQueues, qg.Name) {
			continue
		}
		if sub := c.pickLocalMember(qg.Members); sub != nil {
			if c.deliver(sub, subject, reply, hdrLen, msg, maxPending) {
				n++
				continue
			}
		}
		if fromRoute {
			continue
		}
		if rs := c.pickRouteMember(qg.Members); rs != nil {
			targets = addRouteTarget(targets, rs.client, rs.queue)
		}
	}
	for i := range targets {
		t := &targets[i]
		if c.forwardToRoute(t, subject, reply, hdrLen, msg, maxPending) {
			n++
		}
		t.rc, t.queues = nil, t.queues[:0]
	}
	ls.routeTargets = targets[:0]
	ls.frames.clear()
	return n
}

func containsName(names [][]byte, name string) bool {
	for _, q := range names {
		if string(q) == name {
			return true
		}
	}
	return false
}

func addRouteTarget(targets []routeTarget, rc *client, queue []byte) []routeTarget {
	for i := range targets {
		if targets[i].rc == rc {
			if queue == nil {
				targets[i].plain = true
			} else {
				targets[i].queues = append(targets[i].queues, queue)
			}
			return targets
		}
	}
	if len(targets) < cap(targets) {
		targets = targets[:len(targets)+1]
	} else {
		targets = append(targets, routeTarget{})
	}
	t := &targets[len(targets)-1]
	t.rc = rc
	t.plain = queue == nil
	t.queues = t.queues[:0]
	if queue != nil {
		t.queues = append(t.queues, queue)
	}
	return targets
}

// pickLocalMember chooses a queue member on this server, starting at a random
// index so load spreads over the group.
func (c *client) pickLocalMember(members []*subscription) *subscription {
	if len(members) == 0 {
		return nil
	}
	start := int(c.ls.rand() % uint64(len(members)))
	for i := range members {
		sub := members[(start+i)%len(members)]
		dst := sub.client
		if dst.kind == kindRoute || sub.removed.Load() || dst.isSlowConsumer() {
			continue
		}
		if dst == c && !c.echo {
			continue
		}
		if m := sub.max.Load(); m > 0 && sub.delivered.Load() >= m {
			continue
		}
		return sub
	}
	return nil
}

// pickRouteMember chooses a remote queue member, weighted by the number of
// members the route announced.
func (c *client) pickRouteMember(members []*subscription) *subscription {
	var total int64
	for _, sub := range members {
		if sub.client.kind == kindRoute && !sub.removed.Load() {
			total += int64(max(sub.weight, 1))
		}
	}
	if total == 0 {
		return nil
	}
	pick := int64(c.ls.rand() % uint64(total))
	for _, sub := range members {
		if sub.client.kind != kindRoute || sub.removed.Load() {
			continue
		}
		pick -= int64(max(sub.weight, 1))
		if pick < 0 {
			return sub
		}
	}
	return nil
}

// deliver appends one MSG/HMSG frame for sub's client: directly into its Out
// buffer when it lives on this loop, otherwise into this loop's outbox for its
// loop. It reports whether the message was queued.
func (c *client) deliver(sub *subscription, subject, reply []byte, hdrLen int, msg []byte, maxPending int64) bool {
	dst := sub.client
	if dst == c && !c.echo {
		return false
	}
	if sub.removed.Load() || dst.isSlowConsumer() {
		return false
	}
	if m := sub.max.Load(); m > 0 {
		d := sub.delivered.Add(1)
		if d > m {
			return false
		}
		if d == m {
			c.srv.autoUnsubscribed(sub)
		}
	}
	payload := len(msg)
	if hdrLen >= 0 && !dst.headers {
		payload -= hdrLen
	}
	if dst.ls == c.ls {
		conn := dst.conn
		if conn.Closed() || dst.closing {
			return false
		}
		conn.Out = c.ls.frames.forClient(dst).Append(conn.OutBuf(), sub.sid)
		conn.CountOut(1, payload)
		conn.MarkDirty()
		c.checkPending(dst, int64(len(conn.Out))+int64(conn.OutboundBuffered()), maxPending)
	} else {
		ob := c.ls.loop.Outbox(dst.ls.loop)
		buf := ob.Begin()
		start := len(buf)
		buf = c.ls.frames.forClient(dst).Append(buf, sub.sid)
		ob.End(dst.conn, buf, start, 1, payload)
		c.checkPending(dst, dst.queued(), maxPending)
	}
	if len(reply) > 0 && dst.perms != nil && dst.perms.HasResponsePermission() {
		dst.grantResponse(c.ls, reply)
	}
	return true
}

// msgFrames formats the message being delivered once per kind of frame a
// subscriber needs: HMSG, or MSG (headers stripped for a client that did not
// announce them, or a message without headers). Loop-only, per loop.
type msgFrames struct {
	subject, reply, msg []byte
	hdrLen              int
	built               [2]bool
	frame               [2]proto.MsgFrame // [0] MSG, [1] HMSG
}

func (m *msgFrames) set(subject, reply []byte, hdrLen int, msg []byte) {
	m.subject, m.reply, m.hdrLen, m.msg = subject, reply, hdrLen, msg
	m.built = [2]bool{}
}

// clear drops the references to the message, which lives in a read buffer.
func (m *msgFrames) clear() {
	m.subject, m.reply, m.msg = nil, nil, nil
	m.frame[0].Clear()
	m.frame[1].Clear()
}

// forClient returns the frame to send to.
func (m *msgFrames) forClient(to *client) *proto.MsgFrame {
	k := 0
	if m.hdrLen >= 0 && to.headers {
		k = 1
	}
	f := &m.frame[k]
	if !m.built[k] {
		m.built[k] = true
		switch {
		case k == 1:
			f.Reset(m.subject, m.reply, m.hdrLen, m.msg)
		case m.hdrLen >= 0:
			f.Reset(m.subject, m.reply, -1, m.msg[m.hdrLen:])
		default:
			f.Reset(m.subject, m.reply, -1, m.msg)
		}
	}
	return f
}

// grantResponse lets dst answer a request it received (allow_responses). The
// permission state belongs to dst's loop, so a grant from another loop is
// posted there; it runs before the message itself reaches dst.
func (dst *client) grantResponse(from *loopState, reply []byte) {
	if dst.ls == from {
		dst.perms.GrantResponse(reply)
		return
	}
	r := append([]byte(nil), reply...)
	dst.ls.loop.Post(func() {
		if !dst.closing {
			dst.perms.GrantResponse(r)
		}
	})
}

// sendNoResponders answers a request nobody received with a 503 status, on
// the publisher's own subscription for the reply subject.
func (c *client) sendNoResponders(subject, reply []byte) {
	for _, sub := range c.subs {
		if sub.removed.Load() || !sublist.SubjectMatchesBytes(string(sub.subject), reply) {
			continue
		}
		hdr := make([]byte, 0, 64+len(subject))
		hdr = append(hdr, "NATS/1.0 503\r\nNats-Subject: "...)
		hdr = append(hdr, subject...)
		hdr = append(hdr, "\r\n\r\n"...)
		c.conn.Out = proto.AppendHMsg(c.conn.OutBuf(), reply, sub.sid, nil, len(hdr), hdr)
		c.conn.CountOut(1, len(hdr))
		c.conn.MarkDirty()
		return
	}
}

// checkPending closes dst as a slow consumer past max_pending, and past 3/4
// of it asks the publisher c to stall (see stall.go).
func (c *client) checkPending(dst *client, pending, maxPending int64) {
	switch {
	case pending > maxPending:
		dst.slowConsumerClose(false)
	case pending > maxPending/4*3 && c.kind == kindClient && dst != c && dst != c.stallSpent:
		c.stallDst = dst
	}
}
