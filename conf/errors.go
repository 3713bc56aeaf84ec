package conf

import "strconv"

// Pos is where something was written: a file (empty for text given to Parse),
// a 1-based line and a 1-based column counted in bytes.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats p as "file:line:col", or "line:col" when there is no file.
func (p Pos) String() string {
	lc := strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
	if p.File == "" {
		return lc
	}
	return p.File + ":" + lc
}

// IsValid reports whether p names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Error is a configuration error at a position: a syntax error from this package,
// or an option error reported by a caller with a Value's Pos. Err, when set, is
// the underlying cause (a file error, or the error inside an included file).
type Error struct {
	Pos Pos
	Msg string
	Err error
}

// Error formats the error as "file:line:col: msg[: cause]".
func (e *Error) Error() string {
	s := e.Msg
	if e.Pos.IsValid() {
		s = e.Pos.String() + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.Err }
