package singer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameAsByEntry fails t unless ParseCatalog, which decodes a catalog
// whole, gives what parseCatalogByEntry gives: the same catalog, or the
// same error.
func sameAsByEntry(t *testing.T, in []byte) {
	t.Helper()
	if len(bytes.TrimSpace(in)) == 0 {
		return // "empty file", before either is called
	}
	got, gotErr := ParseCatalog(in)
	want, wantErr := parseCatalogByEntry(in)
	if wantErr != nil || gotErr != nil {
		require.Error(t, gotErr, "%s", in)
		require.Error(t, wantErr, "%s", in)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "%s", in)
		return
	}
	require.Equal(t, want, got, "%s", in)
}

// A catalog decoded whole is the one decoded entry by entry, and a damaged
// one fails with the same error, naming the same entry: each field of
// each entry of a three-stream catalog given a value of the wrong type,
// and each entry replaced by a value that is no object.
func TestParseCatalogWholeIsByEntry(t *testing.T) {
	s := spec(t)
	var streams []*CatalogEntry
	for _, name := range []string{"a", "b", "c"} {
		s.Name = name
		streams = append(streams, Discover(s))
	}
	good, err := json.Marshal(&Catalog{Streams: streams})
	require.NoError(t, err)
	sameAsByEntry(t, good)

	var entries []map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(good, &struct {
		Streams *[]map[string]json.RawMessage `json:"streams"`
	}{&entries}))
	catalog := func(entries []map[string]json.RawMessage) []byte {
		b, err := json.Marshal(map[string]any{"streams": entries})
		require.NoError(t, err)
		return b
	}
	raws := make([]json.RawMessage, len(entries)) // the entries as they are written
	for i := range entries {
		raws[i] = json.RawMessage(mustMarshal(t, entries[i]))
	}
	wrong := []string{`5`, `"x"`, `true`, `[]`, `{}`, `null`, `[5]`, `{"a":1}`}
	damaged := 0
	for i := range entries {
		for field := range entries[i] {
			for _, v := range wrong {
				changed := slices.Clone(entries)
				changed[i] = maps.Clone(entries[i])
				changed[i][field] = json.RawMessage(v)
				sameAsByEntry(t, catalog(changed))
				damaged++
			}
		}
		for _, v := range wrong {
			changed := slices.Clone(raws)
			changed[i] = json.RawMessage(v)
			sameAsByEntry(t, []byte(`{"streams":`+mustMarshal(t, changed)+`}`))
			damaged++
		}
	}
	assert.Greater(t, damaged, 100)

	// A catalog with the same wrong entry twice names the first.
	two := slices.Clone(entries)
	for _, i := range []int{1, 2} {
		two[i] = map[string]json.RawMessage{"tap_stream_id": json.RawMessage(fmt.Sprint(i))}
	}
	_, err = ParseCatalog(catalog(two))
	require.ErrorContains(t, err, "streams[1]")
	sameAsByEntry(t, catalog(two))
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// BenchmarkParseCatalog parses the catalog tap-dixa discovers.
func BenchmarkParseCatalog(b *testing.B) {
	data, err := os.ReadFile("../schema/testdata/discover_catalog.json")
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseCatalog(data); err != nil {
			b.Fatal(err)
		}
	}
}
