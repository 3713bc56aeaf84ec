package server

import (
	"runtime"
	"time"
)

// The handshake governor decides how many TLS handshake steps may run at
// once (workers.go): every CPU while the loops carry no messages, half of
// them from the moment messages flow until they have been quiet for
// governorQuiet. One goroutine per server samples the loops' message
// counters every governorTick; nothing is added to the message path.
const (
	governorTick  = 20 * time.Millisecond
	governorQuiet = 250 * time.Millisecond
)

// runHandshakeGovernor samples the loops until the server shuts down.
func (s *Server) runHandshakeGovernor() {
	procs := runtime.GOMAXPROCS(0)
	idle, busy := procs, max(procs/2, 1)
	if idle == busy {
		return
	}
	t := time.NewTicker(governorTick)
	defer t.Stop()
	loops := s.engine.Loops() // all known since Start (reactor.discoverLoops)
	var last uint64
	var lastMoved time.Time
	current := busy
	for {
		select {
		case <-s.quit:
			return
		case now := <-t.C:
			var moved uint64
			if len(loops) < s.engine.NumLoops() {
				loops = s.engine.Loops()
			}
			for _, l := range loops {
				moved += l.Stats.InUnits.Load() + l.Stats.OutUnits.Load()
			}
			if moved != last {
				last, lastMoved = moved, now
			}
			want := idle
			if now.Sub(lastMoved) < governorQuiet {
				want = busy
			}
			if want != current {
				current = want
				s.workers.setHandshakeConcurrency(want)
			}
		}
	}
}
