package singertest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const schemaLine = `{"type":"SCHEMA","stream":"s","schema":{"type":"object","properties":{"id":{"type":"integer"},"n":{"type":["null","string"]}}},"key_properties":["id"]}` + "\n"

func TestParseAcceptsValidOutput(t *testing.T) {
	o, err := Parse([]byte(schemaLine +
		`{"type":"RECORD","stream":"s","record":{"id":9007199254740993,"n":null},"time_extracted":"2024-01-01T00:00:00.000000Z"}` + "\n" +
		`{"type":"STATE","value":{"bookmarks":{}}}` + "\n" +
		`{"type":"ACTIVATE_VERSION","stream":"s","version":1}` + "\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"9007199254740993"}, o.Field("s", "id"))
	assert.JSONEq(t, `{"bookmarks":{}}`, string(o.LastState()))
	assert.Equal(t, 1, o.Types["ACTIVATE_VERSION"])
}

func TestParseRejectsWhatTargetsReject(t *testing.T) {
	rec := `{"type":"RECORD","stream":"s","record":%s,"time_extracted":"2024-01-01T00:00:00Z"}` + "\n"
	for name, out := range map[string]string{
		"record before schema": `{"type":"RECORD","stream":"s","record":{"id":1},"time_extracted":"2024-01-01T00:00:00Z"}` + "\n",
		"not json":             "hello\n",
		"unknown type":         `{"type":"BATCH","stream":"s"}` + "\n",
		"schema without keys":  `{"type":"SCHEMA","stream":"s","schema":{"type":"object"}}` + "\n",
		"record off schema":    schemaLine + fmt.Sprintf(rec, `{"id":"1"}`),
		"no time_extracted":    schemaLine + `{"type":"RECORD","stream":"s","record":{"id":1}}` + "\n",
		"state without value":  `{"type":"STATE"}` + "\n",
	} {
		_, err := Parse([]byte(out))
		assert.Error(t, err, name)
	}
}
