package sublist

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unsafe"
)

// Subject syntax: tokens separated by '.', none of them empty. A token that is
// exactly "*" matches any one token; a token that is exactly ">" matches one or
// more trailing tokens and may only come last. "foo*" or ">x" are literal tokens.
const (
	sep    = '.'
	pwcTok = "*"
	fwcTok = ">"
)

// maxStackTokens is how many tokens the matching and insert paths keep on the
// stack; deeper subjects still work but spill to the heap.
const maxStackTokens = 32

// b2s views b as a string without copying. The result must only be read while
// the caller still owns b and must never be stored: every use in this package
// is a comparison, a hash or a map lookup that ends before the function
// returns, and the cache stores strings.Clone copies.
func b2s(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Byte classes for the validation loops: one table load per byte keeps the
// common case (an ordinary byte) to a single branch.
const (
	classOK  = iota
	classSep // '.'
	classBad // ASCII control bytes, DEL and space (all other ASCII whitespace is a control byte)
)

var byteClass = func() (t [256]uint8) {
	for c := range t {
		if c <= ' ' || c == 0x7f {
			t[c] = classBad
		}
	}
	t[sep] = classSep
	return t
}()

// ValidSubject reports whether subject is a valid subscription subject:
// non-empty tokens, no control bytes or whitespace, and wildcards only as whole
// tokens with ">" last. It is stricter than nats-server, which lets control
// bytes through. Safe for concurrent use.
func ValidSubject(subject string) bool {
	return validSubject(subject, true)
}

// ValidSubjectBytes is ValidSubject for a byte slice. It does not allocate and
// does not retain subject. Safe for concurrent use.
func ValidSubjectBytes(subject []byte) bool {
	return validSubject(b2s(subject), true)
}

// ValidLiteralSubject reports whether subject is a valid publish subject: a
// valid subject with no wildcard tokens. Safe for concurrent use.
func ValidLiteralSubject(subject string) bool {
	return validSubject(subject, false)
}

// ValidLiteralSubjectBytes is ValidLiteralSubject for a byte slice. It does not
// allocate and does not retain subject. Safe for concurrent use.
func ValidLiteralSubjectBytes(subject []byte) bool {
	return validSubject(b2s(subject), false)
}

// ValidQueueName reports whether queue is usable as a queue group name:
// non-empty with no control bytes or whitespace. Dots and '*' are ordinary
// characters in a queue name. It does not allocate or retain queue.
func ValidQueueName(queue []byte) bool {
	return validQueueName(b2s(queue))
}

func validQueueName(queue string) bool {
	if len(queue) == 0 {
		return false
	}
	for i := 0; i < len(queue); i++ {
		if byteClass[queue[i]] == classBad {
			return false
		}
	}
	return true
}

// validSubject checks eight bytes at a time: specialBytes flags separators and
// bad bytes in a word, and only flagged positions are looked at one by one.
func validSubject(s string, wildcards bool) bool {
	if len(s) == 0 {
		return false
	}
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read-only view
	start := 0                                      // first byte of the current token
	i := 0
	for ; i+8 <= len(b); i += 8 {
		for m := specialBytes(binary.LittleEndian.Uint64(b[i:])); m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)>>3
			if b[j] != sep || !validToken(s, start, j, wildcards) {
				return false
			}
			start = j + 1
		}
	}
	for ; i < len(b); i++ {
		switch byteClass[b[i]] {
		case classOK:
			continue
		case classBad:
			return false
		}
		if !validToken(s, start, i, wildcards) {
			return false
		}
		start = i + 1
	}
	return validToken(s, start, len(s), wildcards)
}

// validToken checks the token s[start:end] of a subject whose bytes are
// already known to be fine.
func validToken(s string, start, end int, wildcards bool) bool {
	switch end - start {
	case 0:
		return false
	case 1:
		switch s[start] {
		case '*':
			return wildcards
		case '>':
			return wildcards && end == len(s)
		}
	}
	return true
}

const (
	swarOnes = 0x0101010101010101
	swarLow7 = 0x7f7f7f7f7f7f7f7f
	swarHigh = 0x8080808080808080
)

// specialBytes returns x with the high bit of each byte set exactly when that
// byte is '.', DEL or at most ' ' (a control byte or space). No step carries
// between bytes, so unlike the classic has-zero trick the mask has no false
// positives.
func specialBytes(x uint64) uint64 {
	low := ^((x&swarLow7 + (0x80-0x21)*swarOnes) | x) & swarHigh // bytes < 0x21
	return low | zeroBytes(x^(sep*swarOnes)) | zeroBytes(x^(0x7f*swarOnes))
}

