package server

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/evnats/evnats/proto"
)

// BenchmarkRouteThroughput publishes on A and receives on B, one route hop
// over loopback: raw publisher and subscriber, the publisher kept at most a
// window of messages ahead so that the route never reaches max_pending.
func BenchmarkRouteThroughput(b *testing.B) {
	for _, size := range []int{16, 128, 1024} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) { runRouteBench(b, size) })
	}
}

func runRouteBench(b *testing.B, size int) {
	a, _ := startNode(b, clusterOptions("A"))
	bs, _ := startNode(b, clusterOptions("B", a))
	waitForMesh(b, a, bs)

	c := dialBench(b, bs)
	if _, err := c.Write([]byte("SUB bench 1\r\n")); err != nil {
		b.Fatal(err)
	}
	syncConn(b, c)
	sub := &benchSub{conn: c}
	done := make(chan struct{})
	go func() { defer close(done); sub.readLoop() }()
	waitPlainInterest(b, a, "bench", 1)

	pub := dialBench(b, a)
	syncConn(b, pub)
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
		for int64(sent)-sub.n.Load() > window {
			time.Sleep(50 * time.Microsecond)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for sub.n.Load() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("subscriber on B stuck at %d of %d", sub.n.Load(), b.N)
		}
		time.Sleep(50 * time.Microsecond)
	}
	b.StopTimer()
	if el := b.Elapsed().Seconds(); el > 0 {
		b.ReportMetric(float64(b.N)/el, "msgs/s")
	}
	_ = c.Close()
	<-done
}
