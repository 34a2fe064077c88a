// Package schemas holds the JSON Schemas of the tap's streams, embedded in
// the binary. Each file is named after its stream: conversations.json
// describes the records of the conversations stream.
package schemas

import (
	"embed"
	"fmt"
)

//go:embed *.json
var files embed.FS

// Get returns the JSON Schema of the named stream.
func Get(stream string) ([]byte, error) {
	b, err := files.ReadFile(stream + ".json")
	if err != nil {
		return nil, fmt.Errorf("schemas: no schema for stream %q", stream)
	}
	return b, nil
}
