package auth

import (
	"crypto/x509"
	"fmt"
	"time"
)

// DefaultTimeout is how long a client has to send CONNECT when Config.Timeout
// is zero and TLS is off (the server adds the TLS timeout rule itself).
const DefaultTimeout = 2 * time.Second

// Authenticator checks the credentials of client connections. It is immutable
// after New and safe for concurrent use; on reload, build a new one and
// replace it wholesale.
type Authenticator struct {
	timeout time.Duration

	// single user/password
	user string
	pass secret
	// token
	token secret
	// users list, by name; dnUsers are the password-less users whose names
	// parse as distinguished names, in configuration order.
	users   map[string]*userEntry
	dnUsers []dnCandidate
}

type userEntry struct {
	name  string
	pass  secret
	perms *CompiledPermissions
}

// Credentials are what a client presented: the CONNECT fields and, with TLS,
// the verified certificate chains. The caller fills them; Check only reads them.
type Credentials struct {
	User, Pass, Token string // from CONNECT (Token is auth_token)
	// Name (the CONNECT name) and RemoteAddr are not used by Check; they ride
	// along for the caller's log lines.
	Name       string
	RemoteAddr string
	// VerifiedChains are from a verified TLS handshake (tls.ConnectionState).
	VerifiedChains [][]*x509.Certificate
	// MapCerts is set when TLS verify_and_map is on for the listener.
	MapCerts bool
}

// Identity is an authenticated client.
type Identity struct {
	// User is the user name ("" for token or no authentication), or the
	// certificate identity it was mapped from.
	User string
	// Perms are the user's permissions; nil allows everything.
	Perms *CompiledPermissions
	// MatchedBy says how the client was identified: MatchedByEmail, MatchedBySAN,
	// MatchedByURI, MatchedByDN, MatchedByPassword, MatchedByToken, or "" when
	// no authentication is configured.
	MatchedBy string
	// Notice, when not empty, is a warning for the server log, e.g. that a user
	// in CONNECT was ignored because the certificate decides.
	Notice string
}

// New validates cfg and compiles every user's permissions once. The errors
// for conflicting settings carry nats-server's texts.
func New(cfg Config) (*Authenticator, error) {
	switch {
	case (cfg.Username != "" || cfg.Password != "") && cfg.Token != "":
		return nil, errUserAndToken
	case cfg.Username != "" && len(cfg.Users) > 0:
		return nil, errUserAndUsers
	case cfg.Token != "" && len(cfg.Users) > 0:
		return nil, errTokenAndUsers
	case cfg.Password != "" && cfg.Username == "":
		return nil, errPassNoUser
	case cfg.Timeout < 0:
		return nil, errNegTimeout
	}
	a := &Authenticator{timeout: cfg.Timeout, user: cfg.Username}
	if a.timeout == 0 {
		a.timeout = DefaultTimeout
	}
	var err error
	if a.pass, err = newSecret(cfg.Password); err != nil {
		return nil, fmt.Errorf("password of user %q: %w", cfg.Username, err)
	}
	if a.token, err = newSecret(cfg.Token); err != nil {
		return nil, fmt.Errorf("authorization token: %w", err)
	}
	if len(cfg.Users) == 0 {
		return a, nil
	}
	defaults, err := compilePermissions(cfg.DefaultPermissions)
	if err != nil {
		return nil, fmt.Errorf("default permissions: %w", err)
	}
	// Users that share a *Permissions (configuration variables) share one compiled copy.
	compiled := map[*Permissions]*CompiledPermissions{}
	a.users = make(map[string]*userEntry, len(cfg.Users))
	for i, u := range cfg.Users {
		if u == nil || u.Username == "" {
			return nil, fmt.Errorf("users entry %d has no user name", i+1)
		}
		if _, dup := a.users[u.Username]; dup {
			return nil, fmt.Errorf("Duplicate user %q detected", u.Username) //nolint:staticcheck // nats-server text
		}
		e := &userEntry{name: u.Username, perms: defaults}
		if e.pass, err = newSecret(u.Password); err != nil {
			return nil, fmt.Errorf("password of user %q: %w", u.Username, err)
		}
		if u.Permissions != nil {
			cp, seen := compiled[u.Permissions]
			if !seen {
				if cp, err = compilePermissions(u.Permissions); err != nil {
					return nil, fmt.Errorf("permissions of user %q: %w", u.Username, err)
				}
				compiled[u.Permissions] = cp
			}
			e.perms = cp
		}
		a.users[u.Username] = e
		if !e.pass.set {
			if c, ok := newDNCandidate(u.Username); ok {
				a.dnUsers = append(a.dnUsers, c)
			}
		}
	}
	return a, nil
}

