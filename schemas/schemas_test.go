package schemas_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/schemas"
	"github.com/tap-dixa/tap-dixa/tap/schema"
)

// streams returns the names of the embedded schemas.
func streams(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.json")
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(f, ".json"))
	}
	require.NotEmpty(t, names)
	return names
}

func TestGet(t *testing.T) {
	for _, name := range streams(t) {
		raw, err := schemas.Get(name)
		require.NoError(t, err, name)
		_, err = schema.Parse(raw)
		assert.NoError(t, err, name)
	}
	_, err := schemas.Get("no_such_stream")
	assert.Error(t, err)
}

// TestConventions checks the rules every stream schema follows: a top-level
// object with properties; no enums (a new value must not fail a record);
// no field that takes a list or an object and also a scalar; date-time
// formats on strings only; every field below the top level nullable; and
// every "required" name a declared top-level field that is never null
// (the keys).
func TestConventions(t *testing.T) {
	for _, name := range streams(t) {
		raw, err := schemas.Get(name)
		require.NoError(t, err)
		var root map[string]any
		require.NoError(t, json.Unmarshal(raw, &root), name)
		assert.Equal(t, "object", root["type"], name)
		props, ok := root["properties"].(map[string]any)
		require.True(t, ok, "%s: no properties", name)

		var walk func(n map[string]any, path string, top bool)
		walk = func(n map[string]any, path string, top bool) {
			types := typesOf(n)
			_, hasEnum := n["enum"]
			assert.False(t, hasEnum, "%s: %s has an enum", name, path)
			container := slices.Contains(types, "array") || slices.Contains(types, "object")
			scalar := slices.ContainsFunc(types, func(t string) bool { return t != "null" && t != "array" && t != "object" })
			assert.False(t, container && scalar, "%s: %s mixes a list or an object with a scalar: %v", name, path, types)
			if n["format"] == "date-time" || n["x-format"] == "date-time" {
				assert.Contains(t, types, "string", "%s: %s", name, path)
			}
			if !top {
				assert.Contains(t, types, "null", "%s: %s is not nullable", name, path)
			}
			if p, ok := n["properties"].(map[string]any); ok {
				for k, v := range p {
					walk(v.(map[string]any), path+"."+k, false)
				}
			}
			if items, ok := n["items"].(map[string]any); ok {
				walk(items, path+"[]", false)
			}
			if ap, ok := n["additionalProperties"].(map[string]any); ok {
				walk(ap, path+".*", false)
			}
		}
		for k, v := range props {
			walk(v.(map[string]any), k, true)
		}

		req, _ := root["required"].([]any)
		for _, r := range req {
			k, _ := r.(string)
			p, ok := props[k].(map[string]any)
			if assert.True(t, ok, "%s: required %v is not declared", name, r) {
				assert.NotContains(t, typesOf(p), "null", "%s: required %s is nullable", name, k)
			}
		}
	}
}

func typesOf(n map[string]any) []string {
	switch t := n["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}
