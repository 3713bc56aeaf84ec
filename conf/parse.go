package conf

import (
	"fmt"
	"strings"
)

// Limits that keep hostile input from hanging or exhausting the parser.
const (
	// MaxDepth is how deeply maps and arrays may nest.
	MaxDepth = 128
	// MaxIncludeDepth is how deeply include directives may nest.
	MaxIncludeDepth = 16
	// MaxVariableDepth is how many environment variables may refer to one another
	// in a chain.
	MaxVariableDepth = 16
	// MaxFileSize bounds a configuration file or an included file.
	MaxFileSize = 16 << 20
)

// eof is what peek returns past the end of the input.
const eof = -1

// utf8BOM is skipped at the start of a file, as editors on Windows write it.
const utf8BOM = "\ufeff"

// parser reads one text (a file, an included file or an environment variable's
// value) by recursive descent, directly from bytes: every delimiter of the format
// is ASCII, so bytes of multi-byte UTF-8 runes never look like one.
type parser struct {
	s    *session
	src  string
	file string // Pos.File of everything read here
	dir  string // base of relative include paths

	off       int
	line      int
	lineStart int

	// scopes are the maps being filled, outermost first: variables resolve
	// against them from the innermost outward.
	scopes []*Map
	depth  int
}

func newParser(s *session, src, file, dir string) *parser {
	return &parser{s: s, src: src, file: file, dir: dir, line: 1}
}

func (p *parser) peek() int {
	if p.off >= len(p.src) {
		return eof
	}
	return int(p.src[p.off])
}

func (p *parser) peekAt(n int) int {
	if p.off+n >= len(p.src) {
		return eof
	}
	return int(p.src[p.off+n])
}

func (p *parser) advance() {
	if p.off >= len(p.src) {
		return
	}
	if p.src[p.off] == '\n' {
		p.line++
		p.lineStart = p.off + 1
	}
	p.off++
}

func (p *parser) pos() Pos {
	return Pos{File: p.file, Line: p.line, Col: p.off - p.lineStart + 1}
}

func (p *parser) errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func isSpace(c int) bool { return c == ' ' || c == '\t' }
func isNL(c int) bool    { return c == '\n' || c == '\r' }

// isBareEnd reports whether c ends an unquoted value.
func isBareEnd(c int) bool {
	switch c {
	case eof, ' ', '\t', '\n', '\r', ',', ';', ']', '}':
		return true
	}
	return false
}

// describe names the byte c for "found ..." in messages.
func describe(c int) string {
	switch {
	case c == eof:
		return "end of file"
	case isNL(c):
		return "end of line"
	case c < 0x20 || c >= 0x7f:
		return fmt.Sprintf("byte %#02x", c)
	}
	return fmt.Sprintf("'%c'", rune(c))
}

func (p *parser) atComment() bool {
	c := p.peek()
	return c == '#' || (c == '/' && p.peekAt(1) == '/')
}

func (p *parser) skipSpace() {
	for isSpace(p.peek()) {
		p.advance()
	}
}

// skipComment skips to the end of the line, leaving the newline.
func (p *parser) skipComment() {
	for c := p.peek(); c != eof && !isNL(c); c = p.peek() {
		p.advance()
	}
}

// skipBlank skips whitespace, newlines and comments.
func (p *parser) skipBlank() {
	for {
		c := p.peek()
		switch {
		case isSpace(c) || isNL(c):
			p.advance()
		case p.atComment():
			p.skipComment()
		default:
			return
		}
	}
}

// parseDocument reads a whole text as the top-level map, optionally wrapped in {}.
func (p *parser) parseDocument() (*Map, error) {
	root := newMap()
	p.scopes = append(p.scopes, root)
	if strings.HasPrefix(p.src, utf8BOM) {
		p.off, p.lineStart = len(utf8BOM), len(utf8BOM)
	}
	p.skipBlank()
	if p.peek() != '{' {
		return root, p.parseEntries(root, eof, Pos{})
	}
	open := p.pos()
	p.advance()
	if err := p.parseEntries(root, '}', open); err != nil {
		return nil, err
	}
	p.skipBlank()
	if c := p.peek(); c != eof {
		return nil, p.errorf(p.pos(), "expected end of file after the '}' that closes the document, found %s", describe(c))
	}
	return root, nil
}

// parseEntries reads "key value" entries into m until closer ('}' or eof); open is
// where the map began, for the message when it is never closed.
func (p *parser) parseEntries(m *Map, closer int, open Pos) error {
	for {
		p.skipBlank()
		c := p.peek()
		if c == closer {
			p.advance()
			return nil
		}
		if c == eof {
			return p.errorf(p.pos(), "expected '}' to close the map opened at %d:%d, found end of file", open.Line, open.Col)
		}
		key, err := p.parseEntry(m)
		if err != nil {
			return err
		}
		if err := p.endOfEntry(key, closer); err != nil {
			return err
		}
	}
}

