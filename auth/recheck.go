package auth

import "bytes"

// Recheck authenticates c again after a reload replaced prev with a, for a
// connection that prev accepted with these same credentials. It returns what
// Check would, except that when the secret c must match in a is the very
// secret it matched in prev (same user, same configured password, hash or
// token), the comparison is not repeated: its verdict cannot differ. So a
// reload that leaves a bcrypt user alone costs no bcrypt. Safe for concurrent
// use.
func (a *Authenticator) Recheck(prev *Authenticator, c *Credentials) (*Identity, error) {
	return a.check(c, a.sameSecret(prev, c))
}

// RecheckIsSlow reports whether Recheck(prev, c) runs bcrypt, so the caller
// runs it on a worker instead of an event loop. Safe for concurrent use.
func (a *Authenticator) RecheckIsSlow(prev *Authenticator, c *Credentials) bool {
	return !a.sameSecret(prev, c) && a.IsSlow(c)
}

// sameSecret reports whether c's password or token is checked against the
// same configured secret in a as in prev.
func (a *Authenticator) sameSecret(prev *Authenticator, c *Credentials) bool {
	if prev == nil || c.MapCerts {
		return false
	}
	switch {
	case len(a.users) > 0:
		u, p := a.users[c.User], prev.users[c.User]
		return u != nil && p != nil && u.pass.equal(p.pass)
	case a.token.set:
		return prev.token.set && len(prev.users) == 0 && a.token.equal(prev.token)
	case a.user != "":
		return prev.user == a.user && len(prev.users) == 0 && a.pass.equal(prev.pass)
	}
	return false
}

// equal reports whether two configured secrets are the same value.
func (s secret) equal(o secret) bool {
	return s.set && o.set && s.isBcrypt == o.isBcrypt && s.sum == o.sum && bytes.Equal(s.hash, o.hash)
}
