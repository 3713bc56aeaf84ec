package sublist

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	type ins struct {
		subject, queue string
		sub            int
	}
	tests := []struct {
		name    string
		subs    []ins
		subject string
		want    canon
	}{
		{
			name:    "literal",
			subs:    []ins{{subject: "foo.bar", sub: 1}, {subject: "foo.baz", sub: 2}, {subject: "foo", sub: 3}},
			subject: "foo.bar",
			want:    canon{plain: []int{1}},
		},
		{
			name:    "no match",
			subs:    []ins{{subject: "foo.bar", sub: 1}},
			subject: "foo.baz",
		},
		{
			name:    "prefix is not a match",
			subs:    []ins{{subject: "foo.bar", sub: 1}, {subject: "foo.bar.baz", sub: 2}},
			subject: "foo",
		},
		{
			name:    "pwc",
			subs:    []ins{{subject: "foo.*", sub: 1}, {subject: "*.bar", sub: 2}, {subject: "*", sub: 3}, {subject: "foo.*.baz", sub: 4}},
			subject: "foo.bar",
			want:    canon{plain: []int{1, 2}},
		},
		{
			name:    "pwc matches one token only",
			subs:    []ins{{subject: "foo.*", sub: 1}},
			subject: "foo.bar.baz",
		},
		{
			name:    "fwc",
			subs:    []ins{{subject: "foo.>", sub: 1}, {subject: ">", sub: 2}, {subject: "bar.>", sub: 3}},
			subject: "foo.bar.baz",
			want:    canon{plain: []int{1, 2}},
		},
		{
			name:    "fwc needs a token",
			subs:    []ins{{subject: "foo.>", sub: 1}},
			subject: "foo",
		},
		{
			name: "mixed",
			subs: []ins{
				{subject: "a.b.c", sub: 1}, {subject: "a.*.c", sub: 2}, {subject: "a.>", sub: 3},
				{subject: "*.b.>", sub: 4}, {subject: "*.*.*", sub: 5}, {subject: "a.b", sub: 6},
				{subject: "*.*.*.*", sub: 7}, {subject: "a.b.c.>", sub: 8},
			},
			subject: "a.b.c",
			want:    canon{plain: []int{1, 2, 3, 4, 5}},
		},
		{
			name:    "wildcard bytes in a published subject are literal",
			subs:    []ins{{subject: "foo.*", sub: 1}, {subject: "foo.bar", sub: 2}, {subject: "foo.>", sub: 3}, {subject: "foo*", sub: 4}},
			subject: "foo.*",
			want:    canon{plain: []int{1, 3}},
		},
		{
			name:    "partial wildcard token is literal",
			subs:    []ins{{subject: "foo*", sub: 1}, {subject: "*", sub: 2}},
			subject: "foox",
			want:    canon{plain: []int{2}},
		},
		{
			name:    "empty token matches nothing",
			subs:    []ins{{subject: ">", sub: 1}},
			subject: "foo..bar",
		},
		{
			name:    "trailing dot matches nothing",
			subs:    []ins{{subject: ">", sub: 1}},
			subject: "foo.",
		},
		{
			name:    "empty subject matches nothing",
			subs:    []ins{{subject: ">", sub: 1}},
			subject: "",
		},
		{
			name: "queues",
			subs: []ins{
				{subject: "foo", queue: "q1", sub: 1}, {subject: "foo", queue: "q1", sub: 2},
				{subject: "foo", queue: "q2", sub: 3}, {subject: "foo", sub: 4}, {subject: "foo", queue: "q3", sub: 5},
				{subject: "bar", queue: "q1", sub: 6},
			},
			subject: "foo",
			want:    canon{plain: []int{4}, queues: map[string][]int{"q1": {1, 2}, "q2": {3}, "q3": {5}}},
		},
		{
			name: "queue groups merge across patterns",
			subs: []ins{
				{subject: "foo.bar", queue: "q", sub: 1}, {subject: "foo.*", queue: "q", sub: 2},
				{subject: "foo.>", queue: "q", sub: 3}, {subject: "foo.*", queue: "r", sub: 4},
				{subject: "foo.*", sub: 5},
			},
			subject: "foo.bar",
			want:    canon{plain: []int{5}, queues: map[string][]int{"q": {1, 2, 3}, "r": {4}}},
		},
		{
			name:    "same subscriber under several patterns counts per pattern",
			subs:    []ins{{subject: "foo.*", sub: 1}, {subject: "foo.>", sub: 1}, {subject: "foo.bar", queue: "q", sub: 1}},
			subject: "foo.bar",
			want:    canon{plain: []int{1, 1}, queues: map[string][]int{"q": {1}}},
		},
		{
			name:    "duplicate insert counted once",
			subs:    []ins{{subject: "foo", sub: 1}, {subject: "foo", sub: 1}, {subject: "foo", queue: "q", sub: 1}, {subject: "foo", queue: "q", sub: 1}},
			subject: "foo",
			want:    canon{plain: []int{1}, queues: map[string][]int{"q": {1}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New[int]()
			m := model{}
			for _, in := range tt.subs {
				mustInsert(t, s, in.subject, in.queue, in.sub)
				m[entry{in.subject, in.queue, in.sub}] = struct{}{}
			}
			if tt.want.queues == nil {
				tt.want.queues = map[string][]int{}
			}
			for range 2 { // the second round is answered from the cache
				if got := canonResult(t, s.MatchString(tt.subject)); !sameCanon(got, tt.want) {
					t.Fatalf("MatchString(%q) = %v, want %v", tt.subject, got, tt.want)
				}
				checkMatch(t, s, m, tt.subject)
			}
			checkContents(t, s, m)
		})
	}
}

