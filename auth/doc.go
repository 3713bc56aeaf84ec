// Package auth decides who a client is and what it may do.
//
// It turns the plain-data Config (the `authorization {}` block and the --user,
// --pass and --auth flags) into an immutable Authenticator that checks the
// credentials of a CONNECT: a single user/password, a token, a users list, or a
// TLS client certificate mapped to a user (verify_and_map). Passwords and
// tokens are compared with bcrypt when they look like bcrypt hashes
// (`$2a$11$...`) and in constant time otherwise. RouteAuth does the same for the
// `cluster { authorization {} }` block.
//
// Permissions are compiled once per user (CompiledPermissions, immutable) and
// enforced per connection by a ConnPermissions, which caches publish decisions
// so that a permitted publish allocates nothing, and tracks allow_responses
// grants.
//
// What it must not know: sockets, event loops, TLS handshakes (it only reads the
// verified chains the handshake produced), the NATS parser, or logging. Errors
// carry the text the caller logs; the caller picks the -ERR it sends.
//
// Concurrency: Authenticator, RouteAuth and CompiledPermissions are immutable
// after construction and safe for concurrent use; on reload, build new ones and
// swap them in. Check may run bcrypt (tens of milliseconds at cost 11): when
// IsSlow reports true, call it from a worker goroutine, not an event loop.
// ConnPermissions belongs to one connection and must only be used by the
// goroutine (event loop) that owns that connection.
//
// Example:
//
//	a, err := auth.New(cfg)
//	if err != nil {
//		return err
//	}
//	creds := &auth.Credentials{User: connect.User, Pass: connect.Pass, Token: connect.AuthToken}
//	id, err := a.Check(creds) // off the loop when a.IsSlow(creds)
//	if err != nil {
//		log.Errorf("%v", err) // then send -ERR 'Authorization Violation' and close
//		return
//	}
//	perms := auth.NewConnPermissions(id.Perms, time.Now)
//	if !perms.CanPublish(subject) {
//		sendErr(auth.PublishViolation(subject))
//	}
package auth
