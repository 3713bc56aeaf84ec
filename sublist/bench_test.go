package sublist

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// benchSet is a populated Sublist plus subjects that reach it through each kind
// of pattern. Of n subscriptions, 80% are literal ("lit.aA.bB.cC"), 10% use
// "*" ("pwc.aA.*.cC") and 10% use ">" ("fwc.aA.bB.>"); one in 64 is a queue
// subscription.
type benchSet struct {
	s        *Sublist[int]
	n        int
	heapUsed uint64
	subjects map[string][]string // kind -> distinct matching literal subjects
}

const benchSubjects = 4 * cacheSlots // enough distinct subjects to defeat the cache

func benchPattern(kind string, i int) string {
	a, b, c := i/10000, (i/100)%100, i%100
	switch kind {
	case "pwc":
		return "pwc.a" + strconv.Itoa(a) + ".*.c" + strconv.Itoa(c)
	case "fwc":
		return "fwc.a" + strconv.Itoa(a) + ".b" + strconv.Itoa(b) + ".>"
	}
	return "lit.a" + strconv.Itoa(a) + ".b" + strconv.Itoa(b) + ".c" + strconv.Itoa(c)
}

// benchSubject returns a literal subject matched by benchPattern(kind, i). For
// wildcard kinds, k picks a distinct value for the wildcarded part.
func benchSubject(kind string, i, k int) string {
	a, b, c := i/10000, (i/100)%100, i%100
	switch kind {
	case "pwc":
		return fmt.Sprintf("pwc.a%d.x%d.c%d", a, k, c)
	case "fwc":
		return fmt.Sprintf("fwc.a%d.b%d.e%d.f", a, b, k)
	}
	return fmt.Sprintf("lit.a%d.b%d.c%d", a, b, c)
}

