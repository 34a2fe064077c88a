package schema

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tap-dixa/tap-dixa/schemas"
)

// streamSchemas returns the embedded stream schemas, read through package
// schemas; the names come from the files beside it.
func streamSchemas(tb testing.TB) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob("../../schemas/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no schema files: %v", err)
	}
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		b, err := schemas.Get(name)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// BenchmarkParseCatalogSchemas parses every stream schema, as the tap
// does at start-up.
func BenchmarkParseCatalogSchemas(b *testing.B) { benchmarkParse(b, Parse) }

// BenchmarkParseCatalogSchemasSlow does the same with encoding/json's
// Decoder alone, as Parse did before the scan.
func BenchmarkParseCatalogSchemasSlow(b *testing.B) { benchmarkParse(b, parseSlow) }

func benchmarkParse(b *testing.B, parse func([]byte) (*Node, error)) {
	var docs [][]byte
	size := 0
	for _, d := range streamSchemas(b) {
		docs = append(docs, d)
		size += len(d)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if _, err := parse(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}
