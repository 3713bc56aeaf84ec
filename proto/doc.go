// Package proto parses and encodes the NATS wire protocol: the client
// protocol as spoken by nats-server v2.15 (CONNECT, INFO, PUB, HPUB, SUB,
// UNSUB, MSG, HMSG, PING, PONG, +OK, -ERR) and the route protocol (RS+, RS-,
// RMSG and the route HMSG form, with LS+, LS- and LMSG read as their R
// twins).
//
// # What it does
//
// Parser is a byte-level state machine. Parse consumes every byte it is
// given, keeps partial operations across calls and reports each complete
// operation to a typed Handler, with arguments that are sub-slices of the
// input: no copying and no allocation per operation. Only an operation that
// straddles two Parse calls is copied, its control line into a scratch
// buffer and its payload into a payload buffer, both owned by the Parser and
// reused. A payload in the input is skipped over, never scanned. The Mode
// (server side, client side, route) decides which operations are accepted.
//
// Malformed input yields a *ProtocolError whose Text is the exact -ERR text
// nats-server would send (or "" when it closes silently) and whose Log is a
// line for the server log. The caller sends AppendErr(Text) if Text is not
// empty and closes the connection.
//
// The AppendXxx encoders write complete frames into a caller's buffer,
// growing it at most once.
//
// # What it must not know
//
// proto imports only the standard library. It knows nothing of sockets,
// event loops, servers, accounts, permissions, locks or authentication: it
// does not validate subjects or decode CONNECT/INFO JSON. Those are the
// caller's business, done in the Handler.
//
// # Concurrency
//
// A Parser belongs to one connection and must be used by one goroutine at a
// time, normally the connection's event loop; Handler methods run on that
// goroutine, synchronously inside Parse. Slices passed to a Handler are
// valid only until the method returns. Encoders, ParseSize and the error
// values are safe for concurrent use; the shared frames PingFrame,
// PongFrame and OKFrame must never be modified.
//
// # Example
//
//	type conn struct {
//		proto.NopHandler
//		out []byte
//	}
//
//	func (c *conn) Pub(subject, reply, payload []byte) error {
//		c.out = proto.AppendMsg(c.out, subject, []byte("1"), reply, payload)
//		return nil
//	}
//
//	p := proto.NewParser(proto.ModeServer)
//	p.MaxPayload = 1 << 20
//	c := &conn{}
//	if err := p.Parse(data, c); err != nil {
//		var pe *proto.ProtocolError
//		if errors.As(err, &pe) && pe.Text != "" {
//			c.out = proto.AppendErr(c.out, pe.Text)
//		}
//		// flush c.out, then close the connection
//	}
package proto
