package server

import (
	"errors"
	"time"
)

// Producer stall. gnet cannot stop reading a socket, so a publisher cannot be
// slowed by TCP back-pressure. Instead, when a PUB finds a subscriber more
// than 3/4 of max_pending behind, the publisher's remaining input is held and
// parsing resumes when that subscriber has drained to half of max_pending, or
// after maxStall, whichever comes first. Resuming at half rather than at the
// 3/4 mark leaves room for a quarter of max_pending before the next stall, so
// a publisher paced by a subscriber moves in batches, not a message per timer
// tick. The loop keeps serving everyone else meanwhile. When a stall runs out
// its maxStall budget, the publisher does not stall for that subscriber again
// until its next socket read, as nats-server bounds stalls per read loop: a
// subscriber that is still behind keeps receiving and is closed if it passes
// max_pending, while other subscribers can still pace the publisher.

const (
	maxStall       = 10 * time.Millisecond
	stallPoll      = time.Millisecond
	maxStalledHeld = 16 << 20
	// stallBudgetChunk is how much held input one stall budget covers: the
	// size of one socket read (gnet's read buffer).
	stallBudgetChunk = 64 << 10
)

// errStalled stops the parser after a PUB that asked for a stall.
var errStalled = errors.New("publisher stalled")

// beginStall holds rest and schedules the first check. Loop-only.
func (c *client) beginStall(rest []byte) {
	c.stalled = true
	if c.stallStart.IsZero() {
		c.stallStart = time.Now()
	}
	c.held = append(c.held, rest...)
	c.scheduleStallCheck()
}

// holdStalled keeps input that arrives during a stall. Past maxStalledHeld
// the stall ends early rather than buffering more.
func (c *client) holdStalled(data []byte) {
	c.held = append(c.held, data...)
	if len(c.held) > maxStalledHeld {
		c.endStall()
	}
}

func (c *client) scheduleStallCheck() {
	loop := c.conn.Loop()
	time.AfterFunc(stallPoll, func() { loop.Post(c.checkStall) })
}

// checkStall runs on the publisher's loop.
func (c *client) checkStall() {
	if !c.stalled || c.closing {
		return
	}
	dst := c.stallDst
	lim := c.srv.lim.Load()
	drained := dst == nil || dst.isSlowConsumer() || dst.queued() <= lim.maxPending/2
	if drained || time.Since(c.stallStart) >= maxStall {
		c.stallStart = time.Time{}
		if !drained {
			c.stallSpent = dst
		}
		c.endStall()
		return
	}
	c.scheduleStallCheck()
}

// endStall resumes parsing the held input, in pieces of at most
// stallBudgetChunk bytes with a fresh stall budget each, as nats-server
// grants one per read of at most that size: input that piled up during a
// stall is paced like input read later, not poured out at once. Loop-only.
func (c *client) endStall() {
	c.stalled = false
	c.stallDst = nil
	held := c.held
	c.held = nil
	for len(held) > 0 && !c.closing {
		n := min(len(held), stallBudgetChunk)
		c.process(held[:n])
		held = held[n:]
		if c.stalled {
			// Stalled again: beginStall kept the rest of this piece in a new
			// c.held; the pieces after it follow.
			c.held = append(c.held, held...)
			return
		}
		c.stallSpent = nil
	}
}
