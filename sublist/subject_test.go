package sublist

import (
	"strings"
	"testing"
)

func TestValidSubject(t *testing.T) {
	tests := []struct {
		subject string
		valid   bool // as a subscription subject
		literal bool // as a publish subject
	}{
		{subject: "foo", valid: true, literal: true},
		{subject: "foo.bar.baz", valid: true, literal: true},
		{subject: "*", valid: true},
		{subject: ">", valid: true},
		{subject: "foo.*", valid: true},
		{subject: "foo.>", valid: true},
		{subject: "*.bar.>", valid: true},
		{subject: "foo*", valid: true, literal: true},
		{subject: "foo.*bar", valid: true, literal: true},
		{subject: ">foo", valid: true, literal: true},
		{subject: "foo.>bar", valid: true, literal: true},
		{subject: "foo.**", valid: true, literal: true},
		{subject: "foo.>>", valid: true, literal: true},
		{subject: "$SYS.REQ", valid: true, literal: true},
		{subject: "_INBOX.a-b_c", valid: true, literal: true},
		{subject: "ünïcødé.主题", valid: true, literal: true},
		{subject: "foo.>.bar"},
		{subject: ">.foo"},
		{subject: ">.>"},
		{subject: ""},
		{subject: "."},
		{subject: ".foo"},
		{subject: "foo."},
		{subject: "foo..bar"},
		{subject: "foo bar"},
		{subject: "foo\tbar"},
		{subject: "foo.\tbar"},
		{subject: "foo\r\n"},
		{subject: "foo\x00"},
		{subject: "\x1f"},
		{subject: "foo.\x7f"},
		{subject: " "},
		{subject: "foo.\vbar"},
		{subject: "foo.\fbar"},
	}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			if got := ValidSubject(tt.subject); got != tt.valid {
				t.Errorf("ValidSubject = %v, want %v", got, tt.valid)
			}
			if got := ValidSubjectBytes([]byte(tt.subject)); got != tt.valid {
				t.Errorf("ValidSubjectBytes = %v, want %v", got, tt.valid)
			}
			if got := ValidLiteralSubject(tt.subject); got != tt.literal {
				t.Errorf("ValidLiteralSubject = %v, want %v", got, tt.literal)
			}
			if got := ValidLiteralSubjectBytes([]byte(tt.subject)); got != tt.literal {
				t.Errorf("ValidLiteralSubjectBytes = %v, want %v", got, tt.literal)
			}
			if tt.valid {
				if got := subjectIsLiteral(tt.subject); got != tt.literal {
					t.Errorf("subjectIsLiteral = %v, want %v", got, tt.literal)
				}
			}
		})
	}
}

func TestValidQueueName(t *testing.T) {
	tests := []struct {
		queue string
		valid bool
	}{
		{queue: "workers", valid: true},
		{queue: "a.b.c", valid: true},
		{queue: "q*", valid: true},
		{queue: "*", valid: true},
		{queue: ">", valid: true},
		{queue: ""},
		{queue: "a b"},
		{queue: "a\tb"},
		{queue: "a\n"},
		{queue: "\x00"},
		{queue: "\x7f"},
	}
	for _, tt := range tests {
		if got := ValidQueueName([]byte(tt.queue)); got != tt.valid {
			t.Errorf("ValidQueueName(%q) = %v, want %v", tt.queue, got, tt.valid)
		}
	}
}

