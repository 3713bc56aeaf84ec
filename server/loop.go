package server

import (
	"time"

	"github.com/evnats/evnats/reactor"
	"github.com/evnats/evnats/sublist"
)

// loopState is the server's per-loop state, kept in reactor.Loop.Data. Only
// its loop touches the non-atomic fields.
type loopState struct {
	loop    *reactor.Loop
	clients map[*client]struct{}

	// L1 match cache: results of the shared sublist, valid for one generation.
	cacheGen uint64
	cache    map[string]*sublist.Result[*subscription]

	// qrand picks queue members; a cheap xorshift, loop-private.
	qrand uint64

	// routeTargets collects, per message, which routes get it and for which
	// queue groups; reused.
	routeTargets []routeTarget

	// frames formats the message being delivered (deliver.go).
	frames msgFrames

	now time.Time
}

const l1CacheMax = 2048

// loopState returns l's state, creating it on first use. Only l itself may
// call it (from a callback or a task posted to l): creation is not atomic.
func (s *Server) loopState(l *reactor.Loop) *loopState {
	if ls, ok := l.Data.(*loopState); ok {
		return ls
	}
	ls := &loopState{
		loop:    l,
		clients: make(map[*client]struct{}),
		cache:   make(map[string]*sublist.Result[*subscription]),
		qrand:   uint64(time.Now().UnixNano()) | 1,
		now:     time.Now(),
	}
	l.Data = ls
	return ls
}

// match returns the subscriptions for a literal subject, from the loop's own
// cache when the sublist has not changed since.
func (ls *loopState) match(subs *sublist.Sublist[*subscription], subject []byte) *sublist.Result[*subscription] {
	gen := subs.Generation()
	if gen != ls.cacheGen {
		clear(ls.cache)
		ls.cacheGen = gen
	} else if r, ok := ls.cache[string(subject)]; ok {
		return r
	}
	r := subs.Match(subject)
	if len(ls.cache) >= l1CacheMax {
		clear(ls.cache)
	}
	ls.cache[string(subject)] = r
	return r
}

func (ls *loopState) rand() uint64 {
	x := ls.qrand
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	ls.qrand = x
	return x
}