func TestInsertInvalid(t *testing.T) {
	s := New[int]()
	for _, subject := range []string{"", ".", "foo.", ".foo", "foo..bar", "foo.>.bar", ">.>", "foo bar", "foo\tbar", "foo\x00", "foo\r\n", "\x7f"} {
		if err := s.Insert(subject, "", 1); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("Insert(%q) = %v, want ErrInvalidSubject", subject, err)
		}
		if err := s.Remove(subject, "", 1); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("Remove(%q) = %v, want ErrInvalidSubject", subject, err)
		}
	}
	for _, queue := range []string{"a b", "q\t", "\x01"} {
		if err := s.Insert("foo", queue, 1); !errors.Is(err, ErrInvalidQueue) {
			t.Errorf("Insert(foo, %q) = %v, want ErrInvalidQueue", queue, err)
		}
	}
	if s.Count() != 0 || s.Generation() != 0 {
		t.Fatalf("failed inserts changed the sublist: count %d, generation %d", s.Count(), s.Generation())
	}
}

func TestRemove(t *testing.T) {
	s := New[int]()
	m := model{}
	subs := []entry{
		{subject: "foo.bar", sub: 1}, {subject: "foo.bar", sub: 2}, {subject: "foo.*", sub: 3},
		{subject: "foo.>", sub: 4}, {subject: "foo.bar", queue: "q", sub: 5}, {subject: "foo.bar", queue: "q", sub: 6},
		{subject: "foo.bar.baz", sub: 7}, {subject: "*.bar", queue: "r", sub: 8}, {subject: ">", sub: 9},
	}
	for _, e := range subs {
		mustInsert(t, s, e.subject, e.queue, e.sub)
		m[e] = struct{}{}
	}
	probes := []string{"foo.bar", "foo.baz", "foo.bar.baz", "x.bar", "foo"}
	for _, e := range subs {
		mustRemove(t, s, e.subject, e.queue, e.sub)
		delete(m, e)
		for _, p := range probes {
			checkMatch(t, s, m, p)
		}
		checkContents(t, s, m)
		if err := s.Remove(e.subject, e.queue, e.sub); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second Remove(%+v) = %v, want ErrNotFound", e, err)
		}
	}
	if !s.root.isEmpty() {
		t.Fatalf("trie not pruned after removing everything: %+v", s.root)
	}
}

func TestRemoveNotFound(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "foo.bar", "q", 1)
	mustInsert(t, s, "foo.bar", "", 2)
	tests := []entry{
		{subject: "foo.bar", sub: 1},             // in a queue, not plain
		{subject: "foo.bar", queue: "r", sub: 1}, // other queue
		{subject: "foo.bar", queue: "q", sub: 2}, // plain, not queue
		{subject: "foo.*", sub: 2},               // wildcard node absent
		{subject: "foo", sub: 2},                 // interior node without subs
		{subject: "foo.bar.baz", sub: 2},         // deeper than the trie
		{subject: "other", sub: 2},
	}
	gen := s.Generation()
	for _, e := range tests {
		if err := s.Remove(e.subject, e.queue, e.sub); !errors.Is(err, ErrNotFound) {
			t.Errorf("Remove(%+v) = %v, want ErrNotFound", e, err)
		}
	}
	if s.Count() != 2 || s.Generation() != gen {
		t.Fatalf("failed removes changed the sublist: count %d, generation %d->%d", s.Count(), gen, s.Generation())
	}
}

