package main

// The checks of a sync of the examples beyond the records (see
// runExamples), and the comparison of example values with RECORD values.

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

// checkMoreExamples checks what the records alone do not show: the
// requests the tap made, its warnings, secrets and analytics keys.
func checkMoreExamples(t *testing.T, es *exampleSet, o *singertest.Output, stdout, stderr string) {
	t.Helper()
	// flows: one request per channel; each refused channel is skipped
	// with a warning, and the run goes on (exit 0, checked above).
	for _, ch := range exampleFlowChannels {
		assert.Equal(t, 1, es.requests["GET /v1/conversations/flows?channel="+ch], "flows: requests for channel %s", ch)
	}
	assert.Equal(t, len(exampleFlowChannels), es.requests["GET /v1/conversations/flows"], "flows: requests")
	for _, ch := range es.flowsRefused {
		assert.Regexp(t, `(?m)^WARNING flows: .*channel=`+ch+`\b.*Invalid value for: query parameter channel`, stderr,
			"flows: no warning for the refused channel %s", ch)
	}
	// One request per detail: each schedule's definition, each distinct
	// article (found three times in the catalog), each end user.
	for id := range es.definitions {
		assert.Equal(t, 1, es.requests["GET /v1/business-hours/schedules/"+id+"/definition"], "business_hours: definition %s", id)
	}
	for id := range es.articles {
		assert.Equal(t, 1, es.requests["GET /v1/knowledge/articles/"+id], "knowledge_articles: article %s", id)
	}
	for id := range es.endUserDetail {
		assert.Equal(t, 1, es.requests["GET /v1/endusers/"+id], "end_user_custom_attributes: end user %s", id)
	}
	for id := range es.catalogs {
		// Read by knowledge_categories and by knowledge_articles.
		assert.Equal(t, 2, es.requests["GET /v1/knowledge/collections/"+id+"/catalog"], "knowledge: catalog %s", id)
	}
	for _, c := range es.conversations {
		assert.Equal(t, 1, es.requests[fmt.Sprintf("GET /v1/conversations/%v/messages", c["id"])], "conversation_messages: conversation %v", c["id"])
	}
	// Every page followed: a record a page, so every later page was
	// asked for by its pageKey, in both forms Dixa may name it in.
	for typ, recs := range es.analytics {
		assert.Equal(t, len(recs)-1, es.requests["POST /v1/analytics/records pageKey "+typ], "analytics_records: pages of %s", typ)
	}
	assert.Equal(t, len(es.templates), es.requests["GET /v1/templates"], "templates: one request per page")
	// Analytics keys: a 128-bit hex fingerprint, one per record.
	keys := map[string]bool{}
	for _, k := range o.Field("analytics_records", "key") {
		var key string
		require.NoError(t, json.Unmarshal([]byte(k), &key))
		assert.Regexp(t, `^[0-9a-f]{32}$`, key, "analytics_records: key")
		assert.False(t, keys[key], "analytics_records: key %s twice", key)
		keys[key] = true
	}
	for _, ts := range o.Field("analytics_records", "primary_timestamp") {
		assert.Regexp(t, `^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"$`, ts, "analytics_records: primary_timestamp is RFC 3339 UTC")
	}
	// Analytics bookmarks: one per record type of the catalogue, at the end.
	var state struct {
		Bookmarks struct {
			Analytics struct {
				PrimaryTimestamp map[string]string `json:"primary_timestamp"`
			} `json:"analytics_records"`
		} `json:"bookmarks"`
	}
	require.NoError(t, json.Unmarshal(o.LastState(), &state))
	for _, rt := range es.recordTypes {
		at, err := time.Parse(time.RFC3339, state.Bookmarks.Analytics.PrimaryTimestamp[rt["id"].(string)])
		if assert.NoError(t, err, "analytics_records: bookmark of %s", rt["id"]) {
			assert.True(t, at.Equal(time.Date(2021, 12, 15, 0, 0, 0, 0, time.UTC)), "analytics_records: bookmark of %s is %s", rt["id"], at)
		}
	}
	// Webhook secrets: nowhere in the output.
	for _, secret := range es.secrets {
		assert.False(t, strings.Contains(stdout, secret), "webhooks: secret %q in stdout", secret)
		assert.False(t, strings.Contains(stderr, secret), "webhooks: secret %q in stderr", secret)
	}
}

// compactJSON writes a decoded value as JSON, object members sorted.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func keyString(m map[string]any, keys []string) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	return strings.Join(parts, ",")
}

func sameKey(want, rec map[string]any, keys []string) bool {
	for _, k := range keys {
		if len(compareJSON(k, want[k], rec[k])) > 0 {
			return false
		}
	}
	return true
}

var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"}

// parseDateTime reads a date-time as Dixa writes them: RFC 3339, maybe
// with a Java zone id ("[GMT]") after it, or without a zone (UTC).
func parseDateTime(s string) (time.Time, error) {
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		s = s[:i]
	}
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date-time")
}

// compareJSON lists where got, the emitted value at path, does not carry
// want, the example's value, under the tap's lossless conversions: a
// date-time string as the same instant, a single value as a one-element
// list, a scalar as the one member of an object ({"name": ...}), and any
// value that is not a string as its JSON text. Members of got that want
// lacks are allowed (the parent keys the tap adds).
func compareJSON(path string, want, got any) []string {
	show := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	mismatch := func() []string {
		return []string{fmt.Sprintf("%s: example has %s, RECORD has %s", path, show(want), show(got))}
	}
	// Conversion 3: any non-string as its JSON text.
	if s, ok := got.(string); ok {
		if _, isStr := want.(string); !isStr && want != nil {
			d := json.NewDecoder(strings.NewReader(s))
			d.UseNumber()
			var v any
			if d.Decode(&v) == nil && len(compareJSON(path, want, v)) == 0 {
				return nil
			}
			return mismatch()
		}
	}
	switch w := want.(type) {
	case nil:
		if got != nil {
			return mismatch()
		}
		return nil
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return mismatch()
		}
		var out []string
		names := make([]string, 0, len(w))
		for k := range w {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			p := path + "." + k
			if path == "" {
				p = k
			}
			gv, present := g[k]
			if !present {
				out = append(out, fmt.Sprintf("%s: dropped (example has %s)", p, show(w[k])))
				continue
			}
			out = append(out, compareJSON(p, w[k], gv)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return mismatch()
		}
		var out []string
		for i := range w {
			out = append(out, compareJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return out
	}
	// want is a scalar.
	if g, ok := got.([]any); ok && len(g) == 1 { // conversion 1
		if len(compareJSON(path, want, g[0])) == 0 {
			return nil
		}
		return mismatch()
	}
	if g, ok := got.(map[string]any); ok && len(g) == 1 { // conversion 2
		for _, v := range g {
			if len(compareJSON(path, want, v)) == 0 {
				return nil
			}
		}
		return mismatch()
	}
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		if ok && g == w {
			return nil
		}
		if ok {
			wt, err1 := parseDateTime(w)
			gt, err2 := parseDateTime(g)
			if err1 == nil && err2 == nil && wt.Equal(gt) {
				return nil
			}
		}
		return mismatch()
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return mismatch()
		}
		a, ok1 := new(big.Float).SetString(w.String())
		b, ok2 := new(big.Float).SetString(g.String())
		if ok1 && ok2 && a.Cmp(b) == 0 {
			return nil
		}
		return mismatch()
	case bool:
		if g, ok := got.(bool); ok && g == w {
			return nil
		}
		return mismatch()
	}
	return mismatch()
}
