package auth

import "time"

// Bounds of the per-connection state.
const (
	// maxPubCache bounds the publish decision cache; when full, a quarter of it
	// is dropped (in map order, which is effectively random).
	maxPubCache = 256
	// maxResponseGrants bounds outstanding allow_responses grants (nats-server
	// replyPermLimit). When full, expired grants are dropped first.
	maxResponseGrants = 4096
)

// ConnPermissions enforces a user's permissions on one connection. It caches
// publish decisions by subject, so a permitted publish to a subject seen before
// allocates nothing, and it tracks allow_responses grants.
//
// It is NOT safe for concurrent use: only the goroutine (event loop) that owns
// the connection may call its methods. A nil *ConnPermissions allows
// everything, so callers need not test for "no permissions".
type ConnPermissions struct {
	p        *CompiledPermissions
	now      func() time.Time
	pubCache map[string]bool
	grants   map[string]*grant // nil unless allow_responses is on
}

// grant is the right to publish to one reply subject.
type grant struct {
	at time.Time // when the request was delivered
	n  int       // replies published so far
}

// NewConnPermissions returns the permission state of a new connection whose
// user has permissions p. It returns nil when p is nil (everything allowed).
// now is the clock used for allow_responses expiry; nil means time.Now.
func NewConnPermissions(p *CompiledPermissions, now func() time.Time) *ConnPermissions {
	if p == nil {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	c := &ConnPermissions{p: p, now: now, pubCache: make(map[string]bool, 16)}
	if p.resp != nil {
		c.grants = make(map[string]*grant)
	}
	return c
}

// Permissions returns the compiled permissions c enforces (nil for a nil c).
func (c *ConnPermissions) Permissions() *CompiledPermissions {
	if c == nil {
		return nil
	}
	return c.p
}

// CanPublish reports whether the connection may publish to subject: the allow
// and deny lists permit it, or an allow_responses grant for it is still valid
// (which this call then uses up). It does not retain subject, and it allocates
// nothing when the decision for subject is cached and positive.
func (c *ConnPermissions) CanPublish(subject []byte) bool {
	if c == nil {
		return true
	}
	allowed, cached := c.pubCache[string(subject)]
	if allowed {
		return true
	}
	if c.grants != nil {
		// Reply subjects are usually unique inboxes: check the grant before
		// caching anything, so they do not churn the cache.
		if g := c.grants[string(subject)]; g != nil {
			if !cached && c.p.pub.publishAllowed(subject) {
				return true
			}
			return c.spend(subject, g)
		}
	}
	if cached {
		return false
	}
	allowed = c.p.pub.publishAllowed(subject)
	if len(c.pubCache) >= maxPubCache {
		c.prunePubCache()
	}
	c.pubCache[string(subject)] = allowed
	return allowed
}

// spend uses one reply of grant g for subject, reporting whether it was valid.
func (c *ConnPermissions) spend(subject []byte, g *grant) bool {
	r := c.p.resp
	if r.Expires > 0 && c.now().Sub(g.at) > r.Expires {
		delete(c.grants, string(subject))
		return false
	}
	g.n++
	if r.MaxMsgs > 0 && g.n >= r.MaxMsgs {
		delete(c.grants, string(subject))
	}
	return true
}

func (c *ConnPermissions) prunePubCache() {
	drop := len(c.pubCache) / 4
	for k := range c.pubCache {
		if drop <= 0 {
			break
		}
		delete(c.pubCache, k)
		drop--
	}
}

// HasResponsePermission reports whether allow_responses is on, i.e. whether
// the caller needs to call GrantResponse at all.
func (c *ConnPermissions) HasResponsePermission() bool {
	return c != nil && c.grants != nil
}

// GrantResponse records that a message with reply subject reply was delivered
// to this connection: it may then publish to reply up to MaxMsgs times within
// Expires, even where its publish permissions forbid it. A second delivery with
// the same reply renews the grant. It does nothing without allow_responses or
// for an empty reply. reply is copied, not retained.
func (c *ConnPermissions) GrantResponse(reply []byte) {
	if c == nil || c.grants == nil || len(reply) == 0 {
		return
	}
	now := c.now()
	if g := c.grants[string(reply)]; g != nil {
		g.at, g.n = now, 0
		return
	}
	if len(c.grants) >= maxResponseGrants {
		c.pruneGrants(now)
	}
	c.grants[string(reply)] = &grant{at: now}
}

// pruneGrants drops expired grants, then, if still full, arbitrary ones until
// a quarter of the room is free.
func (c *ConnPermissions) pruneGrants(now time.Time) {
	if exp := c.p.resp.Expires; exp > 0 {
		for k, g := range c.grants {
			if now.Sub(g.at) > exp {
				delete(c.grants, k)
			}
		}
	}
	for k := range c.grants {
		if len(c.grants) < maxResponseGrants*3/4 {
			break
		}
		delete(c.grants, k)
	}
}

// CanSubscribe reports whether the connection may subscribe to subject (in
// queue group queue when it is not empty). See CompiledPermissions.SubscribeAllowed.
// It does not retain its arguments; it may allocate (subscriptions are rare
// compared with messages).
func (c *ConnPermissions) CanSubscribe(subject, queue []byte) bool {
	if c == nil {
		return true
	}
	return c.p.sub.subscribeAllowed(string(subject), string(queue))
}

// CanReceive reports whether the connection could subscribe (without a queue
// group) to the literal subject. The server uses it to refuse a PUB whose reply
// subject the publisher itself could not receive on: a reply may only go where
// the requester may listen (-ERR PublishReplyViolation).
func (c *ConnPermissions) CanReceive(subject []byte) bool {
	return c.CanSubscribe(subject, nil)
}
