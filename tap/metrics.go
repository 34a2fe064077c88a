package tap

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
)

// metricInterval is how often record counters are reported.
const metricInterval = time.Minute

// metric is a Singer metric point, logged as "INFO METRIC: {...}".
type metric struct {
	Type   string         `json:"type"`
	Metric string         `json:"metric"`
	Value  any            `json:"value"`
	Tags   map[string]any `json:"tags"`
}

func (l *Logger) metric(m metric) {
	b, err := json.Marshal(m)
	if err == nil {
		l.Logf(Info, "METRIC: %s", b)
	}
}

// RequestMetric logs an http_request_duration timer for a request.
func (l *Logger) RequestMetric(o dixa.Observation) {
	status := "succeeded"
	if o.Err != nil {
		status = "failed"
	}
	tags := map[string]any{"endpoint": o.Path, "status": status}
	if o.Status != 0 {
		tags["http_status_code"] = o.Status
	}
	l.metric(metric{"timer", "http_request_duration", o.Duration.Seconds(), tags})
}

// counter is a record_count counter for one stream: it reports what it
// counted since its last report, at most every metricInterval and when
// flushed.
type counter struct {
	mu     sync.Mutex
	log    *Logger
	stream string
	n      int64
	last   time.Time
}

func newCounter(log *Logger, stream string) *counter {
	return &counter{log: log, stream: stream, last: time.Now()}
}

// inc counts one record.
func (c *counter) inc() { c.add(1) }

// add counts n records.
func (c *counter) add(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += int64(n)
	if time.Since(c.last) >= metricInterval {
		c.flushLocked()
	}
}

func (c *counter) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushLocked()
}

func (c *counter) flushLocked() {
	c.log.metric(metric{"counter", "record_count", c.n, map[string]any{"stream": c.stream}})
	c.n = 0
	c.last = time.Now()
}
