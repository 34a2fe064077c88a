package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTripKeepsOrder(t *testing.T) {
	in := `{"type":["null","object"],"properties":{"z":{"type":"string","format":"date-time"},"a":{"type":["null","array"],"items":{"type":"object","properties":{"y":{},"b":{"type":"integer"}}}}},"additionalProperties":true,"description":"x"}`
	n, err := Parse([]byte(in))
	require.NoError(t, err)
	out, err := json.Marshal(n)
	require.NoError(t, err)
	assert.Equal(t, in, string(out))
	assert.True(t, n.HasType("object"))
	assert.False(t, n.HasType("string"))
	assert.True(t, n.Property("a").Items.Property("y").HasType("string"), "no type allows all")
	assert.True(t, n.IsObject())
	c := n.Clone()
	c.Properties[0].Name = "changed"
	assert.Equal(t, "z", n.Properties[0].Name, "clones are deep")
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"type":1}`, `{"properties":[]}`, `{"items":"x"}`, `{"properties":{"a":3}}`} {
		_, err := Parse([]byte(in))
		assert.Error(t, err, in)
	}
}

func TestEmbeddedSchemasParse(t *testing.T) {
	files, err := filepath.Glob("../../schemas/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		n, err := Parse(b)
		require.NoError(t, err, file)
		out, err := json.Marshal(n)
		require.NoError(t, err)
		assert.JSONEq(t, string(b), string(out), file)
	}
}

// TestNoMixedShapes checks the schemas' promise to targets: no field's
// type mixes a list or an object with a scalar (null aside), and every
// field says its type.
func TestNoMixedShapes(t *testing.T) {
	files, err := filepath.Glob("../../schemas/*.json")
	require.NoError(t, err)
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		n, err := Parse(b)
		require.NoError(t, err)
		var walk func(n *Node, path string)
		walk = func(n *Node, path string) {
			var shaped, scalar []string
			for _, typ := range n.Types {
				switch typ {
				case "array", "object":
					shaped = append(shaped, typ)
				case "null":
				default:
					scalar = append(scalar, typ)
				}
			}
			assert.NotEmpty(t, n.Types, "%s: %s has no type", file, path)
			assert.False(t, len(shaped) > 1 || len(shaped) > 0 && len(scalar) > 0, "%s: %s mixes %v", file, path, n.Types)
			for _, p := range n.Properties {
				walk(p.Schema, path+"."+p.Name)
			}
			if n.Items != nil {
				walk(n.Items, path+"[]")
			}
		}
		walk(n, "")
	}
}