func TestGenerationAndCount(t *testing.T) {
	s := New[int]()
	steps := []struct {
		op      func() error
		changed bool
		count   int
	}{
		{op: func() error { return s.Insert("foo", "", 1) }, changed: true, count: 1},
		{op: func() error { return s.Insert("foo", "", 1) }, count: 1},
		{op: func() error { return s.Insert("foo.*", "q", 1) }, changed: true, count: 2},
		{op: func() error { return s.Remove("foo", "", 2) }, count: 2},
		{op: func() error { return s.Remove("foo", "", 1) }, changed: true, count: 1},
		{op: func() error { return s.Insert("foo..", "", 1) }, count: 1},
	}
	for i, st := range steps {
		before := s.Generation()
		_ = st.op()
		if moved := s.Generation() != before; moved != st.changed {
			t.Errorf("step %d: generation moved = %v, want %v", i, moved, st.changed)
		}
		if s.Count() != st.count {
			t.Errorf("step %d: Count = %d, want %d", i, s.Count(), st.count)
		}
	}
}

func TestCacheInvalidation(t *testing.T) {
	s := New[int]()
	m := model{}
	subjects := []string{"a.b.c", "a.b.d", "a.x.c", "b.b.c", "a.b", "a"}
	add := func(e entry) {
		mustInsert(t, s, e.subject, e.queue, e.sub)
		m[e] = struct{}{}
	}
	del := func(e entry) {
		mustRemove(t, s, e.subject, e.queue, e.sub)
		delete(m, e)
	}
	ops := []func(){
		func() { add(entry{subject: "a.b.c", sub: 1}) },
		func() { add(entry{subject: "a.*.c", sub: 2}) },
		func() { add(entry{subject: "a.>", sub: 3}) },
		func() { add(entry{subject: "a.b.c", queue: "q", sub: 4}) },
		func() { add(entry{subject: ">", queue: "q", sub: 5}) },
		func() { del(entry{subject: "a.*.c", sub: 2}) },
		func() { del(entry{subject: "a.b.c", sub: 1}) },
		func() { add(entry{subject: "*.*.*", sub: 6}) },
		func() { del(entry{subject: ">", queue: "q", sub: 5}) },
		func() { del(entry{subject: "a.>", sub: 3}) },
	}
	for _, op := range ops {
		for _, subj := range subjects { // warm the cache with the old state
			s.MatchString(subj)
		}
		op()
		for _, subj := range subjects {
			checkMatch(t, s, m, subj)
		}
	}
}

// TestResultsAreImmutable keeps Results across many changes and checks that
// they never change, exercising the slices a Result shares with the trie.
func TestResultsAreImmutable(t *testing.T) {
	s := New[int]()
	type kept struct {
		r    *Result[int]
		want canon
	}
	var all []kept
	keep := func() {
		for _, subj := range []string{"foo.bar", "foo.baz"} {
			r := s.MatchString(subj)
			all = append(all, kept{r: r, want: canonResult(t, r)})
		}
	}
	for i := range 40 {
		mustInsert(t, s, "foo.bar", "", i)
		mustInsert(t, s, "foo.*", "q", i)
		keep()
	}
	for i := range 40 {
		mustRemove(t, s, "foo.bar", "", i)
		keep()
		mustRemove(t, s, "foo.*", "q", 39-i)
		keep()
		mustInsert(t, s, "foo.bar", "", 100+i)
		keep()
	}
	for i, k := range all {
		if got := canonResult(t, k.r); !sameCanon(got, k.want) {
			t.Fatalf("kept result %d changed: %v, was %v", i, got, k.want)
		}
	}
}

func TestEmptyResultShared(t *testing.T) {
	s := New[int]()
	r1 := s.MatchString("foo")
	r2 := s.Match([]byte("bar.baz"))
	r3 := s.MatchString("..")
	if r1 == nil || r1 != r2 || r2 != r3 || !r1.IsEmpty() {
		t.Fatalf("empty results: %p %p %p, want one shared non-nil empty Result", r1, r2, r3)
	}
}

