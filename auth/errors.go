package auth

import (
	"errors"
	"fmt"
)

// ErrAuthorization is the -ERR text sent to a client whose credentials are
// refused. Every error returned by Check, RouteAuth.Check and
// RouteAuth.CheckCert satisfies errors.Is(err, ErrAuthorization).
//
//nolint:staticcheck // ST1005: this is the exact nats-server protocol text.
var ErrAuthorization = errors.New("Authorization Violation")

// Configuration errors returned by New and NewRouteAuth. The first three carry
// the nats-server texts.
//
//nolint:staticcheck // ST1005: nats-server's capitalized texts.
var (
	errUserAndToken  = errors.New("Cannot have a user/pass and token")
	errUserAndUsers  = errors.New("Can not have a single user/pass and a users array")
	errTokenAndUsers = errors.New("Can not have a token and a users array")
	errPassNoUser    = errors.New("a password needs a user")
	errNegTimeout    = errors.New("authorization timeout must not be negative")
)

// authError is a refused login. Its text is for the server log (nats-server logs
// these at error level) and never contains a password or token; it unwraps to
// ErrAuthorization.
type authError struct {
	msg string
}

func (e *authError) Error() string { return e.msg }

func (e *authError) Unwrap() error { return ErrAuthorization }

// refuse builds an authError. The arguments must never include a secret.
func refuse(format string, args ...any) error {
	return &authError{msg: "authentication error" + fmt.Sprintf(format, args...)}
}

// PublishViolation returns the -ERR text for a refused PUB:
// `Permissions Violation for Publish to "subject"`. Safe for concurrent use; it
// allocates, so call it only on the (rare) refusal path.
func PublishViolation(subject []byte) string {
	return fmt.Sprintf("Permissions Violation for Publish to %q", subject)
}

// PublishReplyViolation returns the -ERR text for a PUB whose reply subject the
// publisher may not receive: `Permissions Violation for Publish with Reply of "reply"`.
func PublishReplyViolation(reply []byte) string {
	return fmt.Sprintf("Permissions Violation for Publish with Reply of %q", reply)
}

// SubscribeViolation returns the -ERR text for a refused SUB:
// `Permissions Violation for Subscription to "subject"`, with
// ` using queue "q"` appended when queue is not empty.
func SubscribeViolation(subject, queue []byte) string {
	if len(queue) == 0 {
		return fmt.Sprintf("Permissions Violation for Subscription to %q", subject)
	}
	return fmt.Sprintf("Permissions Violation for Subscription to %q using queue %q", subject, queue)
}
