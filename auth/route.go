package auth

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// RouteAuth checks the credentials a route peer presents (`cluster {
// authorization {} }`). It is immutable and safe for concurrent use.
type RouteAuth struct {
	user    string
	pass    secret
	dn      []dnCandidate // user as a DN, when it parses as one
	timeout time.Duration
}

// NewRouteAuth validates cfg. A password needs a user; a user without a
// password can only be authenticated by a certificate (CheckCert).
func NewRouteAuth(cfg RouteConfig) (*RouteAuth, error) {
	if cfg.Password != "" && cfg.Username == "" {
		return nil, errors.New("cluster authorization: " + errPassNoUser.Error())
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("cluster %w", errNegTimeout)
	}
	r := &RouteAuth{user: cfg.Username, timeout: cfg.Timeout}
	if r.timeout == 0 {
		r.timeout = DefaultTimeout
	}
	var err error
	if r.pass, err = newSecret(cfg.Password); err != nil {
		return nil, fmt.Errorf("cluster authorization password: %w", err)
	}
	if c, ok := newDNCandidate(cfg.Username); ok {
		r.dn = []dnCandidate{c}
	}
	return r, nil
}

// Required reports whether route peers must authenticate.
func (r *RouteAuth) Required() bool { return r.user != "" }

// User is the configured route user ("" when none).
func (r *RouteAuth) User() string { return r.user }

// Timeout is how long a route peer has to send CONNECT: the configured
// timeout, or DefaultTimeout.
func (r *RouteAuth) Timeout() time.Duration { return r.timeout }

// IsSlow reports whether Check runs bcrypt, so the caller runs it on a worker.
func (r *RouteAuth) IsSlow(user, pass string) bool {
	return r.Required() && r.pass.isBcrypt
}

// Check verifies the user and password of a route CONNECT. Errors satisfy
// errors.Is(err, ErrAuthorization) and never contain the password.
func (r *RouteAuth) Check(user, pass string) error {
	switch {
	case !r.Required():
		return nil
	case user != r.user:
		return refuse(" - route user %q: unknown user", user)
	case !r.pass.set:
		return refuse(" - route user %q: user has no password; only a TLS certificate (verify_and_map) can identify it", user)
	case !r.pass.matches(pass):
		return refuse(" - route user %q: wrong password", user)
	}
	return nil
}

// CheckCert verifies, for a cluster with TLS verify_and_map, that the route
// peer's verified certificate identifies the configured user (by SAN email,
// DNS name, URI or subject DN, as for clients). Without a configured user any
// verified certificate is accepted.
func (r *RouteAuth) CheckCert(chains [][]*x509.Certificate) error {
	cert := leafCertificate(chains)
	if cert == nil {
		return refuse(": route verify_and_map needs a verified certificate, none presented")
	}
	if !r.Required() {
		return nil
	}
	known := func(name string) bool { return name == r.user }
	if _, _, ok := mapCertificate(cert, known, r.dn); !ok {
		return refuse(" - route user %q: not matched by the route certificate (%s)", r.user, describeCert(cert))
	}
	return nil
}
