package bench

import (
	"sync"
	"sync/atomic"
	"time"
)

// gate keeps publishers from running more than a bounded number of messages
// ahead of their subscribers, so that a fast publisher measures the server's
// delivery rate instead of filling its outbound buffers until it drops
// subscribers as slow consumers.
//
// Publishers call sent and wait; subscribers call delivered once per read.
// All methods are safe for concurrent use.
type gate struct {
	fan   int64 // deliveries per published message
	limit int64 // deliveries allowed in flight

	published atomic.Int64
	arrived   atomic.Int64
	open      atomic.Bool  // flow control given up: a subscriber died or stalled
	waiters   atomic.Int32 // publishers blocked in wait
	stall     time.Duration

	mu   sync.Mutex
	wake chan struct{} // closed and replaced to wake all waiters
}

// newGate returns a gate for fan deliveries per message with at most ahead
// messages per subscriber in flight. A nil gate (fan 0 or disabled) never blocks.
func newGate(fan, ahead int64, stall time.Duration) *gate {
	if fan == 0 || ahead <= 0 {
		return nil
	}
	return &gate{fan: fan, limit: ahead * fan, stall: stall, wake: make(chan struct{})}
}

// sent records n more published messages.
func (g *gate) sent(n int64) {
	if g != nil {
		g.published.Add(n)
	}
}

// delivered records n more delivered messages and wakes blocked publishers.
func (g *gate) delivered(n int64) {
	if g == nil {
		return
	}
	g.arrived.Add(n)
	if g.waiters.Load() > 0 {
		g.broadcast()
	}
}

// release disables the gate for good, e.g. when a subscriber is gone and the
// deliveries it would have counted will never come.
func (g *gate) release() {
	if g == nil {
		return
	}
	g.open.Store(true)
	g.broadcast()
}

func (g *gate) broadcast() {
	g.mu.Lock()
	close(g.wake)
	g.wake = make(chan struct{})
	g.mu.Unlock()
}

func (g *gate) behind() bool {
	return !g.open.Load() && g.published.Load()*g.fan-g.arrived.Load() > g.limit
}

// wait blocks while too many deliveries are outstanding. It returns false if
// done was closed. If nothing arrives for the stall time, the gate opens for
// good and stalled reports it.
func (g *gate) wait(done <-chan struct{}) bool {
	if g == nil || !g.behind() {
		return true
	}
	g.waiters.Add(1)
	defer g.waiters.Add(-1)
	var timer *time.Timer
	last := g.arrived.Load()
	for g.behind() {
		g.mu.Lock()
		wake := g.wake
		g.mu.Unlock()
		if !g.behind() {
			break
		}
		if timer == nil {
			timer = time.NewTimer(g.stall)
			defer timer.Stop()
		}
		select {
		case <-done:
			return false
		case <-wake:
			if a := g.arrived.Load(); a != last {
				last = a
				timer.Reset(g.stall)
			}
		case <-timer.C:
			if g.arrived.Load() == last {
				g.release()
				return true
			}
			last = g.arrived.Load()
			timer.Reset(g.stall)
		}
	}
	return true
}

// stalled reports whether the gate gave up on flow control.
func (g *gate) stalled() bool {
	return g != nil && g.open.Load()
}
