// Package tlsengine runs standard crypto/tls connections over in-memory buffers, so that an
// event loop can own TLS connections without a goroutine per connection, and builds the
// *tls.Config values for the client port, routes, the HTTPS monitor and outgoing dials
// from a `tls {}` block (Config).
//
// It knows nothing of sockets, gnet, the NATS protocol or logging, and imports only the
// standard library. crypto/tls is used as is: no fork, so its security fixes keep flowing.
//
// # Using a Session
//
// The owner feeds received ciphertext in and sends whatever the Session wants sent:
//
//	s := tlsengine.NewServerSession(cfg) // after writing the plaintext INFO
//	// on every read from the socket:
//	plain, err := s.Feed(data)
//	send(s.Outbound())                   // always, even when err != nil
//	if s.JustCompleted() { log("TLS handshake complete") }
//	if err != nil { closeConn() }        // io.EOF: the peer sent close_notify
//	handle(plain)                        // valid until the next call on s
//	// to send application data, once per batch:
//	_ = s.Write(batch); send(s.Outbound())
//	// when the connection closes, or the handshake timer fires:
//	s.Close()
//
// # Concurrency
//
// A Session belongs to one goroutine at a time, normally the event loop that owns the
// connection; it has no locks. tls.Config callbacks (VerifyConnection, GetCertificate, ...)
// run on that goroutine in the middle of Feed or Start: they must not block and must not call
// the Session. The Config builders and the package functions are safe from any goroutine.
// Nothing in the package starts a goroutine that outlives the call that started it.
//
// # How the handshake runs
//
// crypto/tls latches every handshake error (conn.go: c.handshakeErr), so a handshake cannot be
// stopped with a "would block" error and resumed later. Instead tls.Conn.Handshake runs as a
// coroutine (iter.Pull) on the caller's goroutine. When crypto/tls reads and no ciphertext is
// buffered, the in-memory net.Conn yields to the caller, which returns from Feed; the next Feed
// appends ciphertext and resumes the coroutine where it stopped. Caller and coroutine never run
// at the same time, and a switch costs about 0.1 us. While paused, the handshake holds the
// tls.Conn's handshake mutex and input lock, so the Session does not touch the tls.Conn until
// the coroutine has returned: ConnectionState is empty and Write fails until then. A paused
// coroutine is a parked goroutine, so Close resumes it with yield returning false; the
// in-memory Read then fails, Handshake returns, the coroutine ends, and only then does Close
// return. Every started Session must be closed, or its coroutine stays parked forever.
// Handshake timeouts are the caller's: on expiry, close the socket and the Session.
//
// # After the handshake
//
// The in-memory net.Conn answers an empty read with a net.Error whose Temporary() is true;
// crypto/tls does not latch those (readRecordOrCCS), so Feed calls tls.Conn.Read until it
// stops producing data. Read returns at most one record per call and may return data with an
// error, which Feed keeps; io.EOF is close_notify. crypto/tls is handed whole records only, so
// Feed knows when crypto/tls holds no more ciphertext and stops without a final would-block
// probe, and a Feed that completes no record does not call crypto/tls at all. Input that does
// not look like TLS records is handed over as it comes, so crypto/tls reports its own error
// ("first record does not look like a TLS handshake" for a plaintext client).
// Reading may make crypto/tls write (a TLS 1.3 KeyUpdate answer, alerts): send Outbound after
// every Feed. Write is one tls.Conn.Write per outbound batch; the builders set
// DynamicRecordSizingDisabled so records are full-size (16 KiB) from the first byte. Only the
// owner encrypts, so record sequence numbers follow the order bytes reach the socket.
//
// # Costs
//
// Benchmarks (session_timing_test.go) on a shared 2-core machine under heavy load; best of 5
// runs, medians were 1.5-3x higher:
//   - Write+Outbound: 16 B ~0.3-0.7 us, 1 KiB ~0.6-0.8 us, 0 allocations.
//   - Write of one message, Feed of its record on the peer (TLS 1.3, median of 6 quieter
//     runs): 16 B ~0.55 us, 1 KiB ~1.2 us; a stock tls.Conn pair over a buffered in-memory pipe
//     took ~0.70 and ~2.7 us (BenchmarkStockConn). One 24-byte allocation, which is
//     crypto/tls's: Feed allocates nothing of its own, and crypto/tls allocates an
//     atLeastReader each time it refills its empty raw input buffer (readFromUntil). That is
//     once per Feed when the Feed's records fit in that buffer (about 10 KiB), never once per
//     record, and zero for a Feed that completes no record (alloc_test.go).
//   - Full handshake, both sides in one goroutine, the client verifying the chain: ECDSA P-256
//     ~0.7 ms (TLS 1.2), ~1.2 ms (TLS 1.3, whose X25519MLKEM768 exchange is most of the cost);
//     RSA-2048 ~3 ms. The server's share is roughly 40%. The coroutine adds nothing measurable.
//
// An established, idle server Session holds about 9 KB (TLS 1.2) or 13 KB (TLS 1.3) of heap,
// mostly crypto/tls's; its own inbound, plaintext and outbound buffers keep the capacity of the
// largest batch seen. FeedAppend lets a loop decrypt every Session into one shared buffer.
package tlsengine
