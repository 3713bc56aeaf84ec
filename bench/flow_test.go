package bench

import (
	"sync"
	"testing"
	"time"
)

func TestGateBlocksUntilDelivered(t *testing.T) {
	g := newGate(2, 10, time.Minute) // 2 deliveries per message, 10 messages ahead
	done := make(chan struct{})
	g.sent(10)
	if !g.wait(done) {
		t.Fatal("wait failed within the limit")
	}
	g.sent(1) // 22 deliveries outstanding > 20
	passed := make(chan bool)
	go func() { passed <- g.wait(done) }()
	g.delivered(1) // 21 outstanding: still blocked
	g.delivered(1) // 20 outstanding: released
	if !<-passed {
		t.Fatal("wait reported failure after deliveries caught up")
	}
	if g.stalled() {
		t.Error("gate reports a stall")
	}
}

func TestGateStopAndStall(t *testing.T) {
	g := newGate(1, 1, 20*time.Millisecond)
	g.sent(5)
	done := make(chan struct{})
	if !g.wait(done) || !g.stalled() {
		t.Fatal("a gate without deliveries did not open after the stall time")
	}
	g2 := newGate(1, 1, time.Minute)
	g2.sent(5)
	close(done)
	if g2.wait(done) {
		t.Fatal("wait returned true after done was closed")
	}
}

func TestGateRelease(t *testing.T) {
	g := newGate(1, 1, time.Minute)
	g.sent(100)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if !g.wait(make(chan struct{})) {
				t.Error("wait failed")
			}
		})
	}
	g.release()
	wg.Wait()
	if !g.stalled() {
		t.Error("released gate does not report it")
	}
}

func TestNilGate(t *testing.T) {
	var g *gate = newGate(0, 10, time.Second)
	g.sent(1 << 40)
	g.delivered(1)
	g.release()
	if !g.wait(nil) || g.stalled() {
		t.Error("nil gate blocked or stalled")
	}
}
