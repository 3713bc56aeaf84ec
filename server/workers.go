package server

import "sync"

// workerPool runs slow work (bcrypt, dialing) off the event loops. Its size
// is bounded so that a storm of slow work leaves CPU for the loops.
type workerPool struct {
	tasks chan func()
	wg    sync.WaitGroup
	mu    sync.RWMutex
	done  bool
}

func newWorkerPool(n int) *workerPool {
	p := &workerPool{tasks: make(chan func(), 4096)}
	for range n {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for t := range p.tasks {
				t()
			}
		}()
	}
	return p
}

// submit queues fn. It reports false when the pool is stopped or its queue
// is full (the caller then refuses the work). Safe from any goroutine; never blocks.
func (p *workerPool) submit(fn func()) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.done {
		return false
	}
	select {
	case p.tasks <- fn:
		return true
	default:
		return false
	}
}

func (p *workerPool) stop() {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return
	}
	p.done = true
	close(p.tasks)
	p.mu.Unlock()
	p.wg.Wait()
}
