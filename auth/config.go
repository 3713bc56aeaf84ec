package auth

import "time"

// Config is the authorization configuration of the client port, as read from an
// `authorization {}` block and the --user, --pass and --auth flags. The zero value
// means "no authentication". A Config is plain data: build an Authenticator from it
// with New, and replace the Authenticator (not the Config) on reload.
type Config struct {
	// Username and Password configure a single user. Password may be a bcrypt hash.
	Username string
	Password string
	// Token is a single authorization token, plain or a bcrypt hash.
	Token string
	// Users is the users list. It may not be combined with Username or Token.
	Users []*User
	// DefaultPermissions apply to users that have none of their own.
	DefaultPermissions *Permissions
	// Timeout is how long a client has to send CONNECT. Zero means the default:
	// 2 s, or the TLS timeout plus 1 s when TLS is configured (the caller applies that rule).
	Timeout time.Duration
}

// User is one entry of the users list.
type User struct {
	// Username is the user name, or, with TLS verify_and_map, the identity taken from
	// the client's certificate (an email, DNS name, URI or RFC 2253 DN).
	Username string
	// Password may be empty (certificate-mapped users), plain text or a bcrypt hash.
	Password string
	// Permissions may be nil: DefaultPermissions then apply, or everything is allowed.
	Permissions *Permissions
}

// Permissions says what a user may publish to and subscribe to.
type Permissions struct {
	Publish   *SubjectPermission
	Subscribe *SubjectPermission
	// Response, when non-nil, lets the user publish to reply subjects of requests it
	// received, even where Publish does not allow them. As in nats-server, it also
	// turns off the blanket publish allow: without a Publish allow list, only
	// replies may be published.
	Response *ResponsePermission
}

// SubjectPermission is an allow list and a deny list of subjects. Wildcards are allowed.
// For subscribe, an entry may be "subject queue" to name a queue group. An empty Allow
// list allows everything not denied; Deny wins over Allow.
type SubjectPermission struct {
	Allow []string
	Deny  []string
}

// ResponsePermission bounds allow_responses: at most MaxMsgs replies per request
// (0 means the default, 1; negative means no limit) within Expires (0 means the
// default, 2 minutes; negative means no expiry).
type ResponsePermission struct {
	MaxMsgs int
	Expires time.Duration
}

// RouteConfig is the `cluster { authorization {} }` block: the credentials a route
// peer must present in its CONNECT.
type RouteConfig struct {
	Username string
	Password string // plain or bcrypt
	Timeout  time.Duration
}
