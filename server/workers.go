package server

import (
	"errors"
	"sync"
)

// workerPool runs slow work off the event loops, in two lanes with their own
// goroutines so that one kind of work cannot starve the other:
//
//   - the general lane (submit): bcrypt verdicts of clients and routes. Its queue is
//     bounded (generalQueueMax); past that, work is refused and the caller
//     closes the connection instead of queueing minutes of bcrypt.
//   - the handshake lane (submitHandshake): TLS handshake steps (tls.go). Its
//     queue is not bounded by count: each connection has at most one step
//     queued or running, so the queue is bounded by the number of connections.
//
// The general lane has n = GOMAXPROCS/2 goroutines, so a bcrypt storm uses
// at most half the CPUs and the loops keep the rest. The handshake lane has
// GOMAXPROCS goroutines, but only as many run at once as its active limit
// allows: all of them while the loops carry no messages (a server that is
// only accepting connections should accept them as fast as the CPUs allow),
// half while clients exchange messages (see handshakeGovernor), so a
// reconnect storm cannot take the CPU from clients already in. Goroutines are
// created once, never per connection.
type workerPool struct {
	general    lane
	handshakes lane

	// inlineHandshakes makes the loops run handshake steps themselves, as a
	// baseline for the reconnect-storm measurement (tls_hostile_test.go). Set
	// before Start; read by the loops.
	inlineHandshakes bool
}

// generalQueueMax bounds the general lane's queue.
const generalQueueMax = 4096

var (
	errPoolStopped = errors.New("worker pool stopped")
	errPoolFull    = errors.New("worker pool queue full")
)

// newWorkerPool starts the lanes for a machine with procs usable CPUs.
func newWorkerPool(procs int) *workerPool {
	half := max(procs/2, 1)
	p := &workerPool{}
	p.general.start(half, generalQueueMax, false)
	p.handshakes.start(max(procs, 1), 0, true)
	p.handshakes.setActive(half)
	return p
}

// setHandshakeConcurrency sets how many handshake steps may run at once,
// between 1 and the lane's goroutines. Safe from any goroutine.
func (p *workerPool) setHandshakeConcurrency(n int) { p.handshakes.setActive(n) }

// submit queues fn on the general lane. It reports false after stop or when
// the queue is full (stopped tells which); it never blocks. Safe from any
// goroutine.
func (p *workerPool) submit(fn func()) bool { return p.general.submit(fn) == nil }

// stopped reports whether stop has been called. Safe from any goroutine.
func (p *workerPool) stopped() bool {
	p.general.mu.Lock()
	defer p.general.mu.Unlock()
	return p.general.done
}

// submitHandshake queues one TLS handshake step. It fails only after stop.
// Safe from any goroutine; never blocks.
func (p *workerPool) submitHandshake(fn func()) error { return p.handshakes.submit(fn) }

// running is the number of general tasks running now (tests watch it to see
// that a bcrypt comparison is in progress). Safe from any goroutine.
func (p *workerPool) running() int { return p.general.running() }

// stop ends both lanes and waits for their goroutines. Queued general work is
// dropped (its connections are closed by then); queued handshake steps still
// run, because each must close its TLS session to end the handshake coroutine.
// Safe to call more than once.
func (p *workerPool) stop() {
	p.general.stop()
	p.handshakes.stop()
}

// lane is a FIFO of tasks served by a fixed set of goroutines.
type lane struct {
	mu        sync.Mutex
	cond      sync.Cond
	queue     []func() // tasks waiting, oldest at head
	head      int
	limit     int  // maximum queued tasks; 0 = no limit
	drain     bool // on stop, run what is queued instead of dropping it
	done      bool
	workers   int // goroutines
	active    int // tasks taken and not finished
	maxActive int // bound on active (setActive); starts at workers
	wg        sync.WaitGroup
}

func (l *lane) start(n, limit int, drain bool) {
	l.cond.L = &l.mu
	l.limit, l.drain = limit, drain
	l.workers, l.maxActive = n, n
	for range n {
		l.wg.Add(1)
		go l.work()
	}
}

func (l *lane) submit(fn func()) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return errPoolStopped
	}
	if l.limit > 0 && len(l.queue)-l.head >= l.limit {
		return errPoolFull
	}
	if l.head > 0 && len(l.queue) == cap(l.queue) {
		// Reuse the room in front of head before growing the array.
		n := copy(l.queue, l.queue[l.head:])
		clear(l.queue[n:])
		l.queue, l.head = l.queue[:n], 0
	}
	l.queue = append(l.queue, fn)
	l.cond.Signal()
	return nil
}

// next blocks until a task is queued, or returns nil when the lane stops.
func (l *lane) next() func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if l.head < len(l.queue) && (!l.done || l.drain) && (l.active < l.maxActive || l.done) {
			l.active++
			fn := l.queue[l.head]
			l.queue[l.head] = nil
			l.head++
			if l.head == len(l.queue) {
				// Empty: start again at the front of the same array.
				l.queue, l.head = l.queue[:0], 0
			}
			return fn
		}
		if l.done {
			return nil
		}
		l.cond.Wait()
	}
}

func (l *lane) work() {
	defer l.wg.Done()
	for fn := l.next(); fn != nil; fn = l.next() {
		fn()
		l.mu.Lock()
		l.active--
		l.cond.Signal()
		l.mu.Unlock()
	}
}

// running is the number of tasks taken and not finished.
func (l *lane) running() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.active
}

// setActive sets how many tasks may run at once, clamped to [1, workers].
func (l *lane) setActive(n int) {
	l.mu.Lock()
	l.maxActive = min(max(n, 1), l.workers)
	l.cond.Broadcast()
	l.mu.Unlock()
}

func (l *lane) stop() {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		l.wg.Wait()
		return
	}
	l.done = true
	if !l.drain {
		clear(l.queue)
		l.queue, l.head = nil, 0
	}
	l.cond.Broadcast()
	l.mu.Unlock()
	l.wg.Wait()
}
