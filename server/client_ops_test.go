package server

import (
	"io"
	"testing"
	"time"

	"github.com/evnats/evnats/options"
)

// TestClientSendsServerOperations checks what nats-server does when a client
// sends operations only a server sends: INFO and +OK are ignored, -ERR
// closes the connection without an -ERR in reply; before CONNECT, with auth
// required, each is an Authorization Violation.
func TestClientSendsServerOperations(t *testing.T) {
	t.Run("info and ok ignored", func(t *testing.T) {
		s := runServer(t, nil)
		r := dialRaw(t, s)
		r.connectRaw(`{"verbose":false}`)
		r.send("INFO {\"server_id\":\"X\"}\r\n+OK\r\nPING\r\n")
		r.expect(`^PONG$`)
	})
	t.Run("err closes silently", func(t *testing.T) {
		s, logs := runServerLog(t, nil)
		r := dialRaw(t, s)
		r.connectRaw(`{"verbose":false}`)
		r.send("-ERR 'client trouble'\r\n")
		_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		rest, err := io.ReadAll(r.br)
		if err != nil {
			t.Fatalf("connection not closed: %v", err)
		}
		if len(rest) != 0 {
			t.Fatalf("server answered %q; want a silent close", rest)
		}
		logs.waitLine(t, `\[ERR\] 127\.0\.0\.1:\d+ - cid:\d+ - Client Error client trouble`)
	})
	t.Run("info before connect with auth", func(t *testing.T) {
		s := runServer(t, func(o *options.Options) { o.Auth.Username, o.Auth.Password = "u", "p" })
		r := dialRaw(t, s)
		r.expect(`^INFO `)
		r.send("INFO {}\r\n")
		r.expect(`^-ERR 'Authorization Violation'$`)
		r.expectClosed()
	})
}
