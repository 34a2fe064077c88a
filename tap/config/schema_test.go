package config

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// designKeys is the Config table of DESIGN.md, in order.
var designKeys = []string{
	"api_token", "start_date", "end_date", "window_days", "interval", "page_size",
	"exports_base_url", "api_base_url", "conversations_requests_per_minute",
	"messages_requests_per_minute", "api_requests_per_second", "request_timeout_seconds",
	"max_retries", "user_agent", "activity_log_window_days", "analytics_record_types",
	"analytics_window_days", "max_parallel_streams", "emit_activate_version_messages",
}

func TestSchemaFile(t *testing.T) {
	var s map[string]any
	require.NoError(t, json.Unmarshal(Schema(), &s))
	assert.Equal(t, "object", s["type"])
	assert.Equal(t, []any{"api_token", "start_date"}, s["required"])
	assert.NotContains(t, s, "additionalProperties", "unknown keys are warnings, not errors")

	keys, err := objectKeys(mustRaw(t, s["properties"]))
	require.NoError(t, err)
	assert.ElementsMatch(t, designKeys, keys)

	props := s["properties"].(map[string]any)
	for name, p := range props {
		p := p.(map[string]any)
		assert.Contains(t, p, "type", name)
		if name == "start_date" || name == "end_date" {
			// As Meltano SDK taps declare them; plain dates are still
			// accepted (TestDateFormatIsAnAnnotation).
			assert.Equal(t, "date-time", p["format"], name)
		} else {
			assert.NotContains(t, p, "format", name)
		}
		d, _ := p["description"].(string)
		assert.True(t, strings.HasSuffix(d, "."), "%s: description should be one sentence", name)
		assert.Equal(t, 1, strings.Count(d, ". ")+1, "%s: one sentence", name)
	}
	types := props["analytics_record_types"].(map[string]any)
	assert.Equal(t, "array", types["type"], "Meltano's kind: array")
	assert.Equal(t, map[string]any{"type": "string", "minLength": 1.0}, types["items"])
	assert.NotContains(t, types, "default", "the default, every type of the catalogue, is not a fixed value")
	token := props["api_token"].(map[string]any)
	assert.Equal(t, true, token["secret"])
	assert.Equal(t, true, token["writeOnly"])

	// Schema returns a copy.
	b := Schema()
	b[0] = 'x'
	assert.Equal(t, byte('{'), Schema()[0])
}

