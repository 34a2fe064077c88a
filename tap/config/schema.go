package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed schema.json
var schemaJSON []byte

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
	MinLength        int      `json:"minLength"`
	MinItems         int      `json:"minItems"`
	Items            *struct {
		Type      string `json:"type"`
		MinLength int    `json:"minLength"`
	} `json:"items"`
}

// compiledSchema holds everything derived from the embedded schema.
type compiledSchema struct {
	settings []Setting
	rules    []rules        // the validation keywords of each setting, in turn
	byName   map[string]int // index into settings
	required []string
}

// rules are the keywords of one property that Setting does not carry:
// what check asserts besides type, enum and range.
type rules struct {
	minLength, minItems int
	itemType            string // "" if the property has no "items"
	itemMinLength       int
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
		r := rules{minLength: p.MinLength, minItems: p.MinItems}
		if p.Items != nil {
			r.itemType, r.itemMinLength = p.Items.Type, p.Items.MinLength
		}
		cs.byName[name] = len(cs.settings)
		cs.settings = append(cs.settings, s)
		cs.rules = append(cs.rules, r)
	}
	return cs, nil
})

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

// problem checks the known keys' values against the schema's keywords
// (required, type, enum, minimum, maximum, exclusiveMinimum, minLength,
// minItems, items), setting by setting in property order, and returns the
// first problem and the key it concerns ("" for none). vals holds the
// values as the schema sees them (numbers as float64, nulls dropped), orig
// the same keys as given, for messages. "format" is an annotation for
// --about here: parseTime checks the dates, and accepts more than RFC 3339
// (YYYY-MM-DD, no offset). A test holds it to a JSON Schema validator.
func (cs *compiledSchema) problem(vals, orig map[string]any, show func(any) string) (key, problem string) {
	for i, s := range cs.settings {
		v, ok := vals[s.Name]
		if !ok {
			if s.Required {
				return s.Name, "required"
			}
			continue
		}
		if !hasType(s.Type, v) {
			return s.Name, typeProblem(s, orig[s.Name], show)
		}
		r := cs.rules[i]
		switch x := v.(type) {
		case string:
			if len(s.Enum) > 0 && !slices.Contains(s.Enum, x) {
				return s.Name, "must be one of " + strings.Join(s.Enum, ", ") + ", got " + show(orig[s.Name])
			}
			if utf8.RuneCountInString(x) < r.minLength {
				return s.Name, lengthProblem(r.minLength)
			}
		case float64:
			if s.Minimum != nil && x < *s.Minimum || s.Maximum != nil && x > *s.Maximum ||
				s.ExclusiveMinimum != nil && x <= *s.ExclusiveMinimum {
				return s.Name, rangeProblem(s) + ", got " + show(orig[s.Name])
			}
		case []any:
			if len(x) < r.minItems {
				return s.Name, fmt.Sprintf("must list at least %d item(s)", r.minItems)
			}
			for j, it := range x {
				str, isStr := it.(string)
				switch {
				case r.itemType != "" && !hasType(r.itemType, it):
					return s.Name, fmt.Sprintf("item %d must be %s, got %s", j+1, typeName(r.itemType), describeType(it))
				case isStr && utf8.RuneCountInString(str) < r.itemMinLength:
					return s.Name, fmt.Sprintf("item %d %s", j+1, lengthProblem(r.itemMinLength))
				}
			}
		}
	}
	return "", ""
}

// lengthProblem says that a string is shorter than minLength characters.
func lengthProblem(minLength int) string {
	if minLength == 1 {
		return "must not be empty"
	}
	return fmt.Sprintf("must be at least %d characters long", minLength)
}

// hasType reports whether the decoded JSON value v is of the JSON Schema
// type typ; an integer is a number without a fractional part.
func hasType(typ string, v any) bool {
	switch x := v.(type) {
	case string:
		return typ == "string"
	case float64:
		return typ == "number" || typ == "integer" && x == math.Trunc(x) && !math.IsInf(x, 0)
	case bool:
		return typ == "boolean"
	case []any:
		return typ == "array"
	case map[string]any:
		return typ == "object"
	case nil:
		return typ == "null"
	}
	return false
}

// typeName is how messages name a JSON Schema type.
func typeName(typ string) string {
	if want := map[string]string{
		"string": "a string", "integer": "a whole number", "number": "a number", "boolean": "true or false",
		"array": "a list of strings (a JSON array or one comma-separated string)",
	}[typ]; want != "" {
		return want
	}
	return typ
}

// typeProblem describes a value of the wrong JSON type.
func typeProblem(s Setting, v any, show func(any) string) string {
	want := typeName(s.Type)
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