// endOfEntry checks what follows a value: a comment, a newline, ',' or ';', or
// the closer of the enclosing map.
func (p *parser) endOfEntry(key string, closer int) error {
	p.skipSpace()
	if p.atComment() {
		p.skipComment()
		return nil
	}
	c := p.peek()
	switch {
	case c == ',' || c == ';':
		p.advance()
		return nil
	case isNL(c) || c == eof || c == closer:
		return nil
	}
	if closer == '}' {
		return p.errorf(p.pos(), "expected a newline, ',', ';' or '}' after the value of %q, found %s", key, describe(c))
	}
	return p.errorf(p.pos(), "expected a newline, ',' or ';' after the value of %q, found %s", key, describe(c))
}

// parseEntry reads one "key [=|:] value" or "include path" into m and returns
// the key.
func (p *parser) parseEntry(m *Map) (string, error) {
	keyPos := p.pos()
	key, quoted, err := p.parseKey()
	if err != nil {
		return "", err
	}
	if !quoted && strings.EqualFold(key, "include") && isSpace(p.peek()) && !p.separatorFollows() {
		return key, p.parseInclude(m)
	}
	p.skipSpace()
	sep := false
	if c := p.peek(); c == '=' || c == ':' {
		p.advance()
		sep = true
		p.skipSpace()
	}
	if c := p.peek(); c == eof || isNL(c) || p.atComment() {
		if sep || !p.mapFollows() {
			return "", p.errorf(p.pos(), "expected a value after key %q", key)
		}
		p.skipBlank()
	}
	v, err := p.parseValue(key)
	if err != nil {
		return "", err
	}
	m.set(&Entry{Key: key, KeyPos: keyPos, Value: v})
	return key, nil
}

// separatorFollows reports whether '=' or ':' comes after spaces, which makes
// "include = x" an ordinary key rather than the include directive.
func (p *parser) separatorFollows() bool {
	i := p.off
	for i < len(p.src) && isSpace(int(p.src[i])) {
		i++
	}
	return i < len(p.src) && (p.src[i] == '=' || p.src[i] == ':')
}

// mapFollows reports whether the next thing after blank lines and comments is
// '{', as in "tls\n{", which nats-server accepts.
func (p *parser) mapFollows() bool {
	off, line, lineStart := p.off, p.line, p.lineStart
	p.skipBlank()
	ok := p.peek() == '{'
	p.off, p.line, p.lineStart = off, line, lineStart
	return ok
}

// parseKey reads a key: quoted with " or ' (taken verbatim), or unquoted up to
// whitespace, a separator or a bracket.
func (p *parser) parseKey() (key string, quoted bool, err error) {
	pos := p.pos()
	c := p.peek()
	switch c {
	case '"', '\'':
		p.advance()
		start := p.off
		for d := p.peek(); d != c; d = p.peek() {
			if d == eof {
				return "", false, p.errorf(pos, "unterminated quoted key: missing closing %c", rune(c))
			}
			p.advance()
		}
		key = p.src[start:p.off]
		p.advance()
		return key, true, nil
	case '=', ':', ',', ';', '[', ']', '{', '}':
		return "", false, p.errorf(pos, "expected a key, found %s", describe(c))
	}
	start := p.off
	for {
		switch p.peek() {
		case eof, ' ', '\t', '\n', '\r', '=', ':', '{', '[', ',', ';', '}', ']':
			return p.src[start:p.off], false, nil
		}
		p.advance()
	}
}

// parseValue reads any value; key names the entry it belongs to ("" inside
// arrays) for messages.
func (p *parser) parseValue(key string) (*Value, error) {
	pos := p.pos()
	c := p.peek()
	switch {
	case c == '{':
		return p.parseMap()
	case c == '[':
		return p.parseArray()
	case c == '"':
		s, err := p.parseDoubleQuoted()
		return &Value{Pos: pos, V: s}, err
	case c == '\'':
		s, err := p.parseSingleQuoted()
		return &Value{Pos: pos, V: s}, err
	case c == '(':
		s, err := p.parseBlock()
		return &Value{Pos: pos, V: s}, err
	case isBareEnd(c):
		if key == "" {
			return nil, p.errorf(pos, "expected an array element, found %s", describe(c))
		}
		return nil, p.errorf(pos, "expected a value after key %q, found %s", key, describe(c))
	case c == '.' && isDigit(p.peekAt(1)):
		return nil, p.errorf(pos, "floats must start with a digit, as in 0.5")
	}
	return p.parseBare(pos)
}

func (p *parser) enter(pos Pos) error {
	if p.depth >= MaxDepth {
		return p.errorf(pos, "maps and arrays nest deeper than %d levels", MaxDepth)
	}
	p.depth++
	return nil
}

func (p *parser) parseMap() (*Value, error) {
	open := p.pos()
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.advance()
	m := newMap()
	p.scopes = append(p.scopes, m)
	err := p.parseEntries(m, '}', open)
	p.scopes = p.scopes[:len(p.scopes)-1]
	if err != nil {
		return nil, err
	}
	return &Value{Pos: open, V: m}, nil
}

