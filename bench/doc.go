// Package bench is a NATS load generator and the harness that compares evnats
// with nats-server. The evnats-bench command (cmd/evnats-bench) is a thin
// wrapper around Main.
//
// # What it does
//
// Run drives one scenario (pub, sub, pubsub, fanout, queue, reqrep) against
// one or more servers and returns a Report: per-role and aggregate msgs/s and
// MiB/s, the per-client spread, latency percentiles from an HDR histogram,
// connect times, messages lost (expected minus delivered), subscriber
// connections the server closed (slow consumers), and the generator's own CPU
// time. Loss and slow consumers are reported, never hidden or retried.
//
// The generator speaks the NATS client protocol directly over net.Conn (TLS via
// crypto/tls), using package proto's client-mode Parser and encoders:
//
//   - A publisher writes prebuilt 64 KiB batches of PUB frames, each batch ending
//     in a PING, and patches a send timestamp into every payload of 8 bytes or
//     more just before the write. It keeps at most Window PINGs unanswered, so
//     its final PONG means the server has processed every message.
//   - A subscriber reads 256 KiB at a time and parses with no allocation per
//     message; it takes one clock reading per read and records publish-to-
//     receive latency from the payload timestamp.
//   - Flow control: besides the PING window, publishers wait on a gate while
//     more than Window batches' worth of deliveries per subscriber are
//     outstanding, so a run measures what the server can deliver rather than
//     how much it can buffer before dropping a slow consumer. If a subscriber
//     dies or nothing arrives for two seconds, the gate opens for good and the
//     report says so. NoFlowControl turns the gate off.
//   - A requester has one request in flight; repliers (a queue group) echo the
//     payload, so the round trip is measured from the echoed timestamp.
//
// Every run is bounded by a message count or a duration, and by Config.Timeout.
// Connection failures (refused, -ERR such as 'Authorization Violation', TLS
// mismatch, no INFO) end a run with a one-line error.
//
// `evnats-bench compare` finds nats-server v2.15.3 (in
// $XDG_CACHE_HOME/evnats-bench or ~/.cache/evnats-bench, in .cache/bin of the
// source tree where CI puts it, or else installs it there with `go install`),
// builds ./cmd/evnats, starts both on loopback ports as child processes and
// measures each row of compareRows against both, alternating A B A B for
// --rounds rounds. Server CPU comes from /proc/PID/stat sampled at the exact
// start and end of each measurement (Config.OnStart, OnStop); idle-connection
// memory from /proc/PID/status VmRSS of a fresh server before and after 10,000
// connections. Two rows measure TLS under connection churn (churn.go): the
// handshakes per second a server completes for 100 clients that connect
// (full handshake, CONNECT, PING/PONG) and close over and over, with its CPU
// per handshake; and the request/reply latency of an established client while
// 500 such clients reconnect. The validate row runs `nats bench` (natscli
// v0.5.0) and this generator, both as child processes measured the same way,
// against one nats-server; the gobench row runs the server package's Go
// benchmarks. compare prints Markdown and, with -o, writes it to a file such
// as bench/RESULTS.md. When a row fails, or is not run because the 10-minute
// budget ran out, compare exits 1 and writes FILE.partial instead, leaving
// FILE as it was. `evnats-bench validate` runs the validate row alone.
//
// # What it must not know
//
// Nothing about evnats internals: it talks to servers only over sockets and
// /proc, so the same code measures nats-server and evnats. The main module never
// depends on nats-server or natscli; they are installed as separate binaries.
// Only the tests import package server, to run an in-process evnats.
//
// # Concurrency
//
// Run may be called concurrently; each call owns its connections and
// goroutines (one per subscriber, two per publisher, one per requester) and
// waits for all of them before it returns. Config is read, not kept. Report
// is plain data. Main handles SIGINT by cancelling the run in progress.
//
// # Example
//
//	rep, err := bench.Run(ctx, &bench.Config{
//		Scenario: bench.ScenarioFanout,
//		URLs:     []string{"nats://127.0.0.1:4222"},
//		Msgs:     1_000_000,
//		Size:     128,
//		Pubs:     1,
//		Subs:     10,
//	})
//	if err != nil {
//		return err
//	}
//	return rep.WriteText(os.Stdout)
package bench
