package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed schema.json
var schemaJSON []byte

// schemaURL names the embedded schema inside the JSON Schema compiler.
const schemaURL = "tap-dixa-config.schema.json"

// Setting describes one config key for --about and docs.
type Setting struct {
	// Name is the config key, e.g. "api_token".
	Name string
	// Type is the JSON Schema type: "string", "integer", "number",
	// "boolean" or "array" (of strings; a comma-separated string is
	// accepted too).
	Type string
	// Description is one user-facing sentence.
	Description string
	// Required is true for keys that must be set.
	Required bool
	// Secret is true for values that must never be printed.
	Secret bool
	// Default is the value used when the key is unset (int, float64, bool
	// or string), or nil if there is none.
	Default any
	// Enum lists the allowed values, if the key has a fixed set.
	Enum []string
	// Minimum is the smallest allowed value (inclusive), if any.
	Minimum *float64
	// Maximum is the largest allowed value (inclusive), if any.
	Maximum *float64
	// ExclusiveMinimum is a bound the value must be greater than, if any.
	ExclusiveMinimum *float64
}

// schemaProperty mirrors one entry of the schema's "properties".
type schemaProperty struct {
	Type             string   `json:"type"`
	Description      string   `json:"description"`
	Secret           bool     `json:"secret"`
	Default          any      `json:"default"`
	Enum             []string `json:"enum"`
	Minimum          *float64 `json:"minimum"`
	Maximum          *float64 `json:"maximum"`
	ExclusiveMinimum *float64 `json:"exclusiveMinimum"`
}

// compiledSchema holds everything derived from the embedded schema.
type compiledSchema struct {
	settings []Setting
	byName   map[string]int // index into settings
	required []string
	schema   *jsonschema.Schema
}

// loadSchema parses and compiles the embedded schema once.
var loadSchema = sync.OnceValues(func() (*compiledSchema, error) {
	var top struct {
		Properties json.RawMessage `json:"properties"`
		Required   []string        `json:"required"`
	}
	if err := json.Unmarshal(schemaJSON, &top); err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	names, err := objectKeys(top.Properties)
	if err != nil {
		return nil, fmt.Errorf("embedded schema: properties: %w", err)
	}
	var props map[string]schemaProperty
	if err := json.Unmarshal(top.Properties, &props); err != nil {
		return nil, fmt.Errorf("embedded schema: properties: %w", err)
	}
	cs := &compiledSchema{byName: make(map[string]int, len(names)), required: top.Required}
	for _, name := range names {
		p := props[name]
		s := Setting{
			Name: name, Type: p.Type, Description: p.Description, Secret: p.Secret,
			Enum: p.Enum, Minimum: p.Minimum, Maximum: p.Maximum, ExclusiveMinimum: p.ExclusiveMinimum,
		}
		for _, r := range top.Required {
			s.Required = s.Required || r == name
		}
		s.Default, err = typedDefault(p.Type, p.Default)
		if err != nil {
			return nil, fmt.Errorf("embedded schema: %s: %w", name, err)
		}
		cs.byName[name] = len(cs.settings)
		cs.settings = append(cs.settings, s)
	}
	validation, err := withoutFormats(schemaJSON)
	if err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	if err := c.AddResource(schemaURL, bytes.NewReader(validation)); err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	if cs.schema, err = c.Compile(schemaURL); err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	return cs, nil
})

// withoutFormats returns the schema without the properties' "format"
// keywords. They are annotations for --about (Meltano reads "date-time" on
// start_date and end_date as a date setting), while the tap accepts more
// than RFC 3339 there (YYYY-MM-DD, no offset): parseTime checks the dates,
// so draft 7, which asserts formats, must not.
func withoutFormats(schema []byte) ([]byte, error) {
	var top map[string]any
	if err := json.Unmarshal(schema, &top); err != nil {
		return nil, err
	}
	props, _ := top["properties"].(map[string]any)
	for _, p := range props {
		if p, ok := p.(map[string]any); ok {
			delete(p, "format")
		}
	}
	return json.Marshal(top)
}

