package sublist

import (
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// Sublist stores subscriptions keyed by subject (with "*" and ">" wildcard
// tokens) and optional queue group, and answers which of them match a literal
// subject. S is an opaque subscriber handle compared with ==; the Sublist never
// looks inside it.
//
// All methods are safe for concurrent use. Match, MatchString, HasInterest,
// Generation and Count never block on a cache hit; Insert and Remove serialise
// with each other and with cache misses.
type Sublist[S comparable] struct {
	mu      sync.RWMutex
	root    level[S] // guarded by mu
	inserts uint64   // guarded by mu
	removes uint64   // guarded by mu

	count atomic.Int64
	gen   atomic.Uint64
	empty *Result[S]
	// cache is created by the first Match miss: at 64 KiB it is worth
	// skipping for Sublists that never see traffic.
	cache atomic.Pointer[matchCache[S]]
	stats counters
}

// New returns an empty Sublist.
func New[S comparable]() *Sublist[S] {
	return &Sublist[S]{empty: &Result[S]{}}
}

// cacheForPut returns the match cache, creating it if needed. Caller holds
// s.mu for reading.
func (s *Sublist[S]) cacheForPut() *matchCache[S] {
	if c := s.cache.Load(); c != nil {
		return c
	}
	c := &matchCache[S]{seed: maphash.MakeSeed()}
	if s.cache.CompareAndSwap(nil, c) {
		return c
	}
	return s.cache.Load()
}

// Insert adds sub under subject and queue ("" for a plain subscription). It
// returns an error wrapping ErrInvalidSubject or ErrInvalidQueue for bad input.
// Inserting an entry that is already present is a no-op that returns nil and
// leaves Count and Generation unchanged. The Sublist keeps its own copies of
// subject and queue. Safe for concurrent use.
func (s *Sublist[S]) Insert(subject, queue string, sub S) error {
	if !ValidSubject(subject) {
		return fmt.Errorf("%w: %q", ErrInvalidSubject, subject)
	}
	if queue != "" && !validQueueName(queue) {
		return fmt.Errorf("%w: %q", ErrInvalidQueue, queue)
	}
	var buf [maxStackTokens]string
	toks := splitTokens(subject, buf[:0])

	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.root
	var n *node[S]
	for i, t := range toks {
		n = l.child(t)
		if i < len(toks)-1 {
			if n.next == nil {
				n.next = &level[S]{}
			}
			l = n.next
		}
	}
	if !n.add(queue, sub) {
		return nil
	}
	s.inserts++
	s.changed(subject, 1)
	return nil
}

// child returns the node for token t, creating it if needed.
func (l *level[S]) child(t string) *node[S] {
	switch t {
	case pwcTok:
		if l.pwc == nil {
			l.pwc = &node[S]{}
		}
		return l.pwc
	case fwcTok:
		if l.fwc == nil {
			l.fwc = &node[S]{}
		}
		return l.fwc
	}
	n := l.nodes[t]
	if n == nil {
		if l.nodes == nil {
			l.nodes = make(map[string]*node[S])
		}
		n = &node[S]{}
		// Clone so the map does not pin the caller's subject string.
		l.nodes[strings.Clone(t)] = n
	}
	return n
}

// lookup returns the node for token t, or nil.
func (l *level[S]) lookup(t string) *node[S] {
	switch t {
	case pwcTok:
		return l.pwc
	case fwcTok:
		return l.fwc
	}
	return l.nodes[t]
}

// unlink removes the child for token t.
func (l *level[S]) unlink(t string) {
	switch t {
	case pwcTok:
		l.pwc = nil
	case fwcTok:
		l.fwc = nil
	default:
		delete(l.nodes, t)
		if len(l.nodes) == 0 {
			l.nodes = nil
		}
	}
}

// Remove deletes the entry inserted as (subject, queue, sub). It returns an
// error wrapping ErrNotFound if there is no such entry, or ErrInvalidSubject if
// subject is not valid. Empty trie nodes are pruned. Safe for concurrent use.
func (s *Sublist[S]) Remove(subject, queue string, sub S) error {
	if !ValidSubject(subject) {
		return fmt.Errorf("%w: %q", ErrInvalidSubject, subject)
	}
	var buf [maxStackTokens]string
	toks := splitTokens(subject, buf[:0])
	var pathBuf [maxStackTokens]*level[S]
	path := pathBuf[:0] // path[i] is the level holding toks[i]

	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.root
	var n *node[S]
	for i, t := range toks {
		if l == nil {
			return fmt.Errorf("%w: %q", ErrNotFound, subject)
		}
		path = append(path, l)
		if n = l.lookup(t); n == nil {
			return fmt.Errorf("%w: %q", ErrNotFound, subject)
		}
		if i < len(toks)-1 {
			l = n.next
		}
	}
	if !n.remove(queue, sub) {
		return fmt.Errorf("%w: %q", ErrNotFound, subject)
	}
	for i := len(toks) - 1; i >= 0; i-- {
		n := path[i].lookup(toks[i])
		if n.next != nil && n.next.isEmpty() {
			n.next = nil
		}
		if !n.isEmpty() {
			break
		}
		path[i].unlink(toks[i])
	}
	s.removes++
	s.changed(subject, -1)
	return nil
}

// changed finishes a successful Insert (delta 1) or Remove (delta -1). The
// generation is bumped last: a caller that sees the new generation is then
// guaranteed not to find a stale Result in the cache.
// Caller holds s.mu for writing.
func (s *Sublist[S]) changed(subject string, delta int64) {
	s.count.Add(delta)
	if c := s.cache.Load(); c != nil {
		c.invalidate(subject, subjectIsLiteral(subject))
	}
	s.gen.Add(1)
}

// splitTokens appends the tokens of subject to dst. The tokens alias subject.
func splitTokens(subject string, dst []string) []string {
	for {
		tok, rest, more := cutToken(subject)
		dst = append(dst, tok)
		if !more {
			return dst
		}
		subject = rest
	}
}

// Generation returns a counter that increases with every Insert or Remove that
// changes the Sublist. Callers that keep their own caches of Match results
// should read it before calling Match and drop the cache when it moves: a
// Result obtained after reading generation g reflects every change up to g.
// Lock-free; safe for concurrent use.
func (s *Sublist[S]) Generation() uint64 {
	return s.gen.Load()
}

// Count returns the number of stored entries. Lock-free; safe for concurrent
// use.
func (s *Sublist[S]) Count() int {
	return int(s.count.Load())
}

// Stats is a snapshot of a Sublist's counters, as in nats-server's /subsz.
type Stats struct {
	NumSubs      uint32  // stored entries
	NumCache     uint32  // cached match results
	NumInserts   uint64  // successful Inserts
	NumRemoves   uint64  // successful Removes
	NumMatches   uint64  // Match and MatchString calls
	CacheHitRate float64 // fraction of NumMatches answered from the cache
	MaxFanout    uint32  // largest Result.Fanout among cached results
	AvgFanout    float64 // mean Result.Fanout among cached results
}

// Stats returns current statistics. It scans the cache and briefly takes the
// read lock; call it for monitoring, not per message. Safe for concurrent use.
func (s *Sublist[S]) Stats() Stats {
	var st Stats
	s.mu.RLock()
	st.NumInserts, st.NumRemoves = s.inserts, s.removes
	s.mu.RUnlock()
	st.NumSubs = uint32(s.Count())
	matches, misses := s.stats.sum()
	st.NumMatches = matches
	if matches > 0 {
		// The stripes are read one by one, so a racing miss may be counted
		// without its match.
		st.CacheHitRate = float64(matches-min(misses, matches)) / float64(matches)
	}
	c := s.cache.Load()
	if c == nil {
		return st
	}
	var total uint64
	for i := range c.slots {
		e := c.slots[i].Load()
		if e == nil {
			continue
		}
		st.NumCache++
		f := uint32(e.result.Fanout())
		total += uint64(f)
		st.MaxFanout = max(st.MaxFanout, f)
	}
	if st.NumCache > 0 {
		st.AvgFanout = float64(total) / float64(st.NumCache)
	}
	return st
}

// ForEach calls fn for every stored entry until fn returns false. It sees a
// consistent snapshot: fn runs with the read lock held, so fn must not call any
// method of s (a Match miss or an Insert would deadlock) and should be quick.
// The subject and queue strings passed to fn may be retained.
func (s *Sublist[S]) ForEach(fn func(subject, queue string, sub S) bool) {
	var buf [maxStackTokens]string
	s.mu.RLock()
	defer s.mu.RUnlock()
	walkLevel(&s.root, buf[:0], fn)
}

func walkLevel[S comparable](l *level[S], toks []string, fn func(subject, queue string, sub S) bool) bool {
	if l == nil {
		return true
	}
	for t, n := range l.nodes {
		if !walkNode(n, append(toks, t), fn) {
			return false
		}
	}
	if l.pwc != nil && !walkNode(l.pwc, append(toks, pwcTok), fn) {
		return false
	}
	if l.fwc != nil && !walkNode(l.fwc, append(toks, fwcTok), fn) {
		return false
	}
	return true
}

func walkNode[S comparable](n *node[S], toks []string, fn func(subject, queue string, sub S) bool) bool {
	if n.hasSubs() {
		subject := strings.Join(toks, ".")
		for _, sub := range n.plain.list {
			if !fn(subject, "", sub) {
				return false
			}
		}
		for _, g := range n.queueGroups() {
			for _, sub := range g.members.list {
				if !fn(subject, g.name, sub) {
					return false
				}
			}
		}
	}
	return walkLevel(n.next, toks, fn)
}
