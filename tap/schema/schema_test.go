package schema

import (
	"encoding/json"
	"os"
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
	for _, name := range []string{"conversations", "messages"} {
		b, err := os.ReadFile("../../schemas/" + name + ".json")
		require.NoError(t, err)
		n, err := Parse(b)
		require.NoError(t, err)
		out, err := json.Marshal(n)
		require.NoError(t, err)
		assert.JSONEq(t, string(b), string(out))
	}
}