func mustRaw(t *testing.T, v any) json.RawMessage {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestSettings(t *testing.T) {
	settings := Settings()
	require.Len(t, settings, len(designKeys))
	byName := map[string]Setting{}
	for i, s := range settings {
		assert.Equal(t, designKeys[i], s.Name, "property order follows DESIGN.md")
		assert.NotEmpty(t, s.Description, s.Name)
		byName[s.Name] = s
	}
	f := func(v float64) *float64 { return &v }

	assert.Equal(t, Setting{Name: "api_token", Type: "string", Description: byName["api_token"].Description, Required: true, Secret: true}, byName["api_token"])
	assert.True(t, byName["start_date"].Required)
	assert.False(t, byName["end_date"].Required)
	assert.Nil(t, byName["window_days"].Default, "a default would override interval")
	assert.Equal(t, f(1), byName["window_days"].Minimum)
	assert.Equal(t, f(31), byName["window_days"].Maximum)
	assert.Equal(t, []string{"HOUR", "DAY", "WEEK", "MONTH"}, byName["interval"].Enum)
	assert.Equal(t, 10000, byName["page_size"].Default)
	assert.Equal(t, "https://exports.dixa.io", byName["exports_base_url"].Default)
	assert.Equal(t, "https://dev.dixa.io", byName["api_base_url"].Default)
	assert.Equal(t, 10.0, byName["conversations_requests_per_minute"].Default)
	assert.Equal(t, f(0.1), byName["conversations_requests_per_minute"].Minimum)
	assert.Equal(t, f(100000), byName["conversations_requests_per_minute"].Maximum)
	assert.Equal(t, 3.0, byName["messages_requests_per_minute"].Default)
	assert.Equal(t, 10.0, byName["api_requests_per_second"].Default)
	assert.Equal(t, 300, byName["request_timeout_seconds"].Default)
	assert.Equal(t, 8, byName["max_retries"].Default)
	assert.Equal(t, f(0), byName["max_retries"].Minimum)
	assert.Nil(t, byName["user_agent"].Default)
	assert.Equal(t, 1, byName["activity_log_window_days"].Default)
	assert.Contains(t, byName["activity_log_window_days"].Description, "one day by default")
	assert.Equal(t, f(90), byName["activity_log_window_days"].Maximum)
	assert.Equal(t, "array", byName["analytics_record_types"].Type)
	assert.Nil(t, byName["analytics_record_types"].Default, "unset means every type the catalogue lists")
	assert.False(t, byName["analytics_record_types"].Required)
	assert.Contains(t, byName["analytics_record_types"].Description, "comma-separated")
	assert.Contains(t, byName["analytics_record_types"].Description, "when unset it reads every type the catalogue lists")
	assert.Equal(t, 7, byName["analytics_window_days"].Default)
	assert.Equal(t, f(1), byName["analytics_window_days"].Minimum)
	assert.Equal(t, f(31), byName["analytics_window_days"].Maximum)
	assert.Contains(t, byName["analytics_window_days"].Description, "a resumed run reads at most one window again (7 days by default)")
	assert.Equal(t, 3, byName["max_parallel_streams"].Default)
	assert.Equal(t, false, byName["emit_activate_version_messages"].Default)
	assert.Equal(t, "boolean", byName["emit_activate_version_messages"].Type)

	// Settings returns copies.
	settings[4].Enum[0] = "X"
	*settings[3].Minimum = 99
	assert.Equal(t, "HOUR", Settings()[4].Enum[0])
	assert.Equal(t, 1.0, *Settings()[3].Minimum)
}

// TestNumericBounds pins the range of every numeric setting: each has a
// minimum and a maximum, so that no value that validates can overflow the
// arithmetic done with it (waits from rates, durations from seconds/days).
func TestNumericBounds(t *testing.T) {
	want := map[string][2]float64{
		"window_days":                       {1, 31},
		"page_size":                         {1, 100000},
		"conversations_requests_per_minute": {0.1, 100000},
		"messages_requests_per_minute":      {0.1, 100000},
		"api_requests_per_second":           {0.1, 10000},
		"request_timeout_seconds":           {1, 3600},
		"max_retries":                       {0, 100},
		"activity_log_window_days":          {1, 90},
		"analytics_window_days":             {1, 31},
		"max_parallel_streams":              {1, 16},
	}
	seen := 0
	for _, s := range Settings() {
		if s.Type != "integer" && s.Type != "number" {
			continue
		}
		seen++
		w, ok := want[s.Name]
		require.True(t, ok, "%s: a numeric setting without a pinned range", s.Name)
		require.NotNil(t, s.Minimum, s.Name)
		require.NotNil(t, s.Maximum, s.Name)
		assert.Nil(t, s.ExclusiveMinimum, s.Name)
		assert.Equal(t, w, [2]float64{*s.Minimum, *s.Maximum}, s.Name)
		if d, ok := s.Default.(int); ok {
			assert.True(t, float64(d) >= w[0] && float64(d) <= w[1], "%s: default %d outside its range", s.Name, d)
		}
		if d, ok := s.Default.(float64); ok {
			assert.True(t, d >= w[0] && d <= w[1], "%s: default %v outside its range", s.Name, d)
		}
		// The range is documented where --about --format markdown and the
		// README show it.
		lo, hi := fmtNum(w[0]), fmtNum(w[1])
		assert.Contains(t, s.Description, lo+" to "+hi, "%s: the description states the range", s.Name)
	}
	assert.Equal(t, len(want), seen)
}

// bounded enforces the ranges on its own, whatever the schema library
// makes of a value.
func TestBoundedWithoutSchema(t *testing.T) {
	cs, err := loadSchema()
	require.NoError(t, err)
	for _, tc := range []struct {
		key  string
		v    float64
		want string
	}{
		{"conversations_requests_per_minute", 1e-12, "config cfg.json: conversations_requests_per_minute: must be between 0.1 and 100000, got 1e-12"},
		{"api_requests_per_second", math.Inf(1), "config cfg.json: api_requests_per_second: must be between 0.1 and 10000, got +Inf"},
		{"messages_requests_per_minute", math.NaN(), "config cfg.json: messages_requests_per_minute: must be between 0.1 and 100000, got NaN"},
		{"max_retries", 1e9, "config cfg.json: max_retries: must be between 0 and 100, got 1e+09"},
		{"window_days", 0, "config cfg.json: window_days: must be between 1 and 31, got 0"},
		{"analytics_window_days", 32, "config cfg.json: analytics_window_days: must be between 1 and 31, got 32"},
	} {
		c := &checker{cs: cs, label: "cfg.json", orig: map[string]any{tc.key: tc.v}, vals: map[string]any{tc.key: tc.v}}
		assert.EqualError(t, c.bounded(), tc.want, tc.key)
	}
	c := &checker{cs: cs, label: "cfg.json", orig: map[string]any{}, vals: map[string]any{}}
	assert.NoError(t, c.bounded(), "defaults are within their ranges")
}

// start_date and end_date carry format date-time for --about, but the
// validator does not assert it: YYYY-MM-DD and naive date-times pass, and
// what is no date at all still fails, with the tap's own message.
func TestDateFormatIsAnAnnotation(t *testing.T) {
	for _, d := range []string{"2024-01-01", "2024-01-01T10:00:00", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00.5+02:00"} {
		cfg, _, err := Parse("c.json", []byte(`{"api_token":"t","start_date":"`+d+`","end_date":"2025-`+d[5:]+`"}`))
		if assert.NoError(t, err, d) {
			assert.Equal(t, 2024, cfg.StartDate.Year(), d)
			assert.Equal(t, 2025, cfg.EndDate.Year(), d)
		}
	}
	_, _, err := Parse("c.json", []byte(`{"api_token":"t","start_date":"01/02/2024"}`))
	assert.EqualError(t, err, `config c.json: start_date: must be a date (YYYY-MM-DD) or an RFC 3339 date-time, got "01/02/2024"`)
}

// The interval enum shows the canonical values; the description says, and
// the validator accepts, any letter case of each.
func TestIntervalEnumMatchesWhatIsAccepted(t *testing.T) {
	var iv Setting
	for _, s := range Settings() {
		if s.Name == "interval" {
			iv = s
		}
	}
	assert.Contains(t, iv.Description, "case-insensitive")
	for _, v := range iv.Enum {
		assert.Equal(t, strings.ToUpper(v), v, "canonical values are upper case")
		for _, form := range []string{v, strings.ToLower(v), strings.ToUpper(v[:1]) + strings.ToLower(v[1:])} {
			_, _, err := Parse("c.json", []byte(`{"api_token":"t","start_date":"2024-01-01","interval":"`+form+`"}`))
			assert.NoError(t, err, form)
		}
	}
	_, _, err := Parse("c.json", []byte(`{"api_token":"t","start_date":"2024-01-01","interval":"fortnight"}`))
	assert.Error(t, err)
}

// The validator normalises analytics_record_types before the schema sees
// it, so the schema's item rules never fail in practice; if they did, the
// problem would still name the setting and the item, counted from 1.
func TestSchemaItemProblemNamesTheSetting(t *testing.T) {
	cs, err := loadSchema()
	require.NoError(t, err)
	for _, tc := range []struct {
		items []any
		want  string
	}{
		{[]any{"a", 1.0}, "item 2 must be a string, got a number"},
		{[]any{nil}, "item 1 must be a string, got null"},
		{[]any{"a", "b", ""}, "item 3 must not be empty"},
		{[]any{}, "must list at least 1 item(s)"},
	} {
		vals := map[string]any{"api_token": "t", "start_date": "2024-01-01", "analytics_record_types": tc.items}
		key, problem := cs.problem(vals, vals, describeType)
		assert.Equal(t, "analytics_record_types", key)
		assert.Equal(t, tc.want, problem)
	}
}

// A longer minLength than schema.json's 1 gets a message that gives it.
func TestSchemaMinLengthProblem(t *testing.T) {
	cs, err := loadSchema()
	require.NoError(t, err)
	i := slices.IndexFunc(cs.settings, func(s Setting) bool { return s.Name == "api_token" })
	require.GreaterOrEqual(t, i, 0)
	longer := *cs
	longer.rules = slices.Clone(cs.rules)
	longer.rules[i].minLength = 3
	vals := map[string]any{"api_token": "ab", "start_date": "2024-01-01"}
	key, problem := longer.problem(vals, vals, describeType)
	assert.Equal(t, "api_token", key)
	assert.Equal(t, "must be at least 3 characters long", problem)
	vals["api_token"] = "abc"
	_, problem = longer.problem(vals, vals, describeType)
	assert.Empty(t, problem)
}

// compiledSchema.problem is the tap's own reading of schema.json; a JSON
// Schema validator (santhosh-tekuri/jsonschema, draft 7, with "format" as
// an annotation) must agree with it on every value of every setting
// tried, alone and in random combinations: the same verdict, and for a
// value alone the same key at fault.
func TestProblemAgreesWithJSONSchema(t *testing.T) {
	cs, err := loadSchema()
	require.NoError(t, err)
	var top map[string]any
	require.NoError(t, json.Unmarshal(Schema(), &top))
	for _, p := range top["properties"].(map[string]any) {
		delete(p.(map[string]any), "format")
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	require.NoError(t, c.AddResource("config.json", strings.NewReader(string(mustRaw(t, top)))))
	oracle, err := c.Compile("config.json")
	require.NoError(t, err)

	values := []any{
		"", " ", "a", "HOUR", "hour", "MONTH", "2024-01-01", "ünï", "4", "true",
		-1.0, -0.5, 0.0, 0.05, 0.1, 0.5, 1.0, 1.5, 2.0, 7.0, 8.0, 16.0, 17.0, 31.0, 32.0, 90.0, 91.0, 100.0, 101.0,
		3600.0, 3601.0, 10000.0, 10000.5, 100000.0, 100001.0, 1e300, -1e300, math.SmallestNonzeroFloat64,
		true, false, []any{}, []any{"ratings"}, []any{""}, []any{" "}, []any{1.0}, []any{nil}, []any{"a", 2.0},
		[]any{[]any{"a"}}, map[string]any{}, map[string]any{"a": "b"},
	}
	base := func() map[string]any { return map[string]any{"api_token": "t", "start_date": "2024-01-01"} }
	agree := func(v map[string]any, keyToo bool) {
		t.Helper()
		key, problem := cs.problem(v, v, describeType)
		verr := oracle.Validate(v)
		if !assert.Equal(t, verr == nil, problem == "", "%v: problem %q, validator %v", v, problem, verr) || verr == nil || !keyToo {
			return
		}
		var ve *jsonschema.ValidationError
		require.ErrorAs(t, verr, &ve)
		for len(ve.Causes) > 0 {
			ve = ve.Causes[0]
		}
		want, _, _ := strings.Cut(strings.TrimPrefix(ve.InstanceLocation, "/"), "/")
		if want == "" { // required: the key is in the message
			for _, r := range cs.required {
				if _, ok := v[r]; !ok {
					want = r
					break
				}
			}
		}
		assert.Equal(t, want, key, "%v: %s", v, verr)
	}
	agree(base(), true)
	for _, r := range cs.required {
		v := base()
		delete(v, r)
		agree(v, true)
	}
	for _, s := range cs.settings {
		for _, x := range values {
			v := base()
			v[s.Name] = x
			agree(v, true)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		v := base()
		for range 1 + rng.IntN(4) {
			v[cs.settings[rng.IntN(len(cs.settings))].Name] = values[rng.IntN(len(values))]
		}
		if rng.IntN(10) == 0 {
			delete(v, cs.required[rng.IntN(len(cs.required))])
		}
		agree(v, false)
	}
}
