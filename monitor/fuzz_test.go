package monitor

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseQuery feeds arbitrary query strings to every query parser: none
// may panic, rejections must be bad-request errors, and whatever is accepted
// must be normalised.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "sort=msgs_to&limit=5", "sort=stop&state=closed", "subs=detail&auth=1", "cid=7",
		"offset=-3&limit=-1", "state=ANY", "sort=bogus", "limit=9223372036854775807&offset=9223372036854775807",
		"subs=%zz", "acc=$G&user=alice", "subs=1&test=foo.bar&offset=2", "test=foo.*", "details=true&js-server-only=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		checkRejection := func(err error) {
			if err != nil && !isBadRequest(err) {
				t.Fatalf("%q: error %v is not a bad request", raw, err)
			}
		}
		_, err = parseRoutezOptions(q)
		checkRejection(err)
		_, err = parseHealthzOptions(q)
		checkRejection(err)
		sopts, err := parseSubszOptions(q)
		checkRejection(err)
		if err == nil && (sopts.Offset < 0 || sopts.Limit <= 0 || (sopts.Test != "" && !isLiteralSubject(sopts.Test))) {
			t.Fatalf("%q: subsz options not normalised: %+v", raw, sopts)
		}
		opts, err := parseConnzOptions(q)
		checkRejection(err)
		if err != nil {
			return
		}
		if !opts.Sort.IsValid() || opts.Sort == "" || opts.Offset < 0 || opts.Limit <= 0 ||
			(opts.CID > 0 && opts.Limit != 1) {
			t.Fatalf("%q: not normalised: %+v", raw, opts)
		}
		// Paging any list with the accepted options must stay in bounds.
		list := make([]int, 5)
		if page := pageOf(list, opts.Offset, opts.Limit); len(page) > len(list) {
			t.Fatalf("%q: page of %d from %d", raw, len(page), len(list))
		}
	})
}

// FuzzMatchLiteral checks matchLiteral against a naive token-slice matcher.
func FuzzMatchLiteral(f *testing.F) {
	for _, s := range [][2]string{
		{"foo.bar", "foo.*"}, {"foo.bar.baz", "foo.>"}, {"foo", ">"}, {"a.b", "a.b.c"}, {"a..b", "a.*.b"},
		{"", "*"}, {".", "*.*"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, literal, pattern string) {
		if !isLiteralSubject(literal) {
			return
		}
		if got, want := matchLiteral(literal, pattern), naiveMatch(literal, pattern); got != want {
			t.Fatalf("matchLiteral(%q, %q) = %v, naive %v", literal, pattern, got, want)
		}
	})
}

func naiveMatch(literal, pattern string) bool {
	lt, pt := strings.Split(literal, "."), strings.Split(pattern, ".")
	for i, p := range pt {
		if p == ">" {
			return len(lt) > i
		}
		if i >= len(lt) || (p != "*" && p != lt[i]) {
			return false
		}
	}
	return len(lt) == len(pt)
}

func isBadRequest(err error) bool {
	_, ok := err.(*requestError)
	return ok
}
