package tap

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
)

// Level is a log level.
type Level int

// Log levels, lowest first.
const (
	Debug Level = iota
	Info
	Warning
	Error
	Critical
)

var levelNames = []string{"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}

func (l Level) String() string { return levelNames[l] }

// ParseLevel reads a level name in any case ("warn" is accepted too).
func ParseLevel(s string) (Level, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "WARN" {
		return Warning, true
	}
	for i, n := range levelNames {
		if n == s {
			return Level(i), true
		}
	}
	return Info, false
}

// Logger writes "LEVEL message" lines, the singer-python format, to
// stderr. It is safe for concurrent use.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	level Level
}

// NewLogger returns a Logger writing lines at or above level to w.
func NewLogger(w io.Writer, level Level) *Logger { return &Logger{w: w, level: level} }

// Logf writes one line at the level. Line breaks in the message are
// folded so that every entry stays one line.
func (l *Logger) Logf(level Level, format string, args ...any) {
	if l == nil || level < l.level {
		return
	}
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, "\r", " "), "\n", " ")
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s %s\n", level, msg)
}

// Debugf logs at DEBUG.
func (l *Logger) Debugf(format string, args ...any) { l.Logf(Debug, format, args...) }

// Infof logs at INFO.
func (l *Logger) Infof(format string, args ...any) { l.Logf(Info, format, args...) }

// Warnf logs at WARNING.
func (l *Logger) Warnf(format string, args ...any) { l.Logf(Warning, format, args...) }

// Enabled reports whether lines at level are written.
func (l *Logger) Enabled(level Level) bool { return l != nil && level >= l.level }

// debugWaitFrom is the shortest pacing wait logged at DEBUG.
const debugWaitFrom = 10 * time.Millisecond

// RequestDebug logs a finished request at DEBUG: method, URL (which never
// holds the token; the stderr redactor would hide it anyway), status and
// duration.
func (l *Logger) RequestDebug(o dixa.Observation) {
	if !l.Enabled(Debug) {
		return
	}
	switch {
	case o.Status != 0:
		l.Debugf("%s %s: %d in %.3fs", o.Method, o.URL, o.Status, o.Duration.Seconds())
	default:
		l.Debugf("%s %s: no response after %.3fs: %v", o.Method, o.URL, o.Duration.Seconds(), o.Err)
	}
}

// PacingWait logs at DEBUG a pacing wait longer than a few milliseconds.
func (l *Logger) PacingWait(w dixa.Wait) {
	if w.Duration < debugWaitFrom || !l.Enabled(Debug) {
		return
	}
	l.Debugf("pacing: waiting %s before %s %s", roundDuration(w.Duration), w.Method, w.Path)
}
