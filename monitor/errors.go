package monitor

import (
	"errors"
	"fmt"
)

// errMonitorBadRequest marks errors caused by the request itself. The handler
// answers them with HTTP 400 and the error text as the whole body, as
// nats-server does.
var errMonitorBadRequest = errors.New("monitor: bad request")

// requestError carries the exact text nats-server sends for a rejected query.
// It matches errMonitorBadRequest under errors.Is.
type requestError struct{ text string }

func (e *requestError) Error() string { return e.text }

func (e *requestError) Is(target error) bool { return target == errMonitorBadRequest }

func badRequest(format string, args ...any) error {
	return &requestError{text: fmt.Sprintf(format, args...)}
}
