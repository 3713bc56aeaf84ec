package server

import (
	"encoding/json"
	"errors"

	"github.com/evnats/evnats/auth"
	"github.com/evnats/evnats/proto"
)

// connectOptions is the JSON of a client's CONNECT. Omitted booleans keep
// nats-server's defaults (verbose, pedantic and echo true).
type connectOptions struct {
	Verbose      bool   `json:"verbose"`
	Pedantic     bool   `json:"pedantic"`
	TLSRequired  bool   `json:"tls_required"`
	AuthToken    string `json:"auth_token"`
	User         string `json:"user"`
	Pass         string `json:"pass"`
	Name         string `json:"name"`
	Lang         string `json:"lang"`
	Version      string `json:"version"`
	Protocol     int    `json:"protocol"`
	Echo         bool   `json:"echo"`
	Headers      bool   `json:"headers"`
	NoResponders bool   `json:"no_responders"`
	Account      string `json:"account"`
	NewAccount   bool   `json:"new_account"`
	JWT          string `json:"jwt"`
	Nkey         string `json:"nkey"`
	Sig          string `json:"sig"`
}

// Connect handles CONNECT from a client.
func (c *client) Connect(arg []byte) error {
	c.lastActivity.Store(c.ls.now.UnixNano())
	if c.connected {
		// A second CONNECT never changes who the connection is.
		c.sendOK()
		return nil
	}
	co := connectOptions{Verbose: true, Pedantic: true, Echo: true}
	if err := json.Unmarshal(arg, &co); err != nil {
		c.errorf("processConnect: %v", err)
		return &closeError{reason: "Protocol Violation"}
	}
	c.tracef("<<- [CONNECT %s]", arg)
	if co.Protocol < 0 || co.Protocol > 1 {
		return &closeError{text: "invalid client protocol", reason: "Protocol Violation"}
	}
	if co.NoResponders && !co.Headers {
		return &closeError{text: "no responders requires headers support", reason: "Protocol Violation"}
	}
	c.verbose, c.pedantic, c.echo = co.Verbose, co.Pedantic, co.Echo
	c.headers = co.Headers && !c.srv.lim.Load().noHeaders
	c.noResponders = co.NoResponders
	c.protocol = co.Protocol
	c.name, c.lang, c.version = co.Name, co.Lang, co.Version
	if co.Account != "" || co.NewAccount {
		return c.authViolation("account in CONNECT is not supported")
	}
	a := c.srv.auth.Load()
	if !a.Required() {
		c.authorized(nil)
		return nil
	}
	creds := &auth.Credentials{
		User:       co.User,
		Pass:       co.Pass,
		Token:      co.AuthToken,
		Name:       co.Name,
		RemoteAddr: c.logPrefix(),
	}
	if c.tls != nil && c.tlsHandshaked {
		creds.VerifiedChains = c.tls.VerifiedChains()
		if o := c.srv.Options().TLS; o != nil {
			creds.MapCerts = o.Verify == verifyAndMap
		}
	}
	if !a.IsSlow(creds) {
		id, err := a.Check(creds)
		if err != nil {
			return c.authViolation(err.Error())
		}
		c.authorized(id)
		return nil
	}
	// bcrypt: the verdict comes from a worker; the connection waits, paused.
	c.authPending = true
	loop := c.conn.Loop()
	conn := c.conn
	ok := c.srv.workers.submit(func() {
		id, err := a.Check(creds)
		loop.Post(func() {
			if conn.Closed() || c.closing {
				return
			}
			c.authPending = false
			if err != nil {
				c.protocolError(c.authViolation(err.Error()))
				return
			}
			c.authorized(id)
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

// authorized completes CONNECT. id is nil when no authentication is configured.
func (c *client) authorized(id *auth.Identity) {
	c.connected = true
	if id != nil {
		c.user = id.User
		if id.Perms != nil {
			c.perms = auth.NewConnPermissions(id.Perms, nil)
		}
	}
	c.sendOK()
}

func (c *client) authViolation(why string) error {
	c.errorf("%s", why)
	return &closeError{text: "Authorization Violation", reason: "Authentication Failure"}
}

// requireConnected enforces CONNECT-before-anything when auth is on.
func (c *client) requireConnected() error {
	if c.connected {
		return nil
	}
	if c.srv.auth.Load().Required() {
		return &closeError{text: "Authorization Violation", reason: "Authentication Failure"}
	}
	return nil
}

var errNoHeaders = errors.New("headers not enabled")

// Ping answers PING, and after the first PING of a protocol-1 client sends the
// INFO with connect_info, as nats-server does.
func (c *client) Ping() error {
	if err := c.requireConnected(); err != nil {
		return err
	}
	c.send(proto.PongFrame)
	if c.connected && c.protocol >= 1 && !c.firstPongDue {
		c.firstPongDue = true
		c.sendConnectInfo()
	}
	return nil
}

// Pong clears the outstanding PING count.
func (c *client) Pong() error {
	if err := c.requireConnected(); err != nil {
		return err
	}
	c.pingsOut = 0
	return nil
}
