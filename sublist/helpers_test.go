package sublist

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// naiveMatch is the reference matcher: split both subjects and compare token
// by token. It shares no code with the package.
func naiveMatch(pattern, subject string) bool {
	pt := strings.Split(pattern, ".")
	st := strings.Split(subject, ".")
	if slices.Contains(pt, "") || slices.Contains(st, "") {
		return false
	}
	for i, p := range pt {
		if p == ">" {
			return i == len(pt)-1 && len(st) > i
		}
		if i >= len(st) || (p != "*" && p != st[i]) {
			return false
		}
	}
	return len(pt) == len(st)
}

// naiveValid is the reference subject validator.
func naiveValid(subject string, wildcards bool) bool {
	if strings.ContainsFunc(subject, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	toks := strings.Split(subject, ".")
	for i, t := range toks {
		switch {
		case t == "":
			return false
		case t == "*" && !wildcards:
			return false
		case t == ">" && (!wildcards || i != len(toks)-1):
			return false
		}
	}
	return true
}

type entry struct {
	subject, queue string
	sub            int
}

// model is the brute-force sublist: a set of entries scanned on every match.
type model map[entry]struct{}

// canon is a comparable form of a match result: sorted plain members and
// sorted members per queue name.
type canon struct {
	plain  []int
	queues map[string][]int
}

func (c canon) String() string {
	names := make([]string, 0, len(c.queues))
	for n := range c.queues {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "plain=%v", c.plain)
	for _, n := range names {
		fmt.Fprintf(&b, " %s=%v", n, c.queues[n])
	}
	return b.String()
}

func (m model) match(subject string) canon {
	c := canon{queues: map[string][]int{}}
	for e := range m {
		if !naiveMatch(e.subject, subject) {
			continue
		}
		if e.queue == "" {
			c.plain = append(c.plain, e.sub)
		} else {
			c.queues[e.queue] = append(c.queues[e.queue], e.sub)
		}
	}
	slices.Sort(c.plain)
	for _, q := range c.queues {
		slices.Sort(q)
	}
	return c
}

// canonResult converts r, failing on structural problems: duplicate or empty
// queue groups.
func canonResult(t testing.TB, r *Result[int]) canon {
	t.Helper()
	if r == nil {
		t.Fatal("nil Result")
	}
	c := canon{plain: slices.Sorted(slices.Values(r.Plain)), queues: map[string][]int{}}
	for _, g := range r.Queues {
		if _, dup := c.queues[g.Name]; dup {
			t.Fatalf("queue group %q appears twice in %+v", g.Name, r)
		}
		if len(g.Members) == 0 {
			t.Fatalf("queue group %q is empty", g.Name)
		}
		c.queues[g.Name] = slices.Sorted(slices.Values(g.Members))
	}
	return c
}

func sameCanon(a, b canon) bool {
	if !slices.Equal(a.plain, b.plain) || len(a.queues) != len(b.queues) {
		return false
	}
	for n, q := range a.queues {
		if !slices.Equal(q, b.queues[n]) {
			return false
		}
	}
	return true
}

func mustInsert(t testing.TB, s *Sublist[int], subject, queue string, sub int) {
	t.Helper()
	if err := s.Insert(subject, queue, sub); err != nil {
		t.Fatalf("Insert(%q, %q, %d): %v", subject, queue, sub, err)
	}
}

func mustRemove(t testing.TB, s *Sublist[int], subject, queue string, sub int) {
	t.Helper()
	if err := s.Remove(subject, queue, sub); err != nil {
		t.Fatalf("Remove(%q, %q, %d): %v", subject, queue, sub, err)
	}
}

// checkMatch compares s.MatchString(subject) and s.Match with the model.
func checkMatch(t testing.TB, s *Sublist[int], m model, subject string) {
	t.Helper()
	want := m.match(subject)
	if got := canonResult(t, s.MatchString(subject)); !sameCanon(got, want) {
		t.Fatalf("MatchString(%q) = %v, want %v", subject, got, want)
	}
	if got := canonResult(t, s.Match([]byte(subject))); !sameCanon(got, want) {
		t.Fatalf("Match(%q) = %v, want %v", subject, got, want)
	}
	empty := len(want.plain) == 0 && len(want.queues) == 0
	if got := s.HasInterest([]byte(subject)); got == empty {
		t.Fatalf("HasInterest(%q) = %v, want %v", subject, got, !empty)
	}
}

// checkContents compares ForEach and Count with the model.
func checkContents(t testing.TB, s *Sublist[int], m model) {
	t.Helper()
	got := model{}
	s.ForEach(func(subject, queue string, sub int) bool {
		e := entry{subject, queue, sub}
		if _, dup := got[e]; dup {
			t.Errorf("ForEach repeated %+v", e)
		}
		got[e] = struct{}{}
		return true
	})
	if len(got) != len(m) || s.Count() != len(m) {
		t.Fatalf("ForEach saw %d entries, Count %d, want %d", len(got), s.Count(), len(m))
	}
	for e := range m {
		if _, ok := got[e]; !ok {
			t.Fatalf("ForEach missed %+v", e)
		}
	}
}

func isErr(err, target error) bool {
	return (err == nil && target == nil) || (target != nil && errors.Is(err, target))
}
