package server

import (
	"encoding/json"

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
//
// Authentication that needs bcrypt runs on the worker pool: the parser stops
// after the CONNECT (errPaused), later input is held (bounded, see hold), and
// the verdict is posted back to the loop, which then answers and resumes
// parsing. The loop serves its other clients meanwhile.
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
	if c.srv.log.TraceEnabled() {
		c.tracef("<<- [CONNECT %s]", redactSecrets(arg))
	}
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
		return c.authViolation("authentication error: accounts are not supported")
	}
	// Kept so that a reload can check the connection against new users.
	c.creds = &auth.Credentials{
		User:       co.User,
		Pass:       co.Pass,
		Token:      co.AuthToken,
		Name:       co.Name,
		RemoteAddr: c.logPrefix(),
	}
	a := c.srv.auth.Load()
	if !a.Required() {
		c.authorized(nil)
		return nil
	}
	creds := c.certCredentials()
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
			if c.srv.auth.Load() != a {
				// A reload changed authorization while bcrypt ran.
				c.reauthorize(a)
			}
			if c.closing {
				return
			}
			held := c.held
			c.held = nil
			if len(held) > 0 && !c.closing {
				c.process(held)
			}
		})
	})
	if !ok {
		c.authPending = false
		if c.srv.workers.stopped() {
			return &closeError{reason: "Server Shutdown"}
		}
		// Too many bcrypt checks queued: refuse this one without blaming the
		// credentials, so the client simply reconnects later.
		c.warnf("Authentication queue full, closing connection")
		return &closeError{reason: "Authentication Failure"}
	}
	return errPaused
}

// authorized completes CONNECT. id is nil when no authentication is configured.
func (c *client) authorized(id *auth.Identity) {
	c.connected = true
	if id != nil {
		c.user = id.User
		if id.Notice != "" {
			c.warnf("%s", id.Notice)
		}
		if how := certMatchLog[id.MatchedBy]; how != "" {
			c.debugf("%s [%q]", how, id.User)
		}
		if id.Perms != nil {
			c.perms = auth.NewConnPermissions(id.Perms, nil)
		}
	}
	c.sendOK()
}

// certCredentials returns the kept CONNECT credentials with what
// verify_and_map needs from the TLS session, as the options now in force ask.
// Loop-only.
func (c *client) certCredentials() *auth.Credentials {
	creds := *c.creds
	creds.MapCerts, creds.VerifiedChains = false, nil
	if o := c.srv.Options().TLS; o != nil && o.Verify == verifyAndMap {
		// The certificate decides; a client without one (allow_non_tls) is refused.
		creds.MapCerts = true
		if c.tls != nil && c.tlsHandshaked {
			creds.VerifiedChains = c.tls.VerifiedChains()
		}
	}
	return &creds
}

// certMatchLog names, as nats-server's debug lines do, what part of a client
// certificate verify_and_map used.
var certMatchLog = map[string]string{
	auth.MatchedByEmail: "Using email found in cert for auth",
	auth.MatchedBySAN:   "Using SAN found in cert for auth",
	auth.MatchedByURI:   "Using URI found in cert for auth",
	auth.MatchedByDN:    "Using DistinguishedNameMatch for auth",
}

// authViolation logs why a client was refused (never its secret: the auth
// package's texts hold none) and returns the error that sends
// -ERR 'Authorization Violation' and closes.
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
		return c.authViolation("authentication error: operation before CONNECT")
	}
	return nil
}

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

// secretKeys are the CONNECT fields whose values never reach a log.
var secretKeys = [][]byte{[]byte(`"pass"`), []byte(`"auth_token"`)}

// redactSecrets returns a copy of a CONNECT's JSON with the string values of
// "pass" and "auth_token" replaced by "[REDACTED]", for the trace log. It
// scans bytes rather than decoding, so the line keeps the client's field order.
// Any goroutine may call it.
func redactSecrets(arg []byte) []byte {
	out := make([]byte, 0, len(arg))
	i := 0
	for i < len(arg) {
		k, klen := nextSecretKey(arg, i)
		if k < 0 {
			break
		}
		// After the key: optional spaces, ':', optional spaces, a string.
		j := skipSpace(arg, k+klen)
		if j >= len(arg) || arg[j] != ':' {
			out = append(out, arg[i:k+klen]...)
			i = k + klen
			continue
		}
		j = skipSpace(arg, j+1)
		if j >= len(arg) || arg[j] != '"' {
			out = append(out, arg[i:j]...)
			i = j
			continue
		}
		end := stringEnd(arg, j+1)
		out = append(out, arg[i:j+1]...)
		out = append(out, "[REDACTED]"...)
		if end < len(arg) {
			out = append(out, '"')
			end++
		}
		i = end
	}
	return append(out, arg[i:]...)
}

// nextSecretKey finds the first secret key at or after i.
func nextSecretKey(b []byte, i int) (at, n int) {
	at = -1
	for _, key := range secretKeys {
		if k := indexFrom(b, key, i); k >= 0 && (at < 0 || k < at) {
			at, n = k, len(key)
		}
	}
	return at, n
}

func indexFrom(b, sub []byte, from int) int {
	for k := from; k+len(sub) <= len(b); k++ {
		if b[k] == sub[0] && string(b[k:k+len(sub)]) == string(sub) {
			return k
		}
	}
	return -1
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd returns the index of the quote closing a JSON string whose
// content starts at i, or len(b) if it is not closed.
func stringEnd(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case '\\':
			i += 2
		case '"':
			return i
		default:
			i++
		}
	}
	return len(b)
}

// Info ignores an INFO from a client, as nats-server does (once CONNECT has
// been seen where auth requires it).
func (c *client) Info([]byte) error { return c.requireConnected() }

// OK ignores a +OK from a client, as nats-server does.
func (c *client) OK() error { return c.requireConnected() }

// Err closes a client that sends -ERR, as nats-server does: no -ERR back,
// only a log line.
func (c *client) Err(text []byte) error {
	if err := c.requireConnected(); err != nil {
		return err
	}
	c.errorf("Client Error %s", text)
	return &closeError{reason: "Parse Error"}
}
