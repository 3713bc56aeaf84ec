package sublist

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The match cache maps literal subjects to Results. It is a fixed,
// two-way set-associative table of atomic pointers, created by a Sublist's
// first Match miss:
//
//   - lookups take no lock and write nothing, so concurrent hits on the same
//     hot subject do not bounce cache lines between cores;
//   - it is bounded by construction: a put into a full set evicts the set's
//     oldest entry, so there is no sweep and no background goroutine;
//   - entries are only stored while holding Sublist.mu for reading, and only
//     removed while holding it for writing, so an entry computed before an
//     Insert or Remove can never be stored after that change's invalidation.
//
// A wildcard Insert or Remove must drop every entry its pattern matches. To
// avoid chasing 4096 pointers for that, each slot also has a filter word (hash
// of the first token, token count) in a dense array, and only entries passing
// the filter are matched against the pattern.
const (
	cacheWays  = 2
	cacheSlots = 4096 // a power of two
	cacheMask  = cacheSlots - 1
)

type cacheEntry[S comparable] struct {
	hash    uint64
	subject string
	result  *Result[S] // &own, or the Sublist's shared empty Result
	own     Result[S]  // saves an allocation per miss
}

type matchCache[S comparable] struct {
	seed  maphash.Seed
	slots [cacheSlots]atomic.Pointer[cacheEntry[S]]

	// putMu serialises puts (made under Sublist.mu read lock) so that a slot
	// and its filter word always change together. Writers holding Sublist.mu
	// exclusively need not take it: no put can be running.
	putMu sync.Mutex
	// filter[i] describes slots[i]; 0 when empty. Guarded by putMu together
	// with Sublist.mu held for reading, or by Sublist.mu held for writing.
	filter [cacheSlots]uint64
}

// Filter words: the first token's hash in the high 56 bits, the token count
// (saturating at filterMaxTokens) in the low 8. Never 0 for a real entry.
const (
	filterCountBits = 8
	filterMaxTokens = 1<<filterCountBits - 1
	filterHashMask  = ^uint64(filterMaxTokens)
)

func (c *matchCache[S]) hash(subject string) uint64 {
	return maphash.String(c.seed, subject)
}

func setOf(h uint64) uint64 {
	return h & cacheMask &^ (cacheWays - 1)
}

// get returns the cached Result for subject, or nil. Lock-free.
func (c *matchCache[S]) get(h uint64, subject string) *Result[S] {
	set := setOf(h)
	for i := set; i < set+cacheWays; i++ {
		if e := c.slots[i].Load(); e != nil && e.hash == h && e.subject == subject {
			return e.result
		}
	}
	return nil
}

// put caches e, whose result is set, under subject, which it copies. ends are
// the subject's token ends (see tokenEnds). Caller holds Sublist.mu for
// reading.
func (c *matchCache[S]) put(e *cacheEntry[S], subject string, ends []int) {
	h := c.hash(subject)
	e.hash, e.subject = h, strings.Clone(subject)
	f := c.hash(subject[:ends[0]])&filterHashMask | uint64(min(len(ends), filterMaxTokens))
	set := setOf(h)
	c.putMu.Lock()
	defer c.putMu.Unlock()
	for i := set; i < set+cacheWays; i++ {
		if old := c.slots[i].Load(); old == nil || (old.hash == h && old.subject == subject) {
			c.filter[i] = f
			c.slots[i].Store(e)
			return
		}
	}
	// Full: shift the set down one way, evicting the oldest entry.
	for i := set + cacheWays - 1; i > set; i-- {
		c.filter[i] = c.filter[i-1]
		c.slots[i].Store(c.slots[i-1].Load())
	}
	c.filter[set] = f
	c.slots[set].Store(e)
}

func (c *matchCache[S]) drop(i int) {
	c.filter[i] = 0
	c.slots[i].Store(nil)
}

// invalidate drops every entry whose subject the valid pattern matches. A
// literal pattern can only match the entry keyed by itself; a wildcard one
// needs a filtered scan. Caller holds Sublist.mu for writing.
func (c *matchCache[S]) invalidate(pattern string, literal bool) {
	if literal {
		h := c.hash(pattern)
		set := setOf(h)
		for i := set; i < set+cacheWays; i++ {
			if e := c.slots[i].Load(); e != nil && e.hash == h && e.subject == pattern {
				c.drop(int(i))
			}
		}
		return
	}
	first, _, _ := cutToken(pattern)
	anyFirst := first == pwcTok || first == fwcTok
	want := c.hash(first) & filterHashMask
	tokens := min(strings.Count(pattern, ".")+1, filterMaxTokens)
	atLeast := pattern == fwcTok || strings.HasSuffix(pattern, ".>")
	for i, f := range &c.filter {
		if f == 0 || (!anyFirst && f&filterHashMask != want) {
			continue
		}
		if n := int(f &^ filterHashMask); n < filterMaxTokens && tokens < filterMaxTokens {
			if n < tokens || (n > tokens && !atLeast) {
				continue
			}
		}
		if e := c.slots[i].Load(); e != nil && SubjectMatches(pattern, e.subject) {
			c.drop(i)
		}
	}
}

// counters keeps match statistics in padded stripes. A stripe is chosen from
// the address of the caller's stack, which is stable within a goroutine and
// differs between goroutines, so an event loop keeps incrementing a cache line
// its core already owns. (Random stripes avoid simultaneous contention but
// still bounce every line between cores.) Collisions only cost speed.
const statStripes = 32

// The padding comes first so that stripe 0 does not share a cache line with
// the fields declared before it in Sublist, which every Match reads.
type statStripe struct {
	_       [128 - 16]byte
	matches atomic.Uint64
	misses  atomic.Uint64
}

type counters [statStripes]statStripe

func (c *counters) stripe() *statStripe {
	var marker byte
	sp := uint64(uintptr(unsafe.Pointer(&marker)))
	// Fibonacci hashing of the 4 KiB stack page.
	return &c[(sp>>12)*0x9e3779b97f4a7c15>>(64-5)]
}

func (c *counters) sum() (matches, misses uint64) {
	for i := range c {
		matches += c[i].matches.Load()
		misses += c[i].misses.Load()
	}
	return matches, misses
}
