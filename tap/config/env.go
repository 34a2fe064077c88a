package config

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
)

// applyEnv sets every setting whose TAP_DIXA_<SETTING> variable is
// non-empty, cast by the setting's schema type, overriding file values.
func applyEnv(merged map[string]any, origin map[string]string, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	cs, err := loadSchema()
	if err != nil {
		return &Error{Problem: "internal error: " + err.Error()}
	}
	for _, s := range cs.settings {
		name := EnvVar(s.Name)
		raw := getenv(name)
		if raw == "" {
			continue
		}
		v, problem := castEnv(s.Type, raw)
		if problem != "" {
			shown := ""
			if !s.Secret {
				shown = ", got " + quote(raw)
			}
			return &Error{Source: EnvSource, Key: s.Name, Problem: name + " " + problem + shown}
		}
		merged[s.Name] = v
		origin[s.Name] = EnvSource
	}
	return nil
}

// castEnv converts an environment string to the JSON value the schema
// expects: json.Number for integers and numbers, bool for booleans, the
// raw string otherwise (an array setting's string, a comma-separated list
// or JSON text, is split by validate). problem is "" on success.
func castEnv(typ, raw string) (v any, problem string) {
	s := strings.TrimSpace(raw)
	switch typ {
	case "integer":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return json.Number(strconv.FormatInt(n, 10)), ""
		}
		// Meltano JSON-encodes non-string values, so accept 31.0 as 31.
		f, ok := parseNumber(s)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, "must be a whole number"
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), ""
	case "number":
		f, ok := parseNumber(s)
		if !ok {
			return nil, "must be a number"
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), ""
	case "boolean":
		switch strings.ToLower(s) {
		case "true", "1", "yes", "on":
			return true, ""
		case "false", "0", "no", "off":
			return false, ""
		}
		return nil, "must be true/false, 1/0, yes/no or on/off"
	}
	return raw, ""
}

// parseNumber parses a finite decimal number such as 10, 2.5 or 1e3
// (no hex, no underscores, no Inf or NaN).
func parseNumber(s string) (float64, bool) {
	if s == "" || strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