// parseArray reads [a, b, c]: elements are separated by commas or newlines, and
// a trailing comma is allowed.
func (p *parser) parseArray() (*Value, error) {
	open := p.pos()
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.advance()
	items := []*Value{}
	for {
		p.skipBlank()
		switch c := p.peek(); c {
		case eof:
			return nil, p.errorf(p.pos(), "expected ']' to close the array opened at %d:%d, found end of file", open.Line, open.Col)
		case ']':
			p.advance()
			return &Value{Pos: open, V: items}, nil
		case ',':
			return nil, p.errorf(p.pos(), "expected an array element or ']', found ','")
		}
		v, err := p.parseValue("")
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.skipSpace()
		if p.atComment() {
			continue
		}
		switch c := p.peek(); {
		case c == ',':
			p.advance()
		case isNL(c) || c == ']' || c == eof:
		default:
			return nil, p.errorf(p.pos(), "expected ',' or ']' after an array element, found %s", describe(c))
		}
	}
}

// parseDoubleQuoted reads "..." with the escapes \t \n \r \" \\ and \xHH.
func (p *parser) parseDoubleQuoted() (string, error) {
	open := p.pos()
	p.advance()
	start := p.off
	var b strings.Builder
	escaped := false
	for {
		switch p.peek() {
		case eof:
			return "", p.errorf(open, "unterminated string: missing closing '\"'")
		case '"':
			s := p.src[start:p.off]
			p.advance()
			if escaped {
				b.WriteString(s)
				return b.String(), nil
			}
			return s, nil
		case '\\':
			b.WriteString(p.src[start:p.off])
			if err := p.escape(&b); err != nil {
				return "", err
			}
			escaped = true
			start = p.off
		default:
			p.advance()
		}
	}
}

// escape decodes the escape sequence at the current '\\' into b.
func (p *parser) escape(b *strings.Builder) error {
	pos := p.pos()
	p.advance()
	c := p.peek()
	switch c {
	case 't':
		b.WriteByte('\t')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case '"':
		b.WriteByte('"')
	case '\\':
		b.WriteByte('\\')
	case 'x':
		hi, lo := unhex(p.peekAt(1)), unhex(p.peekAt(2))
		if hi < 0 || lo < 0 {
			return p.errorf(pos, `expected two hexadecimal digits after \x`)
		}
		b.WriteByte(byte(hi<<4 | lo))
		p.advance()
		p.advance()
	case eof:
		return p.errorf(pos, `expected an escape character after '\', found end of file`)
	default:
		return p.errorf(pos, `invalid escape %s: only \t, \n, \r, \", \\ and \xHH are allowed`, describe(c))
	}
	p.advance()
	return nil
}

func unhex(c int) int {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return -1
}

func isDigit(c int) bool { return c >= '0' && c <= '9' }

// parseSingleQuoted reads '...' verbatim: no escapes.
func (p *parser) parseSingleQuoted() (string, error) {
	open := p.pos()
	p.advance()
	start := p.off
	for c := p.peek(); c != '\''; c = p.peek() {
		if c == eof {
			return "", p.errorf(open, "unterminated string: missing closing \"'\"")
		}
		p.advance()
	}
	s := p.src[start:p.off]
	p.advance()
	return s, nil
}

// parseBlock reads a block string: everything after '(' up to a ')' that stands
// alone at the start of a line, keeping the newline before it (as nats-server).
func (p *parser) parseBlock() (string, error) {
	open := p.pos()
	p.advance()
	start := p.off
	for i := start + 1; i < len(p.src); i++ {
		if p.src[i] != ')' || p.src[i-1] != '\n' {
			continue
		}
		if i+1 < len(p.src) && !isNL(int(p.src[i+1])) {
			continue
		}
		for p.off <= i {
			p.advance()
		}
		return p.src[start:i], nil
	}
	return "", p.errorf(open, "unterminated block string: expected ')' alone at the start of a line")
}

// parseBare reads an unquoted value and decides what it is: a number, size,
// datetime, boolean or variable, else a string. Escapes are decoded as in
// double-quoted strings; a value containing one is always a string.
func (p *parser) parseBare(pos Pos) (*Value, error) {
	start := p.off
	var b strings.Builder
	escaped := false
	for c := p.peek(); !isBareEnd(c); c = p.peek() {
		if c != '\\' {
			p.advance()
			continue
		}
		b.WriteString(p.src[start:p.off])
		if err := p.escape(&b); err != nil {
			return nil, err
		}
		escaped = true
		start = p.off
	}
	if escaped {
		b.WriteString(p.src[start:p.off])
		return &Value{Pos: pos, V: b.String()}, nil
	}
	tok := p.src[start:p.off]
	switch c := int(tok[0]); {
	case isDigit(c) || c == '-':
		v, isNum, err := parseNumber(tok)
		if err != nil {
			return nil, p.errorf(pos, "%s", err)
		}
		if isNum {
			return &Value{Pos: pos, V: v}, nil
		}
	case c == '$':
		return p.variable(tok, pos)
	}
	if bv, ok := parseBool(tok); ok {
		return &Value{Pos: pos, V: bv}, nil
	}
	return &Value{Pos: pos, V: tok}, nil
}

func parseBool(tok string) (value, ok bool) {
	switch strings.ToLower(tok) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}
