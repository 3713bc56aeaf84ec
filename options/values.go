package options

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/evnats/evnats/conf"
	"github.com/evnats/evnats/tlsengine"
)

// fileParser turns a parsed configuration into Options. It collects every error
// (so one run reports all of them, in file order) and every warning.
type fileParser struct {
	o       *Options
	loadTLS func(*tlsengine.Config) error
	errs    []error
	warns   []string
}

func (p *fileParser) fail(pos conf.Pos, format string, args ...any) {
	p.errs = append(p.errs, &conf.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (p *fileParser) failErr(pos conf.Pos, err error) {
	p.errs = append(p.errs, &conf.Error{Pos: pos, Msg: err.Error()})
}

func (p *fileParser) warn(pos conf.Pos, format string, args ...any) {
	p.warns = append(p.warns, pos.String()+": "+fmt.Sprintf(format, args...))
}

// unknown reports a key no handler knows; in is the block ("" at top level).
// Keys that were only defined to be used as $variables are not errors.
func (p *fileParser) unknown(e *conf.Entry, in string) {
	if e.UsedAsVariable {
		return
	}
	if in == "" {
		p.fail(e.KeyPos, "unknown field %q", e.Key)
		return
	}
	p.fail(e.KeyPos, "unknown field %q in %s", e.Key, in)
}

// unsupported reports a key nats-server has but evnats does not implement.
func (p *fileParser) unsupported(e *conf.Entry) {
	if e.UsedAsVariable {
		return
	}
	p.fail(e.KeyPos, "%q is not supported by evnats", e.Key)
}

// ignored accepts a key that changes nothing evnats does (a logging knob), with a
// warning so that the user knows.
func (p *fileParser) ignored(e *conf.Entry) {
	p.warn(e.KeyPos, "%q is accepted but ignored by evnats", e.Key)
}

func (p *fileParser) typeError(e *conf.Entry, want string) {
	p.fail(e.Value.Pos, "expected %s for %q, got %s", want, e.Key, describeValue(e.Value.V))
}

// describeValue names a value's type, and shows short scalars, for messages.
func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("string %q", x)
	case int64, float64, bool:
		return fmt.Sprintf("%s %v", conf.TypeName(v), x)
	}
	return conf.TypeName(v)
}

func (p *fileParser) str(e *conf.Entry) (string, bool) {
	s, ok := e.Value.V.(string)
	if !ok {
		p.typeError(e, "a string")
	}
	return s, ok
}

func (p *fileParser) boolean(e *conf.Entry) (bool, bool) {
	b, ok := e.Value.V.(bool)
	if !ok {
		p.typeError(e, "a boolean")
	}
	return b, ok
}

func (p *fileParser) int64Of(e *conf.Entry) (int64, bool) {
	i, ok := e.Value.V.(int64)
	if !ok {
		p.typeError(e, "an integer")
	}
	return i, ok
}

// intIn reads an integer within [lo, hi].
func (p *fileParser) intIn(e *conf.Entry, lo, hi int64) (int, bool) {
	i, ok := p.int64Of(e)
	if !ok {
		return 0, false
	}
	if i < lo || i > hi {
		p.fail(e.Value.Pos, "%q must be between %d and %d, got %d", e.Key, lo, hi, i)
		return 0, false
	}
	return int(i), true
}

func (p *fileParser) count(e *conf.Entry) (int, bool) { return p.intIn(e, 0, math.MaxInt32) }

func (p *fileParser) port(e *conf.Entry) (int, bool) { return p.intIn(e, RandomPort, 65535) }

// duration reads a duration string ("2m", "500ms"), or a number of seconds. A
// bare number draws a warning when warnBare is set, as nats-server does for
// ping_interval and write_deadline, since an unquoted "1m" is the number 1000000.
func (p *fileParser) duration(e *conf.Entry, warnBare bool) (time.Duration, bool) {
	var d time.Duration
	switch v := e.Value.V.(type) {
	case string:
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			p.fail(e.Value.Pos, "invalid duration %q for %q: %v", v, e.Key, err)
			return 0, false
		}
	case int64:
		if v > int64(math.MaxInt64/time.Second) || v < 0 {
			p.fail(e.Value.Pos, "%q of %d seconds is out of range", e.Key, v)
			return 0, false
		}
		d = time.Duration(v) * time.Second
		if warnBare {
			p.warn(e.Value.Pos, "%q was given as the number %d and is taken as %v; write a quoted duration such as \"%v\" instead", e.Key, v, d, d)
		}
	case float64:
		if v < 0 || v > float64(math.MaxInt64/time.Second) || math.IsNaN(v) {
			p.fail(e.Value.Pos, "%q of %v seconds is out of range", e.Key, v)
			return 0, false
		}
		d = time.Duration(v * float64(time.Second))
	default:
		p.typeError(e, "a duration")
		return 0, false
	}
	if d < 0 {
		p.fail(e.Value.Pos, "%q must not be negative", e.Key)
		return 0, false
	}
	return d, true
}

// listen reads a listen address: a port number, or "host:port".
func (p *fileParser) listen(e *conf.Entry) (host string, port int, ok bool) {
	switch v := e.Value.V.(type) {
	case int64:
		port, ok = p.port(e)
		return "", port, ok
	case string:
		host, port, err := splitHostPort(v)
		if err != nil {
			p.fail(e.Value.Pos, "%v", err)
			return "", 0, false
		}
		return host, port, true
	}
	p.typeError(e, "a port or \"host:port\"")
	return "", 0, false
}

// splitHostPort parses "host:port" where port may be -1 (random).
func splitHostPort(s string) (string, int, error) {
	host, ps, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("could not parse address string %q", s)
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < RandomPort || port > 65535 {
		return "", 0, fmt.Errorf("could not parse port %q", ps)
	}
	return host, port, nil
}

func (p *fileParser) mapOf(e *conf.Entry) (*conf.Map, bool) {
	m, ok := e.Value.V.(*conf.Map)
	if !ok {
		p.typeError(e, "a map")
	}
	return m, ok
}

// stringList reads a string or an array of strings.
func (p *fileParser) stringList(e *conf.Entry) ([]string, bool) {
	switch v := e.Value.V.(type) {
	case string:
		return []string{v}, true
	case []*conf.Value:
		out := make([]string, 0, len(v))
		ok := true
		for _, el := range v {
			s, isStr := el.V.(string)
			if !isStr {
				p.fail(el.Pos, "expected strings in %q, got %s", e.Key, describeValue(el.V))
				ok = false
				continue
			}
			out = append(out, s)
		}
		return out, ok
	}
	p.typeError(e, "a string or an array of strings")
	return nil, false
}

// lower is the key as option handlers match it: case-insensitively.
func lower(e *conf.Entry) string { return strings.ToLower(e.Key) }