func newBenchSet(tb testing.TB, n int) *benchSet {
	tb.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := New[int]()
	kinds := map[string]int{"lit": n * 8 / 10, "pwc": n / 10, "fwc": n / 10}
	sub := 0
	bs := &benchSet{s: s, n: n, subjects: map[string][]string{}}
	for kind, count := range kinds {
		for i := range count {
			queue := ""
			if sub%64 == 0 {
				queue = "workers"
			}
			if err := s.Insert(benchPattern(kind, i), queue, sub); err != nil {
				tb.Fatal(err)
			}
			sub++
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	bs.heapUsed = after.HeapAlloc - min(before.HeapAlloc, after.HeapAlloc)
	for kind, count := range kinds {
		// Literal subjects are limited to the distinct patterns; wildcard
		// ones can be as many as needed.
		step := max(1, count/benchSubjects)
		for k := range benchSubjects {
			i := (k * step) % count
			if kind == "lit" && k*step >= count {
				break
			}
			bs.subjects[kind] = append(bs.subjects[kind], benchSubject(kind, i, k))
		}
	}
	return bs
}

// The populated sets are built once per test binary, on first use.
var (
	bench10kOnce, bench1MOnce sync.Once
	bench10kSet, bench1MSet   *benchSet
)

func bench10k(b *testing.B) *benchSet {
	bench10kOnce.Do(func() { bench10kSet = newBenchSet(b, 10_000) })
	return bench10kSet
}

// benchSets returns the 10k set and, unless -short, the 1M one.
func benchSets(b *testing.B) []*benchSet {
	sets := []*benchSet{bench10k(b)}
	if testing.Short() {
		return sets
	}
	bench1MOnce.Do(func() { bench1MSet = newBenchSet(b, 1_000_000) })
	return append(sets, bench1MSet)
}

func sizeName(n int) string {
	if n >= 1_000_000 {
		return strconv.Itoa(n/1_000_000) + "M"
	}
	return strconv.Itoa(n/1000) + "k"
}

func BenchmarkInsert(b *testing.B) {
	for _, kind := range []string{"lit", "pwc"} {
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			s := New[int]()
			// Keep the cache full so wildcard inserts pay for invalidation.
			for i := range cacheSlots {
				s.MatchString(benchSubject("lit", i, 0))
			}
			b.ResetTimer()
			for i := range b.N {
				if err := s.Insert(benchPattern(kind, i), "", i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("insert-remove", func(b *testing.B) {
		b.ReportAllocs()
		s := bench10k(b).s
		for i := range b.N {
			subject := benchPattern("lit", i%1000)
			if err := s.Insert(subject, "", -1); err != nil {
				b.Fatal(err)
			}
			if err := s.Remove(subject, "", -1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	for _, set := range benchSets(b) {
		b.Run(sizeName(set.n), func(b *testing.B) {
			for _, kind := range []string{"lit", "pwc", "fwc"} {
				subjects := set.subjects[kind]
				raw := make([][]byte, len(subjects))
				for i, s := range subjects {
					raw[i] = []byte(s)
				}
				b.Run(kind+"/hit", func(b *testing.B) {
					b.ReportAllocs()
					subj := raw[len(raw)/2]
					if set.s.Match(subj).IsEmpty() {
						b.Fatalf("%s matches nothing", subj)
					}
					b.ResetTimer()
					for range b.N {
						set.s.Match(subj)
					}
				})
				b.Run(kind+"/miss", func(b *testing.B) {
					b.ReportAllocs()
					for i := range b.N {
						set.s.Match(raw[i%len(raw)])
					}
				})
			}
			b.Run("no-interest/hit", func(b *testing.B) {
				b.ReportAllocs()
				subj := []byte("nobody.listens.here")
				for range b.N {
					set.s.Match(subj)
				}
			})
			b.Run("heap", func(b *testing.B) {
				for range b.N {
					_ = set.s.Count()
				}
				b.ReportMetric(float64(set.heapUsed)/float64(set.s.Count()), "heapB/sub")
			})
		})
	}
}

// BenchmarkMatchParallel measures Match from every P on 64 hot subjects while
// the same goroutines also change the Sublist, one Insert+Remove pair per
// writeEvery matches. "unrelated" writes touch subjects nobody matches here;
// "matching" ones invalidate hot cache entries each time.
func BenchmarkMatchParallel(b *testing.B) {
	set := bench10k(b)
	hot := make([][]byte, 64)
	for i := range hot {
		hot[i] = []byte(set.subjects["lit"][i*7])
	}
	const writeEvery = 1000
	writers := []struct {
		name    string
		pattern func(i int) string
	}{
		{name: "no-writes"},
		{name: "unrelated-literal", pattern: func(i int) string { return "other.lit." + strconv.Itoa(i%100) }},
		{name: "unrelated-wildcard", pattern: func(i int) string { return "other.*." + strconv.Itoa(i%100) }},
		{name: "matching-wildcard", pattern: func(i int) string { return "lit.a0.*.c" + strconv.Itoa(i%100) }},
	}
	for _, w := range writers {
		b.Run(w.name, func(b *testing.B) {
			b.ReportAllocs()
			var ids atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				sub := -1_000_000 - int(ids.Add(1))
				for i := 0; pb.Next(); i++ {
					if w.pattern != nil && i%writeEvery == 0 {
						p := w.pattern(i / writeEvery)
						_ = set.s.Insert(p, "", sub)
						_ = set.s.Remove(p, "", sub)
					}
					set.s.Match(hot[i%len(hot)])
				}
			})
		})
	}
}

// BenchmarkCacheDesign compares the lock-free cache lookup with the obvious
// alternative, a map behind a sync.RWMutex, under parallel hits.
func BenchmarkCacheDesign(b *testing.B) {
	subjects := make([][]byte, 64)
	for i := range subjects {
		subjects[i] = []byte(benchSubject("lit", i, 0))
	}
	b.Run("rwmutex-map", func(b *testing.B) {
		b.ReportAllocs()
		var mu sync.RWMutex
		m := map[string]*Result[int]{}
		for _, s := range subjects {
			m[string(s)] = &Result[int]{}
		}
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				mu.RLock()
				_ = m[string(subjects[i%len(subjects)])]
				mu.RUnlock()
				i++
			}
		})
	})
	b.Run("sublist", func(b *testing.B) {
		b.ReportAllocs()
		s := New[int]()
		for _, subj := range subjects {
			s.Match(subj)
		}
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				s.Match(subjects[i%len(subjects)])
				i++
			}
		})
	})
}

func BenchmarkValidate(b *testing.B) {
	subj := []byte("orders.eu-west.customer-12345.created")
	b.Run("ValidLiteralSubjectBytes", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			ValidLiteralSubjectBytes(subj)
		}
	})
	b.Run("SubjectMatchesBytes", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			SubjectMatchesBytes("orders.*.*.>", subj)
		}
	})
}
