package server

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Logger writes log lines in nats-server's form:
//
//	[pid] 2006/01/02 15:04:05.000000 [INF] message
//
// Safe for concurrent use. Debug and trace lines are filtered by flags that
// can change at run time (reload).
type Logger struct {
	mu      sync.Mutex
	out     io.Writer
	file    *os.File
	path    string
	prefix  string
	logtime bool
	utc     bool
	debug   atomic.Bool
	trace   atomic.Bool
	buf     []byte
}

// NewLogger logs to w (stderr when nil).
func NewLogger(w io.Writer, logtime, utc bool) *Logger {
	if w == nil {
		w = os.Stderr
	}
	return &Logger{out: w, logtime: logtime, utc: utc, prefix: "[" + strconv.Itoa(os.Getpid()) + "] "}
}

// OpenLogFile makes the logger append to path (created if missing).
func (l *Logger) OpenLogFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	l.mu.Lock()
	old := l.file
	l.file, l.out, l.path = f, f, path
	l.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	return nil
}

// Reopen reopens the log file (SIGUSR1, after log rotation).
func (l *Logger) Reopen() error {
	l.mu.Lock()
	path := l.path
	l.mu.Unlock()
	if path == "" {
		return nil
	}
	return l.OpenLogFile(path)
}

// SetLevels sets whether debug and trace lines are written.
func (l *Logger) SetLevels(debug, trace bool) {
	l.debug.Store(debug)
	l.trace.Store(trace)
}

// DebugEnabled reports whether Debugf writes anything.
func (l *Logger) DebugEnabled() bool { return l.debug.Load() }

// TraceEnabled reports whether Tracef writes anything.
func (l *Logger) TraceEnabled() bool { return l.trace.Load() }

func (l *Logger) write(level, format string, args ...any) {
	if l == nil {
		return
	}
	l.mu.Lock()
	b := append(l.buf[:0], l.prefix...)
	if l.logtime {
		t := time.Now()
		if l.utc {
			t = t.UTC()
		}
		b = t.AppendFormat(b, "2006/01/02 15:04:05.000000 ")
	}
	b = append(b, level...)
	b = fmt.Appendf(b, format, args...)
	b = append(b, '\n')
	_, _ = l.out.Write(b)
	l.buf = b
	l.mu.Unlock()
}

// Noticef logs at [INF].
func (l *Logger) Noticef(format string, args ...any) { l.write("[INF] ", format, args...) }

// Warnf logs at [WRN].
func (l *Logger) Warnf(format string, args ...any) { l.write("[WRN] ", format, args...) }

// Errorf logs at [ERR].
func (l *Logger) Errorf(format string, args ...any) { l.write("[ERR] ", format, args...) }

// Fatalf logs at [FTL].
func (l *Logger) Fatalf(format string, args ...any) { l.write("[FTL] ", format, args...) }

// Debugf logs at [DBG] when debug is on.
func (l *Logger) Debugf(format string, args ...any) {
	if l.debug.Load() {
		l.write("[DBG] ", format, args...)
	}
}

// Tracef logs at [TRC] when trace is on.
func (l *Logger) Tracef(format string, args ...any) {
	if l.trace.Load() {
		l.write("[TRC] ", format, args...)
	}
}

// Close closes the log file, if any.
func (l *Logger) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		_ = l.file.Close()
		l.file = nil
		l.out = os.Stderr
	}
}
