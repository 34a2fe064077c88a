package singertest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Expected is a record a source holds: its stream, its key (the values of
// the stream's key_properties joined with "|", strings unquoted) and its
// replication value.
type Expected struct {
	Stream string
	Key    string
	At     time.Time
}

// StateChecker checks, offline, that every STATE a tap wrote is a safe
// resume point: for every stream it bookmarks, every expected record whose
// replication value lies before the bookmark was written before that STATE.
// Feed it the output of one run after another (a run resumed from an
// earlier one's STATE): records written by earlier runs count as written.
type StateChecker struct {
	want    map[string][]Expected      // by stream, sorted by At
	done    map[string]int             // want[stream][:done] are checked
	keys    map[string][]string        // key_properties by stream
	written map[string]map[string]bool // stream -> keys written
	// States counts the STATE messages checked.
	States int
}

// NewStateChecker returns a checker for the expected records.
func NewStateChecker(want []Expected) *StateChecker {
	c := &StateChecker{want: map[string][]Expected{}, done: map[string]int{}, keys: map[string][]string{}, written: map[string]map[string]bool{}}
	for _, e := range want {
		c.want[e.Stream] = append(c.want[e.Stream], e)
	}
	for _, w := range c.want {
		slices.SortFunc(w, func(a, b Expected) int { return a.At.Compare(b.At) })
	}
	return c
}

// maxViolations caps what Feed reports.
const maxViolations = 20

// Feed reads one run's output and returns one line per STATE that passed a
// record not yet written (at most maxViolations). A last line cut short
// by a kill is ignored.
func (c *StateChecker) Feed(out []byte) []string {
	var bad []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var m struct {
			Type          string                     `json:"type"`
			Stream        string                     `json:"stream"`
			KeyProperties []string                   `json:"key_properties"`
			Record        map[string]json.RawMessage `json:"record"`
			Value         struct {
				Bookmarks map[string]map[string]json.RawMessage `json:"bookmarks"`
			} `json:"value"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue // a line cut by a kill
		}
		switch m.Type {
		case "SCHEMA":
			c.keys[m.Stream] = m.KeyProperties
		case "RECORD":
			if c.written[m.Stream] == nil {
				c.written[m.Stream] = map[string]bool{}
			}
			c.written[m.Stream][KeyOf(m.Record, c.keys[m.Stream])] = true
		case "STATE":
			c.States++
			for stream, bm := range m.Value.Bookmarks {
				for key, raw := range bm {
					at, err := bookmarkTime(raw)
					if err != nil {
						bad = append(bad, fmt.Sprintf("line %d: bookmarks.%s.%s: %v", n, stream, key, err))
						continue
					}
					// Records once checked stay written: each is checked once,
					// by the first STATE whose bookmark passes it.
					w, i := c.want[stream], c.done[stream]
					for ; i < len(w) && w[i].At.Before(at); i++ {
						if !c.written[stream][w[i].Key] && len(bad) < maxViolations {
							bad = append(bad, fmt.Sprintf("line %d: bookmarks.%s.%s = %s passes %s %s (at %s), not written", n, stream, key, raw, stream, w[i].Key, w[i].At.Format(time.RFC3339Nano)))
						}
					}
					c.done[stream] = i
				}
			}
		}
	}
	return bad
}

// KeyOf joins a record's key values with "|", strings unquoted.
func KeyOf(rec map[string]json.RawMessage, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strings.Trim(string(rec[k]), `"`)
	}
	return strings.Join(parts, "|")
}

// bookmarkTime reads a bookmark: Unix ms or an RFC 3339 string.
func bookmarkTime(raw json.RawMessage) (time.Time, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return time.Time{}, err
	}
	switch x := v.(type) {
	case float64:
		return time.UnixMilli(int64(x)), nil
	case string:
		return time.Parse(time.RFC3339Nano, x)
	}
	return time.Time{}, fmt.Errorf("bookmark %s is neither Unix ms nor RFC 3339", raw)
}
