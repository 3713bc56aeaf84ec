// Package reactor runs non-blocking sockets on a fixed set of gnet event loops and
// moves bytes between loops in batches.
//
// It knows nothing of NATS, TLS or any protocol: a Handler sees connections open,
// receive bytes, flush and close, and decides what the bytes mean.
//
// # Ownership
//
// Every Conn belongs to exactly one Loop, the one gnet accepted or enrolled it on.
// Its socket, its Out buffer and its handler state are touched only from that
// loop's goroutine: inside Handler callbacks for that Conn, or for any other Conn
// of the same Loop. Code running on loop A never writes a Conn of loop B; it
// appends bytes to A's Outbox for B instead.
//
// # Delivery between loops
//
// An Outbox is a loop-private arena of (destination, bytes) records for one
// destination loop. While a callback runs, loop A appends frames for B's
// connections to A's outbox for B without locks. When the callback returns, A
// hands every non-empty outbox to its destination's inbox (one mutex acquisition
// per destination) and wakes the destination once, and only if the inbox was
// empty. B then copies each record into the destination Conn's Out buffer and
// flushes every touched Conn once. A batch of N messages for the same loop so
// costs one hand-off and at most one wake-up, not N.
//
// # Flushing
//
// Bytes appended to Conn.Out become visible to the peer at the end of the current
// callback: the loop calls Handler.OnFlush once for every Conn marked dirty, so a
// read that produced a hundred frames for one destination writes it once.
//
// # Timers
//
// The engine ticks every Config.Tick; each tick runs Handler.OnTick on every loop
// (through the loop's task queue), so timeouts are checked on the owning loop
// without a goroutine or timer per connection.
package reactor
