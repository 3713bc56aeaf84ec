// Package server is the evnats broker: it turns reactor events into NATS
// client and route connections, routes messages through the sublist and
// applies auth, TLS and limits.
//
// # Threads
//
// Every connection (a client) belongs to one event loop. Its parser, TLS
// session, subscription map, permission cache and timers are touched only by
// that loop. Other loops reach a client in exactly three ways:
//
//   - through the shared sublist, which holds *subscription values (whose
//     delivered/max/removed fields are atomics);
//   - by appending MSG frames to their own reactor.Outbox for the client's loop
//     (see deliver.go): the reactor hands the batch over once per callback and
//     wakes the client's loop at most once;
//   - by calling Conn.Close or Loop.Post, both safe from any goroutine.
//
// # The delivery path
//
// A PUB read on loop A is matched against A's L1 cache of sublist results
// (dropped when the sublist generation changes). For each subscriber on A the
// frame is appended to the subscriber's Out buffer and the connection is
// marked dirty; for a subscriber on loop B it is appended to A's outbox for B.
// When the read callback returns, A hands its outboxes to their loops, then
// writes each dirty connection once. So a read carrying N messages for one
// subscriber costs one write, and one wake-up per destination loop.
//
// # Slow consumers
//
// A client whose queued bytes (Out, gnet's outbound buffer and bytes queued for
// it in other loops) exceed max_pending is closed as a slow consumer, and
// nothing more is queued for it. A socket that accepts nothing for
// write_deadline is closed the same way.
//
// A publisher that finds a subscriber past 3/4 of max_pending is stalled
// (stall.go): its remaining input is held for up to 10 ms while that
// subscriber drains to half of max_pending, so a fast publisher does not turn a healthy but slightly
// slower subscriber into a slow consumer. gnet cannot stop reading a socket,
// so this replaces TCP back-pressure; the loop keeps serving everyone else.
//
// # Slow work
//
// bcrypt comparisons and TLS handshakes run on two bounded worker lanes
// (workers.go). bcrypt uses at most half the cores; handshakes use every
// core while no messages flow and half of them while clients exchange
// messages (governor.go), so a storm of either leaves the loops CPU for
// established clients. The connection is paused (its
// input held, bounded) until the result is posted back to its loop; while
// a handshake step is out, the loop never touches the connection's TLS
// session (tls.go).
//
// Locks: Server.clientsMu (client registry, accept/close only), the sublist's
// own lock, closedRing.mu and stats.offendersMu are leaves: no lock is held
// while taking another.
package server