func TestSubjectMatches(t *testing.T) {
	tests := []struct {
		pattern, subject string
		want             bool
	}{
		{pattern: "foo", subject: "foo", want: true},
		{pattern: "foo", subject: "bar"},
		{pattern: "foo", subject: "foo.bar"},
		{pattern: "foo.bar", subject: "foo"},
		{pattern: "*", subject: "foo", want: true},
		{pattern: "*", subject: "foo.bar"},
		{pattern: "foo.*", subject: "foo.bar", want: true},
		{pattern: "foo.*", subject: "foo"},
		{pattern: "foo.*", subject: "foo.bar.baz"},
		{pattern: "*.bar", subject: "foo.bar", want: true},
		{pattern: "*.*", subject: "foo.bar", want: true},
		{pattern: ">", subject: "foo", want: true},
		{pattern: ">", subject: "foo.bar.baz", want: true},
		{pattern: "foo.>", subject: "foo.bar", want: true},
		{pattern: "foo.>", subject: "foo.bar.baz", want: true},
		{pattern: "foo.>", subject: "foo"},
		{pattern: "foo.*.>", subject: "foo.bar"},
		{pattern: "foo.*.>", subject: "foo.bar.baz", want: true},
		{pattern: "foo*", subject: "foo*", want: true},
		{pattern: "foo*", subject: "foox"},
		{pattern: "foo.*", subject: "foo.*", want: true},
		{pattern: "foo.bar", subject: "foo.*"},
		{pattern: "foo.>", subject: "foo.>", want: true},
		{pattern: "foo.>", subject: "foo..bar"},
		{pattern: "foo.>", subject: "foo.bar."},
		{pattern: ">", subject: ".foo"},
		{pattern: "*", subject: ""},
		{pattern: "", subject: ""},
		{pattern: "foo.", subject: "foo."},
		{pattern: "foo.>.bar", subject: "foo.x.bar"},
	}
	for _, tt := range tests {
		if got := SubjectMatches(tt.pattern, tt.subject); got != tt.want {
			t.Errorf("SubjectMatches(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.want)
		}
		if got := SubjectMatchesBytes(tt.pattern, []byte(tt.subject)); got != tt.want {
			t.Errorf("SubjectMatchesBytes(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.want)
		}
		if got := naiveMatch(tt.pattern, tt.subject); got != tt.want {
			t.Errorf("naiveMatch(%q, %q) = %v, want %v (reference is wrong)", tt.pattern, tt.subject, got, tt.want)
		}
	}
}

func TestIsSubsetMatch(t *testing.T) {
	tests := []struct {
		subject, pattern string
		want             bool
	}{
		{subject: "foo", pattern: "foo", want: true},
		{subject: "foo", pattern: "*", want: true},
		{subject: "foo", pattern: ">", want: true},
		{subject: "foo.bar", pattern: "foo.*", want: true},
		{subject: "foo.bar", pattern: "foo.>", want: true},
		{subject: "foo.*", pattern: "foo.*", want: true},
		{subject: "foo.*", pattern: "foo.>", want: true},
		{subject: "foo.>", pattern: "foo.>", want: true},
		{subject: "foo.*.baz", pattern: "foo.>", want: true},
		{subject: "foo.*", pattern: "*.*", want: true},
		{subject: "*", pattern: ">", want: true},
		{subject: ">", pattern: ">", want: true},
		{subject: "foo.*", pattern: "foo.bar"},
		{subject: "foo.>", pattern: "foo.*"},
		{subject: "foo.>", pattern: "foo.bar"},
		{subject: ">", pattern: "*"},
		{subject: ">", pattern: "foo.>"},
		{subject: "*", pattern: "foo"},
		{subject: "foo", pattern: "foo.>"},
		{subject: "foo.bar", pattern: "foo"},
		{subject: "foo", pattern: "bar"},
		{subject: "foo*", pattern: "foo*", want: true},
		{subject: "foo..bar", pattern: ">"},
		{subject: "foo", pattern: "foo.>.bar"},
		{subject: "", pattern: ">"},
	}
	for _, tt := range tests {
		if got := IsSubsetMatch(tt.subject, tt.pattern); got != tt.want {
			t.Errorf("IsSubsetMatch(%q, %q) = %v, want %v", tt.subject, tt.pattern, got, tt.want)
		}
	}
}

func TestSubjectsCollide(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{a: "foo", b: "foo", want: true},
		{a: "foo", b: "bar"},
		{a: "foo.*", b: "foo.bar", want: true},
		{a: "foo.*", b: "*.bar", want: true},
		{a: "foo.>", b: "foo.bar.baz", want: true},
		{a: "foo.>", b: "*.*.baz", want: true},
		{a: ">", b: "foo", want: true},
		{a: "foo.>", b: "foo"},
		{a: "foo.*", b: "foo"},
		{a: "foo.*", b: "foo.bar.baz"},
		{a: "foo.*.baz", b: "foo.bar.qux"},
		{a: "*.bar", b: "foo.*", want: true},
		{a: "foo.bar", b: "foo.>", want: true},
		{a: "a.*.c", b: "a.b.>", want: true},
		{a: "foo*", b: "foo", want: false},
		{a: "foo..bar", b: ">"},
		{a: "", b: ""},
	}
	for _, tt := range tests {
		if got := SubjectsCollide(tt.a, tt.b); got != tt.want {
			t.Errorf("SubjectsCollide(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := SubjectsCollide(tt.b, tt.a); got != tt.want {
			t.Errorf("SubjectsCollide(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

// allSubjects returns every subject of 1..maxLen tokens drawn from alphabet.
func allSubjects(alphabet []string, maxLen int) []string {
	var out []string
	cur := []string{""}
	for range maxLen {
		var next []string
		for _, prefix := range cur {
			for _, tok := range alphabet {
				if prefix == "" {
					next = append(next, tok)
				} else {
					next = append(next, prefix+"."+tok)
				}
			}
		}
		out = append(out, next...)
		cur = next
	}
	return out
}

// TestSubjectRelationsExhaustive checks IsSubsetMatch and SubjectsCollide
// against their definitions over every pattern of up to three tokens. Literal
// subjects of up to four tokens over the patterns' literals plus a fresh token
// are enough to witness any overlap or any escape from a subset.
func TestSubjectRelationsExhaustive(t *testing.T) {
	var patterns []string
	for _, p := range allSubjects([]string{"a", "b", "*", ">"}, 3) {
		if ValidSubject(p) {
			patterns = append(patterns, p)
		}
	}
	literals := allSubjects([]string{"a", "b", "z"}, 4)
	matched := make(map[string][]bool, len(patterns))
	for _, p := range patterns {
		row := make([]bool, len(literals))
		for i, l := range literals {
			row[i] = naiveMatch(p, l)
			if got := SubjectMatches(p, l); got != row[i] {
				t.Fatalf("SubjectMatches(%q, %q) = %v, want %v", p, l, got, row[i])
			}
		}
		matched[p] = row
	}
	for _, a := range patterns {
		for _, b := range patterns {
			subset, collide := true, false
			for i := range literals {
				if matched[a][i] && !matched[b][i] {
					subset = false
				}
				if matched[a][i] && matched[b][i] {
					collide = true
				}
			}
			if got := IsSubsetMatch(a, b); got != subset {
				t.Errorf("IsSubsetMatch(%q, %q) = %v, want %v", a, b, got, subset)
			}
			if got := SubjectsCollide(a, b); got != collide {
				t.Errorf("SubjectsCollide(%q, %q) = %v, want %v", a, b, got, collide)
			}
		}
	}
}

func TestValidSubjectAgainstReference(t *testing.T) {
	for _, s := range allSubjects([]string{"a", "*", ">", "", " ", "b\x01", "*x"}, 3) {
		for _, wild := range []bool{true, false} {
			want := naiveValid(s, wild)
			var got bool
			if wild {
				got = ValidSubject(s)
			} else {
				got = ValidLiteralSubject(s)
			}
			if got != want {
				t.Errorf("valid(%q, wildcards=%v) = %v, want %v", s, wild, got, want)
			}
		}
	}
	if !ValidSubject(strings.Repeat("a.", 100) + ">") {
		t.Error("deep subject rejected")
	}
}

// TestValidSubjectEveryOffset puts each interesting byte at every position of
// subjects up to 40 bytes long, so both the eight-byte and the tail loops of
// validSubject see it.
func TestValidSubjectEveryOffset(t *testing.T) {
	special := []byte{0x00, '\t', '\n', 0x1f, ' ', '!', '.', '*', '>', 0x7f, 0x80, 0xa0, 0xff}
	for n := 1; n <= 40; n++ {
		for p := range n {
			for _, c := range special {
				b := []byte(strings.Repeat("a", n))
				b[p] = c
				s := string(b)
				for _, wild := range []bool{true, false} {
					got := validSubject(s, wild)
					if want := naiveValid(s, wild); got != want {
						t.Fatalf("valid(%q, wildcards=%v) = %v, want %v", s, wild, got, want)
					}
				}
				if got, want := SubjectMatches(s, s), naiveMatch(s, s); got != want {
					t.Fatalf("SubjectMatches(%q, itself) = %v, want %v", s, got, want)
				}
			}
		}
	}
}
