package sublist

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// l1Cache is the per-goroutine cache callers are expected to keep in front of
// Match, dropped whenever the generation moves.
type l1Cache struct {
	gen     uint64
	results map[string]*Result[int]
}

func (c *l1Cache) match(s *Sublist[int], subject string) *Result[int] {
	if g := s.Generation(); g != c.gen || c.results == nil {
		c.gen, c.results = g, map[string]*Result[int]{}
	}
	if r, ok := c.results[subject]; ok {
		return r
	}
	r := s.MatchString(subject)
	c.results[subject] = r
	return r
}

func resultHas(r *Result[int], queue string, sub int) bool {
	if queue == "" {
		return slices.Contains(r.Plain, sub)
	}
	for _, g := range r.Queues {
		if g.Name == queue {
			return slices.Contains(g.Members, sub)
		}
	}
	return false
}

// TestConcurrentInsertRemoveMatch has writers that check their own changes are
// visible as soon as Insert or Remove returns (through Match, an L1 cache and
// HasInterest), while readers hammer the same subjects and the cache.
func TestConcurrentInsertRemoveMatch(t *testing.T) {
	const writers, readers, rounds = 4, 3, 300
	s := New[int]()
	for i := range 50 { // background interest so results are not trivial
		mustInsert(t, s, fmt.Sprintf("c.%d.x", i%writers), "", -1-i)
		mustInsert(t, s, "c.*.x", "bg", -100-i)
	}
	patterns := []string{"c.%d.x", "c.*.x", "c.>", "c.%d.*", ">", "*.%d.>"}

	var writersWG, readersWG sync.WaitGroup
	var done atomic.Bool
	for w := range writers {
		writersWG.Go(func() {
			var l1 l1Cache
			subject := fmt.Sprintf("c.%d.x", w)
			for i := range rounds {
				pattern := strings.ReplaceAll(patterns[i%len(patterns)], "%d", strconv.Itoa(w))
				queue := [...]string{"", "q", "bg"}[i%3]
				sub := w*1_000_000 + i
				if err := s.Insert(pattern, queue, sub); err != nil {
					t.Errorf("Insert(%q): %v", pattern, err)
					return
				}
				if !resultHas(s.MatchString(subject), queue, sub) || !resultHas(l1.match(s, subject), queue, sub) {
					t.Errorf("sub %d on %q %q not visible on %q after Insert", sub, pattern, queue, subject)
					return
				}
				if !s.HasInterest([]byte(subject)) {
					t.Errorf("no interest in %q after Insert(%q)", subject, pattern)
					return
				}
				if err := s.Remove(pattern, queue, sub); err != nil {
					t.Errorf("Remove(%q): %v", pattern, err)
					return
				}
				if resultHas(l1.match(s, subject), queue, sub) || resultHas(s.Match([]byte(subject)), queue, sub) {
					t.Errorf("sub %d on %q %q still visible on %q after Remove", sub, pattern, queue, subject)
					return
				}
			}
		})
	}
	for r := range readers {
		readersWG.Go(func() {
			var l1 l1Cache
			var lastGen uint64
			for i := 0; !done.Load() && i < 1_000_000; i++ {
				subject := fmt.Sprintf("c.%d.x", (i+r)%(writers+1))
				res := l1.match(s, subject)
				seen := map[string]bool{}
				for _, g := range res.Queues {
					if seen[g.Name] || len(g.Members) == 0 {
						t.Errorf("bad queue group %q in %+v", g.Name, res)
						return
					}
					seen[g.Name] = true
				}
				if g := s.Generation(); g < lastGen {
					t.Errorf("generation went back from %d to %d", lastGen, g)
					return
				} else {
					lastGen = g
				}
				switch i % 200 {
				case 0:
					_ = s.Stats()
				case 100:
					n := 0
					s.ForEach(func(string, string, int) bool { n++; return true })
					if n < 100 {
						t.Errorf("ForEach saw %d entries, want at least the 100 background ones", n)
						return
					}
				}
			}
		})
	}
	writersWG.Wait()
	done.Store(true)
	readersWG.Wait()
	if s.Count() != 100 {
		t.Fatalf("Count = %d after all writers finished, want 100", s.Count())
	}
}
