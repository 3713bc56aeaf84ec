package server

import (
	"github.com/evnats/evnats/sublist"
)

// Sub handles SUB.
func (c *client) Sub(subject, queue, sid []byte) error {
	if err := c.requireConnected(); err != nil {
		return err
	}
	c.tracef("<<- [SUB %s %s %s]", subject, queue, sid)
	if !sublist.ValidSubjectBytes(subject) || (len(queue) > 0 && !sublist.ValidQueueName(queue)) {
		c.sendErr("Invalid Subject")
		return nil
	}
	if c.perms != nil && !c.perms.CanSubscribe(subject, queue) {
		c.subViolation(subject, queue)
		return nil
	}
	if _, dup := c.subs[string(sid)]; dup {
		c.sendOK()
		return nil
	}
	if m := c.srv.lim.Load().maxSubs; m > 0 && len(c.subs) >= m {
		c.sendErr("maximum subscriptions exceeded")
		c.errorf("Maximum Subscriptions Exceeded (max=%d)", m)
		return nil
	}
	sub := &subscription{
		client:  c,
		subject: append([]byte(nil), subject...),
		sid:     append([]byte(nil), sid...),
	}
	if len(queue) > 0 {
		sub.queue = append([]byte(nil), queue...)
	}
	if err := c.srv.subs.Insert(string(sub.subject), string(sub.queue), sub); err != nil {
		c.sendErr("Invalid Subject")
		return nil
	}
	c.subs[string(sub.sid)] = sub
	c.srv.cluster.localInterestAdded(sub)
	c.sendOK()
	return nil
}

// Unsub handles UNSUB, with an optional count after which the subscription ends.
func (c *client) Unsub(sid []byte, maxMsgs int64) error {
	if err := c.requireConnected(); err != nil {
		return err
	}
	c.tracef("<<- [UNSUB %s %d]", sid, maxMsgs)
	sub, ok := c.subs[string(sid)]
	if !ok {
		c.sendOK()
		return nil
	}
	if maxMsgs > 0 && maxMsgs > sub.delivered.Load() {
		sub.max.Store(maxMsgs)
		// A delivery racing with this store may have already passed the limit.
		if sub.delivered.Load() < maxMsgs {
			c.sendOK()
			return nil
		}
	}
	c.unsubscribe(sub)
	c.sendOK()
	return nil
}

// unsubscribe removes sub everywhere. Loop-only (sub's client's loop).
func (c *client) unsubscribe(sub *subscription) {
	if _, ok := c.subs[string(sub.sid)]; !ok {
		return
	}
	delete(c.subs, string(sub.sid))
	if sub.removed.CompareAndSwap(false, true) {
		_ = c.srv.subs.Remove(string(sub.subject), string(sub.queue), sub)
		c.srv.cluster.localInterestRemoved(sub)
	}
}

// autoUnsubscribed ends a subscription that reached its UNSUB max. Any loop
// may call it: the sublist is shared, and the client's own map is updated on
// its loop.
func (s *Server) autoUnsubscribed(sub *subscription) {
	if !sub.removed.CompareAndSwap(false, true) {
		return
	}
	_ = s.subs.Remove(string(sub.subject), string(sub.queue), sub)
	owner := sub.client
	owner.ls.loop.Post(func() {
		if owner.subs[string(sub.sid)] == sub {
			delete(owner.subs, string(sub.sid))
		}
		if owner.kind == kindClient {
			s.cluster.localInterestRemoved(sub)
		}
	})
}

// subViolation tells the client it may not subscribe to subject (in queue).
func (c *client) subViolation(subject, queue []byte) {
	if len(queue) > 0 {
		c.sendErr(`Permissions Violation for Subscription to "` + string(subject) + `" using queue "` + string(queue) + `"`)
	} else {
		c.sendErr(`Permissions Violation for Subscription to "` + string(subject) + `"`)
	}
	c.errorf("Subscription Violation - User %q, Subject %q, Queue %q", c.user, subject, queue)
}
