package conf

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// session is what the parsers of one Parse call share: how to read files and the
// environment, and the chains of includes and variables being resolved, which
// bound recursion and detect cycles.
type session struct {
	readFile  func(path string) ([]byte, error)
	lookupEnv func(name string) (string, bool)
	includes  []string // files being parsed, outermost first (cleaned paths)
	variables []string // environment variables being resolved, outermost first
}

func newSession() *session {
	return &session{readFile: readConfigFile, lookupEnv: os.LookupEnv}
}

// readConfigFile reads a configuration file, refusing anything but a regular file
// of at most MaxFileSize bytes (so that "include /dev/zero" cannot hang).
func readConfigFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxFileSize)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxFileSize)
	}
	return data, nil
}

// bcryptPrefix marks an unquoted $2a$... bcrypt hash, which is a literal and not
// a variable (nats-server special-cases only this variant).
const bcryptPrefix = "2a$"

// variable resolves the unquoted reference tok ("$NAME") found at pos: first the
// keys already defined in the enclosing maps, innermost first, then the
// environment, whose value is parsed as a configuration value.
func (p *parser) variable(tok string, pos Pos) (*Value, error) {
	name := tok[1:]
	if strings.HasPrefix(name, bcryptPrefix) {
		return &Value{Pos: pos, V: tok}, nil
	}
	if name == "" {
		return nil, p.errorf(pos, "expected a variable name after '$'")
	}
	for i := len(p.scopes) - 1; i >= 0; i-- {
		if e := p.scopes[i].Get(name); e != nil {
			e.UsedAsVariable = true
			return &Value{Pos: pos, V: e.Value.V}, nil
		}
	}
	raw, ok := p.s.lookupEnv(name)
	if !ok {
		return nil, p.errorf(pos, "undefined variable %s: no key %q was defined before it in this or an enclosing map, and no such environment variable is set", tok, name)
	}
	for i, n := range p.s.variables {
		if n == name {
			chain := append(append([]string(nil), p.s.variables[i:]...), name)
			return nil, p.errorf(pos, "variable cycle: $%s", strings.Join(chain, " -> $"))
		}
	}
	if len(p.s.variables) >= MaxVariableDepth {
		return nil, p.errorf(pos, "environment variables refer to one another more than %d deep", MaxVariableDepth)
	}
	p.s.variables = append(p.s.variables, name)
	defer func() { p.s.variables = p.s.variables[:len(p.s.variables)-1] }()
	v, err := parseEnvValue(p.s, name, raw)
	if err != nil {
		return nil, &Error{Pos: pos, Msg: "in the value of environment variable " + tok, Err: err}
	}
	v.Pos = pos
	return v, nil
}

// parseEnvValue parses an environment variable's text as one configuration value
// (so "8" is the integer 8); an empty value is the empty string.
func parseEnvValue(s *session, name, raw string) (*Value, error) {
	if strings.TrimSpace(raw) == "" {
		return &Value{V: raw}, nil
	}
	sub := newParser(s, raw, "$"+name, "")
	sub.skipSpace()
	v, err := sub.parseValue(name)
	if err != nil {
		return nil, err
	}
	sub.skipBlank()
	if c := sub.peek(); c != eof {
		return nil, sub.errorf(sub.pos(), "expected a single value, found %s", describe(c))
	}
	return v, nil
}

// parseInclude reads "include path" (the keyword already read) and merges the
// included file's keys into m. The path may be quoted; a relative one is taken
// from the directory of the including file.
func (p *parser) parseInclude(m *Map) error {
	p.skipSpace()
	pos := p.pos()
	var path string
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		p.advance()
		start := p.off
		for d := p.peek(); d != c; d = p.peek() {
			if d == eof || isNL(d) {
				return p.errorf(pos, "unterminated include path: missing closing %c", rune(c))
			}
			p.advance()
		}
		path = p.src[start:p.off]
		p.advance()
	case isBareEnd(c) || c == '{' || c == '[' || c == '(' || c == '#':
		return p.errorf(pos, "expected a file name after include, found %s", describe(c))
	default:
		start := p.off
		for !isBareEnd(p.peek()) {
			p.advance()
		}
		path = p.src[start:p.off]
	}
	if path == "" {
		return p.errorf(pos, "expected a file name after include")
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(p.dir, full)
	}
	clean := filepath.Clean(full)
	if abs, err := filepath.Abs(clean); err == nil {
		clean = abs
	}
	for i, f := range p.s.includes {
		if f == clean {
			chain := append(append([]string(nil), p.s.includes[i:]...), clean)
			return p.errorf(pos, "include cycle: %s", strings.Join(chain, " -> "))
		}
	}
	if len(p.s.includes) > MaxIncludeDepth {
		return p.errorf(pos, "includes nest deeper than %d levels", MaxIncludeDepth)
	}
	data, err := p.s.readFile(full)
	if err != nil {
		return &Error{Pos: pos, Msg: fmt.Sprintf("include %q", path), Err: err}
	}
	root, err := parseText(p.s, string(data), full, clean)
	if err != nil {
		return &Error{Pos: pos, Msg: fmt.Sprintf("include %q", path), Err: err}
	}
	for _, e := range root.entries {
		m.set(e)
	}
	return nil
}

// parseText parses a whole file's text; id is its cleaned absolute path for
// cycle detection ("" for text that is not a file).
func parseText(s *session, src, file, id string) (*Map, error) {
	if id != "" {
		s.includes = append(s.includes, id)
		defer func() { s.includes = s.includes[:len(s.includes)-1] }()
	}
	dir := ""
	if file != "" {
		dir = filepath.Dir(file)
	}
	return newParser(s, src, file, dir).parseDocument()
}
