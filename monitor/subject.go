package monitor

import "strings"

// isLiteralSubject reports whether s could be published to: non-empty tokens
// separated by '.', no whitespace, and no token that is a lone '*' or '>'.
func isLiteralSubject(s string) bool {
	if s == "" {
		return false
	}
	for {
		tok, rest, more := cutToken(s)
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n") {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// matchLiteral reports whether a message published to the literal subject
// would reach a subscription on pattern, which may hold '*' and '>' tokens.
func matchLiteral(literal, pattern string) bool {
	for {
		ptok, prest, pmore := cutToken(pattern)
		ltok, lrest, lmore := cutToken(literal)
		switch ptok {
		case ">":
			return true
		case "*":
		default:
			if ptok != ltok {
				return false
			}
		}
		if !pmore || !lmore {
			return pmore == lmore
		}
		pattern, literal = prest, lrest
	}
}

// cutToken splits s at its first '.'; more reports whether there was one.
func cutToken(s string) (tok, rest string, more bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}
