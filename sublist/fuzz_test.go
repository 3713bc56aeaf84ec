package sublist

import (
	"errors"
	"flag"
	"math/rand/v2"
	"testing"
	"time"
)

var seedFlag = flag.Uint64("sublist.seed", 0, "seed for TestRandomDifferential (0 = time based)")

// opReader turns fuzz bytes into operations; it yields zeros once exhausted.
type opReader struct{ data []byte }

func (r *opReader) next() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *opReader) pick(options []string) string {
	return options[int(r.next())%len(options)]
}

func (r *opReader) subject(alphabet []string) string {
	n := 1 + int(r.next()%4)
	subj := r.pick(alphabet)
	for range n - 1 {
		subj += "." + r.pick(alphabet)
	}
	return subj
}

var (
	// Patterns include invalid shapes so that rejection is checked too.
	fuzzPatternTokens = []string{"a", "b", "c", "a", "b", "*", "*", ">", ">", "a*", "", " "}
	// Published subjects may carry wildcard bytes, which are literal there.
	fuzzSubjectTokens = []string{"a", "b", "c", "a", "b", "c", "*", ">", "a*", ""}
	fuzzQueues        = []string{"", "", "", "q1", "q2", "q.3"}
)

const maxFuzzOps = 512

// runOps replays data as a series of Sublist operations and checks every
// answer against the brute-force model.
func runOps(t testing.TB, data []byte) {
	t.Helper()
	r := &opReader{data: data}
	s := New[int]()
	m := model{}
	var live []entry
	type kept struct {
		r    *Result[int]
		want canon
	}
	var results []kept
	for len(r.data) > 0 {
		gen := s.Generation()
		switch op := r.next() % 10; op {
		case 0, 1, 2:
			e := entry{subject: r.subject(fuzzPatternTokens), queue: r.pick(fuzzQueues), sub: int(r.next() % 8)}
			err := s.Insert(e.subject, e.queue, e.sub)
			_, had := m[e]
			switch {
			case !naiveValid(e.subject, true):
				if !errors.Is(err, ErrInvalidSubject) {
					t.Fatalf("Insert(%+v) = %v, want ErrInvalidSubject", e, err)
				}
			case err != nil:
				t.Fatalf("Insert(%+v) = %v", e, err)
			case !had:
				m[e] = struct{}{}
				live = append(live, e)
			}
			if moved := s.Generation() != gen; moved != (err == nil && !had) {
				t.Fatalf("Insert(%+v): generation moved = %v", e, moved)
			}
		case 3, 4:
			var e entry
			if b := r.next(); len(live) > 0 && b%4 != 0 {
				e = live[int(b)%len(live)]
			} else {
				e = entry{subject: r.subject(fuzzPatternTokens), queue: r.pick(fuzzQueues), sub: int(r.next() % 8)}
			}
			err := s.Remove(e.subject, e.queue, e.sub)
			_, had := m[e]
			var want error
			switch {
			case !naiveValid(e.subject, true):
				want = ErrInvalidSubject
			case !had:
				want = ErrNotFound
			}
			if !isErr(err, want) {
				t.Fatalf("Remove(%+v) = %v, want %v", e, err, want)
			}
			if had {
				delete(m, e)
				for i, x := range live {
					if x == e {
						live = append(live[:i], live[i+1:]...)
						break
					}
				}
			}
			if moved := s.Generation() != gen; moved != had {
				t.Fatalf("Remove(%+v): generation moved = %v", e, moved)
			}
		case 5, 6, 7, 8:
			subj := r.subject(fuzzSubjectTokens)
			checkMatch(t, s, m, subj)
			if op == 8 {
				res := s.MatchString(subj)
				results = append(results, kept{r: res, want: canonResult(t, res)})
			}
		case 9:
			checkContents(t, s, m)
		}
	}
	checkContents(t, s, m)
	for i, k := range results {
		if got := canonResult(t, k.r); !sameCanon(got, k.want) {
			t.Fatalf("kept result %d changed: %v, was %v", i, got, k.want)
		}
	}
}

func FuzzSublist(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 3, 0, 0, 0, 0, 1, 5, 3, 0, 0, 0})
	f.Add([]byte("\x00\x02\x05\x06\x07\x03\x00\x01\x03\x02\x04\x05\x08\x09\x00\x01\x02\x03\x05\x05\x05"))
	f.Add([]byte("insert some subjects, then remove them and match in between: 0123456789"))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 8 {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzOps {
			// Longer inputs find nothing new and make each execution slow.
			data = data[:maxFuzzOps]
		}
		runOps(t, data)
	})
}

// TestRandomDifferential runs long random operation sequences against the
// model. Reproduce a failure with -sublist.seed=<logged seed>.
func TestRandomDifferential(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -sublist.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x5ab1157))
	rounds, length := 16, 3000
	if testing.Short() {
		rounds = 4
	}
	for range rounds {
		data := make([]byte, length)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		runOps(t, data)
	}
}

func FuzzSubjectMatches(f *testing.F) {
	for _, c := range [][2]string{
		{"foo.*", "foo.bar"}, {"foo.>", "foo.bar.baz"}, {">", "a"}, {"*.b", "a.b"},
		{"foo.>.bar", "foo.x.bar"}, {"a..b", "a..b"}, {"a.b", "a.b."}, {"a*", "a*"},
		{"", ""}, {"a\tb", "a\tb"}, {"*", "*"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		want := naiveMatch(pattern, subject)
		if got := SubjectMatches(pattern, subject); got != want {
			t.Fatalf("SubjectMatches(%q, %q) = %v, want %v", pattern, subject, got, want)
		}
		if got := SubjectMatchesBytes(pattern, []byte(subject)); got != want {
			t.Fatalf("SubjectMatchesBytes(%q, %q) = %v, want %v", pattern, subject, got, want)
		}
		for _, x := range []string{pattern, subject} {
			if got, want := ValidSubject(x), naiveValid(x, true); got != want {
				t.Fatalf("ValidSubject(%q) = %v, want %v", x, got, want)
			}
			if got, want := ValidLiteralSubjectBytes([]byte(x)), naiveValid(x, false); got != want {
				t.Fatalf("ValidLiteralSubjectBytes(%q) = %v, want %v", x, got, want)
			}
		}
		if SubjectsCollide(pattern, subject) != SubjectsCollide(subject, pattern) {
			t.Fatalf("SubjectsCollide(%q, %q) is not symmetric", pattern, subject)
		}
		if ValidSubject(pattern) && !IsSubsetMatch(pattern, pattern) {
			t.Fatalf("IsSubsetMatch(%q, itself) = false", pattern)
		}
		if IsSubsetMatch(subject, pattern) && !SubjectsCollide(subject, pattern) {
			t.Fatalf("IsSubsetMatch(%q, %q) without a collision", subject, pattern)
		}
		if ValidSubject(pattern) && ValidLiteralSubject(subject) {
			if IsSubsetMatch(subject, pattern) != want || SubjectsCollide(subject, pattern) != want {
				t.Fatalf("literal %q vs %q: subset %v, collide %v, match %v", subject, pattern,
					IsSubsetMatch(subject, pattern), SubjectsCollide(subject, pattern), want)
			}
		}
	})
}
