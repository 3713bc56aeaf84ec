package sublist

import (
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

func validSubject(s string, wildcards bool) bool {
	if len(s) == 0 {
		return false
	}
	start := 0
	for i := 0; i < len(s); i++ {
		switch byteClass[s[i]] {
		case classOK:
			continue
		case classBad:
			return false
		}
		if i == start || (i-start == 1 && !validOneByteToken(s[start], false, wildcards)) {
			return false
		}
		start = i + 1
	}
	switch len(s) - start {
	case 0:
		return false
	case 1:
		return validOneByteToken(s[start], true, wildcards)
	}
	return true
}

// validOneByteToken checks a token of length one, the only length at which a
// token can be a wildcard.
func validOneByteToken(c byte, last, wildcards bool) bool {
	switch c {
	case '*':
		return wildcards
	case '>':
		return wildcards && last
	}
	return true
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
	for {
		pt, prest, pmore := cutToken(pattern)
		st, srest, smore := cutToken(subject)
		if len(pt) == 0 || len(st) == 0 {
			return false
		}
		switch pt {
		case fwcTok:
			return !pmore && (!smore || noEmptyToken(srest))
		case pwcTok:
		default:
			if pt != st {
				return false
			}
		}
		if !pmore || !smore {
			return pmore == smore
		}
		pattern, subject = prest, srest
	}
}

// SubjectMatchesBytes is SubjectMatches for a byte-slice subject. It does not
// allocate and does not retain subject. Safe for concurrent use.
func SubjectMatchesBytes(pattern string, subject []byte) bool {
	return SubjectMatches(pattern, b2s(subject))
}

// noEmptyToken reports whether s, the remainder after a separator, is a
// non-empty run of non-empty tokens.
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
