package server

import (
	"fmt"
	"testing"
	"time"
)

// TestHandshakeLaneConcurrency checks that the handshake lane runs no more
// steps at once than its active limit, and more as soon as it is raised.
func TestHandshakeLaneConcurrency(t *testing.T) {
	p := newWorkerPool(4)
	t.Cleanup(p.stop)
	p.setHandshakeConcurrency(1)
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	for range 4 {
		if err := p.submitHandshake(func() { started <- struct{}{}; <-release }); err != nil {
			t.Fatal(err)
		}
	}
	<-started
	// The other three are queued, not running: the lane keeps them until
	// the limit rises.
	if n := p.handshakes.running(); n != 1 {
		t.Fatalf("%d handshake steps running with a limit of 1", n)
	}
	select {
	case <-started:
		t.Fatal("a second step started with a limit of 1")
	case <-time.After(50 * time.Millisecond):
	}
	p.setHandshakeConcurrency(4)
	for range 3 {
		<-started
	}
	if n := p.handshakes.running(); n != 4 {
		t.Fatalf("%d handshake steps running with a limit of 4", n)
	}
	close(release)
}

// TestHandshakeGovernor checks that the governor gives handshakes every CPU
// while no messages flow and half of them while they do.
func TestHandshakeGovernor(t *testing.T) {
	s := runServer(t, nil)
	lane := &s.workers.handshakes
	limit := func() int {
		lane.mu.Lock()
		defer lane.mu.Unlock()
		return lane.maxActive
	}
	if lane.workers < 2 {
		t.Skip("one CPU: the governor has nothing to choose")
	}
	waitFor(t, 5*time.Second, func() error {
		if got := limit(); got != lane.workers {
			return fmt.Errorf("idle server: limit %d, want %d", got, lane.workers)
		}
		return nil
	})
	nc := connect(t, s)
	mustSub(t, nc, "traffic", "") // so that messages are delivered, not only received
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				_ = nc.Publish("traffic", []byte("x"))
				time.Sleep(time.Millisecond)
			}
		}
	}()
	waitFor(t, 5*time.Second, func() error {
		if got := limit(); got != max(lane.workers/2, 1) {
			return fmt.Errorf("busy server: limit %d, want %d", got, max(lane.workers/2, 1))
		}
		return nil
	})
}
