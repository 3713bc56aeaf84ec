package sublist

// Match returns the subscriptions whose subject pattern matches the literal
// subject. A subject with an empty token (leading, trailing or double dot)
// matches nothing; wildcard characters in subject are literal bytes, so
// "foo.*" is matched by the pattern "foo.*" but not by "foo.bar".
//
// The Result is shared and immutable (see Result) and never nil: an empty match
// returns the Sublist's shared empty Result. A cache hit takes no lock and does
// not allocate. subject is not retained. Safe for concurrent use.
func (s *Sublist[S]) Match(subject []byte) *Result[S] {
	return s.match(b2s(subject))
}

// MatchString is Match for a string subject, with the same rules.
func (s *Sublist[S]) MatchString(subject string) *Result[S] {
	return s.match(subject)
}

// match may receive a b2s view: it only hashes, compares and looks up subject
// and its tokens, and cache.put stores a copy.
func (s *Sublist[S]) match(subject string) *Result[S] {
	st := s.stats.stripe()
	st.matches.Add(1)
	if c := s.cache.Load(); c != nil {
		if r := c.get(c.hash(subject), subject); r != nil {
			return r
		}
	}
	st.misses.Add(1)

	var buf [maxStackTokens]int
	ends, ok := tokenEnds(subject, buf[:0])
	if !ok {
		return s.empty
	}
	var nodeBuf [16]*node[S]
	e := new(cacheEntry[S])
	s.mu.RLock()
	e.result = buildResult(collect(&s.root, subject, ends, 0, nodeBuf[:0]), s.empty, &e.own)
	// Store under the read lock so no Insert or Remove can run between
	// computing the result and publishing it (see matchCache).
	s.cacheForPut().put(e, subject, ends)
	s.mu.RUnlock()
	return e.result
}

// HasInterest reports whether any stored subscription matches subject. It
// answers from the match cache when it can and otherwise walks the trie
// without building or caching a Result, so it never allocates. subject is not
// retained. Safe for concurrent use.
func (s *Sublist[S]) HasInterest(subject []byte) bool {
	subj := b2s(subject)
	if c := s.cache.Load(); c != nil {
		if r := c.get(c.hash(subj), subj); r != nil {
			return !r.IsEmpty()
		}
	}
	var buf [maxStackTokens]int
	ends, ok := tokenEnds(subj, buf[:0])
	if !ok {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return anyMatch(&s.root, subj, ends, 0)
}

// tokenEnds appends to dst the end offset of every token of subject, or
// reports false if a token is empty. Offsets rather than substrings keep
// subject from escaping, so callers may Match a stack buffer for free.
func tokenEnds(subject string, dst []int) ([]int, bool) {
	start := 0
	for i := 0; i < len(subject); i++ {
		if subject[i] == sep {
			if i == start {
				return dst, false
			}
			dst = append(dst, i)
			start = i + 1
		}
	}
	if start == len(subject) {
		return dst, false
	}
	return append(dst, len(subject)), true
}

// tokenAt returns token i of subject given its tokenEnds.
func tokenAt(subject string, ends []int, i int) string {
	if i == 0 {
		return subject[:ends[0]]
	}
	return subject[ends[i-1]+1 : ends[i]]
}

// collect appends to dst every node with subscriptions whose pattern matches
// the tokens of subject from index i on. The walk is a loop over literal
// children and recurses only into "*" branches. Caller holds s.mu.
func collect[S comparable](l *level[S], subject string, ends []int, i int, dst []*node[S]) []*node[S] {
	last := len(ends) - 1
	for ; l != nil; i++ {
		if n := l.fwc; n != nil && n.hasSubs() {
			dst = append(dst, n)
		}
		if n := l.pwc; n != nil {
			if i < last {
				dst = collect(n.next, subject, ends, i+1, dst)
			} else if n.hasSubs() {
				dst = append(dst, n)
			}
		}
		n := l.nodes[tokenAt(subject, ends, i)]
		if n == nil {
			break
		}
		if i == last {
			if n.hasSubs() {
				dst = append(dst, n)
			}
			break
		}
		l = n.next
	}
	return dst
}

// anyMatch reports whether collect would find anything. Caller holds s.mu.
func anyMatch[S comparable](l *level[S], subject string, ends []int, i int) bool {
	last := len(ends) - 1
	for ; l != nil; i++ {
		if n := l.fwc; n != nil && n.hasSubs() {
			return true
		}
		if n := l.pwc; n != nil {
			if i < last {
				if anyMatch(n.next, subject, ends, i+1) {
					return true
				}
			} else if n.hasSubs() {
				return true
			}
		}
		n := l.nodes[tokenAt(subject, ends, i)]
		if n == nil {
			return false
		}
		if i == last {
			return n.hasSubs()
		}
		l = n.next
	}
	return false
}
