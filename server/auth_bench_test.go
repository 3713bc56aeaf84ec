package server

import (
	"testing"

	"github.com/evnats/evnats/options"
)

const benchPermsConf = `
authorization {
  users = [
    {user: open, password: pw}
    {user: limited, password: pw, permissions: {
      publish: {allow: ["bench.>", "orders.*", "x.y.z"], deny: ["bench.secret.>"]}
      subscribe: "_INBOX.>"
    }}
  ]
}`

// pubHarness feeds parsed PUBs straight to a connected client's processPub,
// on the client's own loop, the way the parser does.
type pubHarness struct {
	c                *client
	subject, payload []byte
	done             chan struct{}
}

// newPubHarness connects a raw client as user and returns a harness for it.
func newPubHarness(tb testing.TB, user string) *pubHarness {
	tb.Helper()
	s, _ := runConf(tb, benchPermsConf, func(o *options.Options) { o.Loops = 1 })
	r := dialRaw(tb, s)
	r.connectRaw(`{"verbose":false,"user":"` + user + `","pass":"pw"}`)
	r.send("PING\r\n")
	r.expect(`^PONG$`)
	var c *client
	s.clientsMu.Lock()
	for _, x := range s.clients {
		c = x // the only client
	}
	s.clientsMu.Unlock()
	h := &pubHarness{c: c, subject: []byte("bench.orders.eu"), payload: make([]byte, 128), done: make(chan struct{})}
	h.run(1000) // warm the L1 cache and the permission cache
	return h
}

// run publishes n messages in one loop callback and waits for it to end.
func (h *pubHarness) run(n int) {
	h.c.conn.Loop().Post(func() {
		for range n {
			if err := h.c.processPub(h.subject, nil, -1, h.payload); err != nil {
				panic(err)
			}
		}
		h.done <- struct{}{}
	})
	<-h.done
}

// BenchmarkPublishPermissions is the server's publish path (no subscriber)
// for a user without permissions and for one with allow and deny lists.
func BenchmarkPublishPermissions(b *testing.B) {
	for _, user := range []string{"open", "limited"} {
		b.Run(user, func(b *testing.B) {
			h := newPubHarness(b, user)
			if (h.c.perms != nil) != (user == "limited") {
				b.Fatal("wrong user")
			}
			const batch = 4096
			b.ReportAllocs()
			b.ResetTimer()
			for left := b.N; left > 0; left -= batch {
				h.run(min(left, batch))
			}
		})
	}
}
