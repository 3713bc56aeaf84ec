// Package conf reads the NATS configuration format: the file syntax nats-server
// accepts, turned into plain Go values or into a tree that remembers where every
// key and value was written.
//
// The format is a relaxed superset of JSON:
//
//	# comments start with # or //
//	listen: 127.0.0.1:4222        # ':' '=' or plain whitespace between key and value
//	max_payload = 1MB              # sizes: k=1000, kb/ki/kib=1024, likewise m g t p e
//	authorization {                # maps; the separator before '{' is optional
//	  user: derek
//	  password: $2a$11$W2zko751K...  # an unquoted bcrypt hash is a literal
//	  timeout: "1m"                  # quote durations: unquoted 1m is 1000000
//	}
//	ROUTE_PASS = s3cret            # a key referenced as $ROUTE_PASS below
//	cluster { authorization { user: ruser, password: $ROUTE_PASS } }
//	include ./auth.conf            # path relative to the including file
//
// Variables are unquoted: "$ROUTE_PASS" in quotes is literal text.
//
// Values come out as string, int64, float64, bool, time.Time, []any and
// map[string]any from Parse and ParseFile, or as *Value, *Map and []*Value with a
// Pos for each from the WithPositions variants, which option processing uses to
// report "file:line:col" errors. Every syntax error is an *Error naming the file,
// line and column and what was expected there.
//
// What this package must not know: option names, defaults or meanings. It parses
// the syntax; package options gives the keys their meaning.
//
// Concurrency: parsing has no shared state, so any number of goroutines may parse
// at once. A returned Document is not modified afterwards and may be read by
// several goroutines. Variables look up the process environment with
// os.LookupEnv, and includes read files: both at parse time only.
//
// Limits, so that hostile input cannot hang or exhaust the parser: maps and arrays
// nest at most MaxDepth deep, includes at most MaxIncludeDepth deep and never in a
// cycle, environment variables that refer to others resolve at most
// MaxVariableDepth deep, and an included file must be a regular file no larger than
// MaxFileSize.
package conf
