package server

import (
	"fmt"
	"testing"
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
	pumpPublishes(b, pub, size, sub.n.Load, "subscriber on B")
	if el := b.Elapsed().Seconds(); el > 0 {
		b.ReportMetric(float64(b.N)/el, "msgs/s")
	}
	_ = c.Close()
	<-done
}
