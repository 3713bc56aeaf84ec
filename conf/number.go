package conf

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// sizeSuffixes maps the lower-cased unit after an integer to its multiplier:
// k, m, g, t, p, e are powers of 1000; kb/ki/kib and the like are powers of 1024.
var sizeSuffixes = func() map[string]int64 {
	m := make(map[string]int64, 24)
	dec, bin := int64(1), int64(1)
	for _, u := range []string{"k", "m", "g", "t", "p", "e"} {
		dec *= 1000
		bin *= 1024
		m[u] = dec
		m[u+"b"], m[u+"i"], m[u+"ib"] = bin, bin, bin
	}
	return m
}()

// datetimeLayout is the one datetime form the format has: ISO8601 in Zulu time.
const datetimeLayout = "2006-01-02T15:04:05Z"

// parseNumber classifies an unquoted token that starts with a digit or '-'. It
// returns an int64 (possibly scaled by a size suffix), a float64 or a time.Time
// with isNum set; isNum is false for tokens that are plain strings such as
// "2s", "10ms" or "127.0.0.1:4222". A token starting with '-' must be a number.
func parseNumber(tok string) (v any, isNum bool, err error) {
	neg := tok[0] == '-'
	body := tok
	if neg {
		body = tok[1:]
	}
	n := 0
	for n < len(body) && isDigit(int(body[n])) {
		n++
	}
	if n == 0 {
		return nil, false, fmt.Errorf("invalid number %q: expected a digit after '-'", tok)
	}
	digits, rest := tok[:len(tok)-len(body)+n], body[n:]
	switch {
	case rest == "":
		i, err := parseInt(digits)
		return i, err == nil, err
	case rest[0] == '.' && len(rest) > 1 && allDigits(rest[1:]):
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, false, fmt.Errorf("float %q is out of range", tok)
		}
		return f, true, nil
	case !neg && n == 4 && rest[0] == '-':
		t, err := time.Parse(datetimeLayout, tok)
		if err != nil {
			return nil, false, fmt.Errorf("invalid datetime %q: expected ISO8601 Zulu form, as in 2006-01-02T15:04:05Z", tok)
		}
		return t, true, nil
	}
	if mult, ok := sizeSuffixes[strings.ToLower(rest)]; ok {
		i, err := parseInt(digits)
		if err != nil {
			return nil, false, err
		}
		if i > math.MaxInt64/mult || i < math.MinInt64/mult {
			return nil, false, fmt.Errorf("size %q is out of range", tok)
		}
		return i * mult, true, nil
	}
	if neg {
		return nil, false, fmt.Errorf("invalid number %q", tok)
	}
	return nil, false, nil
}

func parseInt(s string) (int64, error) {
	i, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("integer %q is out of range", s)
	}
	return i, err
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(int(s[i])) {
			return false
		}
	}
	return true
}
