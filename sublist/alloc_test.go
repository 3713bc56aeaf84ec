//go:build !race

package sublist

import "testing"

func TestAllocs(t *testing.T) {
	s := New[int]()
	mustInsert(t, s, "foo.bar", "", 1)
	mustInsert(t, s, "foo.*", "q", 2)
	mustInsert(t, s, "foo.>", "", 3)
	mustInsert(t, s, "wild.*", "", 4)
	literal := []byte("foo.bar")
	wildcard := []byte("wild.x")
	none := []byte("nobody.home")
	for _, b := range [][]byte{literal, wildcard, none} {
		s.Match(b) // populate the cache
	}
	tests := []struct {
		name string
		fn   func()
	}{
		{name: "Match cache hit literal", fn: func() { s.Match(literal) }},
		{name: "Match cache hit wildcard", fn: func() { s.Match(wildcard) }},
		{name: "Match cache hit empty", fn: func() { s.Match(none) }},
		{name: "MatchString cache hit", fn: func() { s.MatchString("foo.bar") }},
		{name: "Match cache hit from a stack buffer", fn: func() {
			var buf [16]byte
			s.Match(buf[:copy(buf[:], "foo.bar")])
		}},
		{name: "HasInterest cache hit", fn: func() { s.HasInterest(literal) }},
		{name: "HasInterest cache miss", fn: func() { s.HasInterest([]byte("foo.uncached.x")) }},
		{name: "Generation", fn: func() { s.Generation() }},
		{name: "ValidLiteralSubjectBytes", fn: func() { ValidLiteralSubjectBytes(literal) }},
		{name: "ValidSubjectBytes", fn: func() { ValidSubjectBytes(literal) }},
		{name: "ValidQueueName", fn: func() { ValidQueueName(literal) }},
		{name: "SubjectMatchesBytes", fn: func() { SubjectMatchesBytes("foo.*.>", []byte("foo.bar.baz")) }},
		{name: "SubjectMatches", fn: func() { SubjectMatches("foo.>", "foo.bar.baz") }},
		{name: "IsSubsetMatch", fn: func() { IsSubsetMatch("foo.*", "foo.>") }},
		{name: "SubjectsCollide", fn: func() { SubjectsCollide("foo.*", "*.bar") }},
	}
	for _, tt := range tests {
		if allocs := testing.AllocsPerRun(100, tt.fn); allocs != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tt.name, allocs)
		}
	}
}