// Required reports whether clients must authenticate (INFO auth_required).
func (a *Authenticator) Required() bool {
	return a.user != "" || a.token.set || len(a.users) > 0
}

// Timeout is how long a client has to send CONNECT: Config.Timeout, or
// DefaultTimeout when that was zero.
func (a *Authenticator) Timeout() time.Duration { return a.timeout }

// IsSlow reports whether checking c involves bcrypt, so that the caller runs
// Check on a worker goroutine instead of an event loop. Safe for concurrent use.
func (a *Authenticator) IsSlow(c *Credentials) bool {
	switch {
	case len(a.users) > 0:
		if c.MapCerts {
			return false
		}
		u := a.users[c.User]
		return u != nil && u.pass.isBcrypt
	case a.token.set:
		return a.token.isBcrypt
	case a.user != "":
		return a.pass.isBcrypt
	}
	return false
}

// Check authenticates c. It returns the identity, or an error that satisfies
// errors.Is(err, ErrAuthorization) and whose text says why, for the server log
// (nats-server logs these at error level). The text never contains a password
// or token. The caller then sends -ERR 'Authorization Violation' and closes.
//
// With a users list and c.MapCerts, the certificate alone decides (see
// mapCertificate) and may only map to a user without a password; a user in
// CONNECT is then ignored and Identity.Notice says so. A user without a
// password can never log in with user/password.
//
// Check may run bcrypt (see IsSlow). Safe for concurrent use.
func (a *Authenticator) Check(c *Credentials) (*Identity, error) {
	return a.check(c, false)
}

// check is Check; with secretKnown the password or token is taken as
// matching (see Recheck).
func (a *Authenticator) check(c *Credentials, secretKnown bool) (*Identity, error) {
	switch {
	case len(a.users) > 0:
		if c.MapCerts {
			return a.checkCert(c)
		}
		return a.checkUser(c, secretKnown)
	case a.token.set:
		if !secretKnown && !a.token.matches(c.Token) {
			if c.Token == "" {
				return nil, refuse(": no token in CONNECT")
			}
			return nil, refuse(": wrong token")
		}
		return &Identity{MatchedBy: MatchedByToken}, nil
	case a.user != "":
		if c.User != a.user {
			return nil, refuse(" - User %q: unknown user", c.User)
		}
		if !secretKnown && !a.pass.matches(c.Pass) {
			return nil, refuse(" - User %q: wrong password", c.User)
		}
		return &Identity{User: a.user, MatchedBy: MatchedByPassword}, nil
	}
	return &Identity{}, nil
}

func (a *Authenticator) checkUser(c *Credentials, secretKnown bool) (*Identity, error) {
	u := a.users[c.User]
	switch {
	case u == nil:
		return nil, refuse(" - User %q: unknown user", c.User)
	case !u.pass.set:
		return nil, refuse(" - User %q: user has no password; only a TLS certificate (verify_and_map) can identify it", c.User)
	case !secretKnown && !u.pass.matches(c.Pass):
		return nil, refuse(" - User %q: wrong password", c.User)
	}
	return &Identity{User: u.name, Perms: u.perms, MatchedBy: MatchedByPassword}, nil
}

func (a *Authenticator) checkCert(c *Credentials) (*Identity, error) {
	cert := leafCertificate(c.VerifiedChains)
	if cert == nil {
		return nil, refuse(": verify_and_map needs a verified client certificate, none presented")
	}
	known := func(name string) bool {
		u := a.users[name]
		return u != nil && !u.pass.set
	}
	name, how, ok := mapCertificate(cert, known, a.dnUsers)
	if !ok {
		return nil, refuse(": no user without a password matches the client certificate (%s)", describeCert(cert))
	}
	id := &Identity{User: name, Perms: a.users[name].perms, MatchedBy: how}
	if c.User != "" {
		id.Notice = fmt.Sprintf("User %q found in connect proto, but user required from cert", c.User)
	}
	return id, nil
}