func TestManyQueueGroupsAndMembers(t *testing.T) {
	s := New[int]()
	m := model{}
	const groups, members = 3 * indexMin, 3 * indexMin
	for g := range groups {
		for i := range members {
			e := entry{subject: "work.items", queue: fmt.Sprintf("g%d", g), sub: i}
			mustInsert(t, s, e.subject, e.queue, e.sub)
			m[e] = struct{}{}
		}
	}
	for i := range 2 * members {
		e := entry{subject: "work.*", sub: i}
		mustInsert(t, s, e.subject, e.queue, e.sub)
		m[e] = struct{}{}
	}
	checkMatch(t, s, m, "work.items")
	// Remove in an order that moves elements around inside the indexed sets.
	for g := range groups {
		for i := range members {
			if (g+i)%3 == 0 {
				continue
			}
			e := entry{subject: "work.items", queue: fmt.Sprintf("g%d", g), sub: i}
			mustRemove(t, s, e.subject, e.queue, e.sub)
			delete(m, e)
		}
		if g%5 == 0 {
			checkMatch(t, s, m, "work.items")
		}
	}
	for i := 0; i < 2*members; i += 2 {
		e := entry{subject: "work.*", sub: i}
		mustRemove(t, s, e.subject, e.queue, e.sub)
		delete(m, e)
	}
	checkMatch(t, s, m, "work.items")
	checkContents(t, s, m)
}

func TestDeepSubjects(t *testing.T) {
	s := New[int]()
	m := model{}
	deep := strings.Repeat("t.", 2*maxStackTokens) + "end"
	for _, e := range []entry{
		{subject: deep, sub: 1},
		{subject: strings.Repeat("t.", 2*maxStackTokens) + "*", sub: 2},
		{subject: strings.Repeat("*.", maxStackTokens) + ">", sub: 3},
	} {
		mustInsert(t, s, e.subject, e.queue, e.sub)
		m[e] = struct{}{}
		checkMatch(t, s, m, deep)
	}
	checkContents(t, s, m)
	for e := range m {
		mustRemove(t, s, e.subject, e.queue, e.sub)
	}
	if !s.root.isEmpty() {
		t.Fatal("trie not pruned")
	}
}

func TestForEachStops(t *testing.T) {
	s := New[int]()
	for i := range 10 {
		mustInsert(t, s, fmt.Sprintf("s.%d", i), "", i)
	}
	calls := 0
	s.ForEach(func(string, string, int) bool {
		calls++
		return calls < 3
	})
	if calls != 3 {
		t.Fatalf("ForEach made %d calls after fn returned false, want 3", calls)
	}
}

func TestCacheBounded(t *testing.T) {
	s := New[int]()
	m := model{}
	mustInsert(t, s, "load.*", "", 1)
	mustInsert(t, s, "load.7", "", 2)
	m[entry{subject: "load.*", sub: 1}] = struct{}{}
	m[entry{subject: "load.7", sub: 2}] = struct{}{}
	for i := range 3 * cacheSlots {
		subj := fmt.Sprintf("load.%d", i%(2*cacheSlots))
		if i%97 == 0 {
			checkMatch(t, s, m, subj)
		} else {
			s.MatchString(subj)
		}
	}
	st := s.Stats()
	if st.NumCache == 0 || st.NumCache > cacheSlots {
		t.Fatalf("NumCache = %d, want 1..%d", st.NumCache, cacheSlots)
	}
	checkMatch(t, s, m, "load.7")
}

func TestStats(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "foo", "", 1)
	mustInsert(t, s, "foo", "", 2)
	mustInsert(t, s, "foo", "q", 3)
	mustInsert(t, s, "bar", "", 4)
	mustRemove(t, s, "bar", "", 4)
	for range 4 {
		s.MatchString("foo")
	}
	s.MatchString("nothing")
	st := s.Stats()
	want := Stats{
		NumSubs: 3, NumCache: 2, NumInserts: 4, NumRemoves: 1, NumMatches: 5,
		CacheHitRate: 3.0 / 5.0, MaxFanout: 3, AvgFanout: 1.5,
	}
	if st != want {
		t.Fatalf("Stats = %+v\nwant    %+v", st, want)
	}
}

func TestHashConsistency(t *testing.T) {
	// Match hashes a byte view, invalidation a string; both must agree.
	s := New[int]()
	mustInsert(t, s, "a.b", "", 1)
	if r := s.Match([]byte("a.b")); len(r.Plain) != 1 {
		t.Fatalf("Match = %+v", r)
	}
	mustInsert(t, s, "a.b", "", 2)
	if r := s.Match([]byte("a.b")); len(r.Plain) != 2 {
		t.Fatalf("literal insert did not invalidate the cached result: %+v", r)
	}
}