// zeroBytes sets the high bit of each zero byte of x, and no other bit.
func zeroBytes(x uint64) uint64 {
	return ^((x&swarLow7 + swarLow7) | x | swarLow7)
}

// subjectIsLiteral reports whether a valid subject has no wildcard token.
func subjectIsLiteral(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] == '*' || s[i] == '>') &&
			(i == 0 || s[i-1] == sep) && (i+1 == len(s) || s[i+1] == sep) {
			return false
		}
	}
	return true
}

// cutToken splits off the first token of s. more is false when tok was the last.
func cutToken(s string) (tok, rest string, more bool) {
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// SubjectMatches reports whether the literal subject is matched by pattern,
// exactly as Match would: "*" matches one token, ">" one or more, and any other
// pattern token must equal the subject token byte for byte (so a subject token
// "*" is only matched by a wildcard or by nothing else). A subject with an empty
// token matches nothing. pattern is expected to be a valid subject; it is not
// checked for bad bytes. It does not allocate. Safe for concurrent use.
func SubjectMatches(pattern, subject string) bool {
	if len(pattern) == 0 || len(subject) == 0 {
		return false
	}
	pi, si := 0, 0 // start of the current token in each
	for {
		pEnd := pi+1 == len(pattern) || pattern[pi+1] == sep
		switch {
		case pattern[pi] == '>' && pEnd:
			return pi+1 == len(pattern) && noEmptyToken(subject[si:])
		case pattern[pi] == '*' && pEnd:
			start := si
			for si < len(subject) && subject[si] != sep {
				si++
			}
			if si == start {
				return false
			}
			pi++
		default:
			start := si
			for pi < len(pattern) && pattern[pi] != sep {
				if si == len(subject) || subject[si] != pattern[pi] {
					return false
				}
				pi++
				si++
			}
			if si == start || (si < len(subject) && subject[si] != sep) {
				return false
			}
		}
		// Both are now at a separator or at their end.
		if pi == len(pattern) || si == len(subject) {
			return pi == len(pattern) && si == len(subject)
		}
		pi, si = pi+1, si+1
		if pi == len(pattern) || si == len(subject) {
			return false // trailing separator
		}
	}
}

// SubjectMatchesBytes is SubjectMatches for a byte-slice subject. It does not
// allocate and does not retain subject. Safe for concurrent use.
func SubjectMatchesBytes(pattern string, subject []byte) bool {
	return SubjectMatches(pattern, b2s(subject))
}

// noEmptyToken reports whether s is a non-empty run of non-empty tokens.
func noEmptyToken(s string) bool {
	if len(s) == 0 || s[0] == sep || s[len(s)-1] == sep {
		return false
	}
	return !strings.Contains(s, "..")
}

// IsSubsetMatch reports whether every literal subject matched by subject
// (which may contain wildcards) is also matched by pattern. Permission checks
// use it to allow a wildcard subscription only when all it can receive is
// allowed. Both arguments must be valid subjects (ValidSubject); otherwise the
// answer is false. Safe for concurrent use.
func IsSubsetMatch(subject, pattern string) bool {
	if !ValidSubject(subject) || !ValidSubject(pattern) {
		return false
	}
	for {
		st, srest, smore := cutToken(subject)
		pt, prest, pmore := cutToken(pattern)
		switch {
		case pt == fwcTok:
			return true
		case st == fwcTok:
			return false
		case pt != pwcTok && st != pt:
			return false
		}
		if !smore || !pmore {
			return smore == pmore
		}
		subject, pattern = srest, prest
	}
}

// SubjectsCollide reports whether some literal subject is matched by both a
// and b (either may contain wildcards). Deny lists use it to refuse a wildcard
// subscription that could receive a denied subject. Both arguments must be
// valid subjects (ValidSubject); otherwise the answer is false. Safe for
// concurrent use.
func SubjectsCollide(a, b string) bool {
	if !ValidSubject(a) || !ValidSubject(b) {
		return false
	}
	for {
		at, arest, amore := cutToken(a)
		bt, brest, bmore := cutToken(b)
		switch {
		case at == fwcTok || bt == fwcTok:
			return true
		case at != pwcTok && bt != pwcTok && at != bt:
			return false
		}
		if !amore || !bmore {
			return amore == bmore
		}
		a, b = arest, brest
	}
}