// objectKeys returns the keys of a JSON object in document order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not an object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		keys = append(keys, key)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// typedDefault converts a decoded schema default to the Go type used for
// the setting's JSON type (int for integers).
func typedDefault(typ string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	f, isNum := v.(float64)
	switch {
	case typ == "integer" && isNum && f == math.Trunc(f):
		return int(f), nil
	case typ == "number" && isNum:
		return f, nil
	case typ == "string":
		if _, ok := v.(string); ok {
			return v, nil
		}
	case typ == "boolean":
		if _, ok := v.(bool); ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("default %v does not match type %s", v, typ)
}

// Schema returns the config's JSON Schema (the embedded file
// tap/config/schema.json), as printed by --about.
func Schema() []byte {
	return bytes.Clone(schemaJSON)
}

// Settings returns the settings in the schema's property order, which is
// the order of the Config table in DESIGN.md. It returns nil only if the
// embedded schema is broken, which a test rules out.
func Settings() []Setting {
	cs, err := loadSchema()
	if err != nil {
		return nil
	}
	out := make([]Setting, len(cs.settings))
	for i, s := range cs.settings {
		s.Enum = append([]string(nil), s.Enum...)
		s.Minimum, s.Maximum, s.ExclusiveMinimum = clonePtr(s.Minimum), clonePtr(s.Maximum), clonePtr(s.ExclusiveMinimum)
		out[i] = s
	}
	return out
}

func clonePtr(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// EnvVar returns the environment variable read for a setting when the
// config source "ENV" is given: TAP_DIXA_ followed by the upper-cased name.
func EnvVar(name string) string {
	return EnvPrefix + strings.ToUpper(name)
}

// EnvPrefix is the prefix of the environment variables read for "ENV".
const EnvPrefix = "TAP_DIXA_"

// schemaProblem turns a validation error into one friendly problem: the key
// it concerns and what is wrong. The first problem in property order wins
// (missing required keys count at their property's position).
func (cs *compiledSchema) schemaProblem(verr *jsonschema.ValidationError, orig map[string]any, show func(any) string) (key, problem string) {
	var leaves []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	bestIdx := math.MaxInt
	for _, leaf := range leaves {
		if k, p, idx := cs.leafProblem(leaf, orig, show); idx < bestIdx {
			key, problem, bestIdx = k, p, idx
		}
	}
	if bestIdx == math.MaxInt {
		return "", "does not match the config schema"
	}
	return key, problem
}

// leafProblem explains one leaf validation error; idx orders problems.
func (cs *compiledSchema) leafProblem(e *jsonschema.ValidationError, orig map[string]any, show func(any) string) (key, problem string, idx int) {
	kw := e.KeywordLocation[strings.LastIndexByte(e.KeywordLocation, '/')+1:]
	if kw == "required" {
		for _, r := range cs.required {
			if _, ok := orig[r]; !ok {
				return r, "required", cs.byName[r]
			}
		}
	}
	// An array item's location is /<key>/<index>.
	key, item, _ := strings.Cut(strings.TrimPrefix(e.InstanceLocation, "/"), "/")
	i, ok := cs.byName[key]
	if !ok {
		return "", oneLine(e.Message), math.MaxInt - 1
	}
	s := cs.settings[i]
	v := orig[key]
	if item != "" {
		if n, err := strconv.Atoi(item); err == nil {
			item = strconv.Itoa(n + 1) // counted from 1, as in the other messages
		}
		return key, "item " + item + ": " + oneLine(e.Message), i
	}
	switch kw {
	case "type":
		return key, typeProblem(s, v, show), i
	case "minimum", "maximum", "exclusiveMinimum":
		return key, rangeProblem(s) + ", got " + show(v), i
	case "enum":
		return key, "must be one of " + strings.Join(s.Enum, ", ") + ", got " + show(v), i
	case "minLength":
		return key, "must not be empty", i
	}
	return key, oneLine(e.Message), i
}

// typeProblem describes a value of the wrong JSON type.
func typeProblem(s Setting, v any, show func(any) string) string {
	want := map[string]string{
		"string": "a string", "integer": "a whole number", "number": "a number", "boolean": "true or false",
		"array": "a list of strings (a JSON array or one comma-separated string)",
	}[s.Type]
	if want == "" {
		want = s.Type
	}
	got := describeType(v)
	if s.Type == "integer" && got == "a number" {
		got = show(v)
	}
	if str, ok := v.(string); ok && looksLike(s.Type, str) {
		got = "the string " + show(v) + " (write it without quotes)"
	}
	return "must be " + want + ", got " + got
}

// describeType names the JSON type of a decoded value, without its content.
func describeType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "true/false"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// rangeProblem states the allowed range of a numeric setting.
func rangeProblem(s Setting) string {
	switch {
	case s.Minimum != nil && s.Maximum != nil:
		return "must be between " + fmtNum(*s.Minimum) + " and " + fmtNum(*s.Maximum)
	case s.Minimum != nil:
		return "must be at least " + fmtNum(*s.Minimum)
	case s.ExclusiveMinimum != nil:
		return "must be greater than " + fmtNum(*s.ExclusiveMinimum)
	case s.Maximum != nil:
		return "must be at most " + fmtNum(*s.Maximum)
	}
	return "is out of range"
}

// looksLike reports whether str is the JSON text of a value of type typ,
// such as "4" for an integer: a value quoted by mistake.
func looksLike(typ, str string) bool {
	switch typ {
	case "boolean":
		return str == "true" || str == "false"
	case "integer", "number":
		_, bad := castEnv(typ, str)
		return bad == "" && str == strings.TrimSpace(str)
	}
	return false
}
