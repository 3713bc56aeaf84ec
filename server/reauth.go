package server

import (
	"github.com/evnats/evnats/auth"
)

// After a reload that changed authorization, every client already connected
// is checked again, as nats-server does: one the new configuration would
// refuse gets -ERR 'Authorization Violation' and is closed, and one it still
// admits gets the user's new permissions, losing the subscriptions those no
// longer allow (each with its Permissions Violation). Each check runs on the
// client's own loop; one that needs bcrypt (a changed hash) runs on the
// bcrypt workers and its verdict comes back to the loop. An unchanged bcrypt
// user costs no bcrypt (auth.Recheck).

// reauthorize checks every client against the authenticator now in force;
// prev is the one that admitted them. Safe from any goroutine.
func (s *Server) reauthorize(prev *auth.Authenticator) {
	if s.engine == nil {
		return
	}
	for _, l := range s.engine.Loops() {
		l.Post(func() {
			for c := range s.loopState(l).clients {
				if c.kind == kindClient && !c.closing && !c.authPending {
					c.reauthorize(prev)
				}
			}
		})
	}
}

// reauthorize checks c again. Loop-only.
func (c *client) reauthorize(prev *auth.Authenticator) {
	a := c.srv.auth.Load()
	if !a.Required() {
		c.perms = nil
		return
	}
	if c.creds == nil {
		// No CONNECT yet: the auth timeout now applies to it.
		if c.authDeadline.IsZero() {
			c.authDeadline = c.ls.now.Add(c.srv.lim.Load().authTimeout)
		}
		return
	}
	creds := c.certCredentials()
	if !a.RecheckIsSlow(prev, creds) {
		id, err := a.Recheck(prev, creds)
		c.reauthorized(a, id, err)
		return
	}
	loop, conn := c.conn.Loop(), c.conn
	ok := c.srv.workers.submit(func() {
		id, err := a.Recheck(prev, creds)
		loop.Post(func() {
			if !conn.Closed() && !c.closing {
				c.reauthorized(a, id, err)
			}
		})
	})
	if !ok {
		// The bcrypt lane is full: let the client reconnect and be checked then.
		c.warnf("Authentication queue full after reload, closing connection")
		c.closeWith("Authentication Failure")
	}
}

// reauthorized applies a reload's verdict on c, unless a later reload has
// replaced a since. Loop-only.
func (c *client) reauthorized(a *auth.Authenticator, id *auth.Identity, err error) {
	if c.srv.auth.Load() != a {
		return
	}
	if err != nil {
		c.protocolError(c.authViolation("Authorization revoked by reload: " + err.Error()))
		return
	}
	c.user = id.User
	c.perms = auth.NewConnPermissions(id.Perms, nil)
	if c.perms == nil {
		return
	}
	for _, sub := range c.subs {
		if !c.perms.CanSubscribe(sub.subject, sub.queue) {
			c.unsubscribe(sub)
			c.subViolation(sub.subject, sub.queue)
		}
	}
}
