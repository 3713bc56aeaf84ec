package server

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evnats/evnats/proto"
)

// benchSub is a raw subscriber that counts MSG frames with the client parser.
type benchSub struct {
	proto.NopHandler
	conn net.Conn
	n    atomic.Int64
}

func (b *benchSub) Msg(_, _, _, _ []byte) error {
	b.n.Add(1)
	return nil
}

func (b *benchSub) Ping() error {
	_, err := b.conn.Write(proto.PongFrame)
	return err
}

func (b *benchSub) readLoop() {
	p := proto.NewParser(proto.ModeClient)
	buf := make([]byte, 256<<10)
	for {
		n, err := b.conn.Read(buf)
		if n > 0 {
			if perr := p.Parse(buf[:n], b); perr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func dialBench(b *testing.B, s *Server) net.Conn {
	b.Helper()
	c, err := net.Dial("tcp", s.ClientAddr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	// Read INFO, then CONNECT quietly.
	line := make([]byte, 4096)
	if _, err := c.Read(line); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Write([]byte("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n")); err != nil {
		b.Fatal(err)
	}
	return c
}

// syncConn sends PING and waits for the PONG, so earlier operations are done.
func syncConn(b *testing.B, c net.Conn) {
	b.Helper()
	if _, err := c.Write(proto.PingFrame); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 4096)
	var got []byte
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	for !bytes.Contains(got, []byte("PONG\r\n")) {
		n, err := c.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
}

// runFanout publishes b.N messages of size bytes to subs subscribers and
// waits until every subscriber has all of them.
func runFanout(b *testing.B, subs, size int) {
	s := runServer(b, nil)
	receivers := make([]*benchSub, subs)
	var wg sync.WaitGroup
	for i := range receivers {
		c := dialBench(b, s)
		if _, err := c.Write([]byte("SUB bench 1\r\n")); err != nil {
			b.Fatal(err)
		}
		syncConn(b, c)
		r := &benchSub{conn: c}
		receivers[i] = r
		wg.Add(1)
		go func() { defer wg.Done(); r.readLoop() }()
	}
	pub := dialBench(b, s)
	syncConn(b, pub)

	minReceived := func() int64 {
		m := receivers[0].n.Load()
		for _, r := range receivers[1:] {
			m = min(m, r.n.Load())
		}
		return m
	}
	pumpPublishes(b, pub, size, minReceived, "subscribers")
	elapsed := b.Elapsed().Seconds()
	if elapsed > 0 {
		b.ReportMetric(float64(b.N*subs)/elapsed, "delivered/s")
	}
	for _, r := range receivers {
		_ = r.conn.Close()
	}
	wg.Wait()
}

// pumpPublishes times b.N publishes of size-byte payloads to "bench",
// written in 64 KiB chunks and kept within a window of what received (the
// slowest receiver's count) reports, until every message has arrived. It
// stops the timer at the end.
func pumpPublishes(b *testing.B, pub net.Conn, size int, received func() int64, who string) {
	b.Helper()
	frame := proto.AppendPub(nil, []byte("bench"), nil, make([]byte, size))
	perChunk := max(1, (64<<10)/len(frame))
	chunk := bytes.Repeat(frame, perChunk)
	window := int64(max(20000, 4*perChunk))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	sent := 0
	for sent < b.N {
		k := min(perChunk, b.N-sent)
		if _, err := pub.Write(chunk[:k*len(frame)]); err != nil {
			b.Fatal(err)
		}
		sent += k
		for int64(sent)-received() > window {
			time.Sleep(50 * time.Microsecond)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for received() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("%s stuck at %d of %d", who, received(), b.N)
		}
		time.Sleep(50 * time.Microsecond)
	}
	b.StopTimer()
}

// BenchmarkPubSub is one publisher and one subscriber through the server on
// loopback.
func BenchmarkPubSub(b *testing.B) {
	for _, size := range []int{16, 128, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) { runFanout(b, 1, size) })
	}
}

// BenchmarkFanout is one publisher and 100 subscribers of the same subject.
func BenchmarkFanout(b *testing.B) {
	for _, subs := range []int{10, 100} {
		b.Run(fmt.Sprintf("1to%d_128B", subs), func(b *testing.B) { runFanout(b, subs, 128) })
	}
}
