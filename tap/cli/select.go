package cli

import (
	"encoding/json"
	"slices"

	"github.com/tap-dixa/tap-dixa/tap"
	"github.com/tap-dixa/tap-dixa/tap/singer"
)

// selectStreams returns the streams to sync: those the catalog selects,
// with their selected fields, or, without a catalog, every stream selected
// by default with all its fields.
func selectStreams(catalogPath string, log *tap.Logger) ([]tap.Selected, error) {
	var cat *singer.Catalog
	if catalogPath != "" {
		b, err := readFile("catalog", catalogPath)
		if err != nil {
			return nil, err
		}
		if cat, err = singer.ParseCatalog(b); err != nil {
			return nil, usagef("catalog %s: %v", catalogPath, err)
		}
		for _, e := range cat.Streams {
			if !slices.ContainsFunc(tap.Streams, func(s tap.Stream) bool { return s.Name == e.TapStreamID }) {
				log.Warnf("catalog %s: unknown stream %q ignored", catalogPath, e.TapStreamID)
			}
		}
	}
	var out []tap.Selected
	for _, s := range tap.Streams {
		var e *singer.CatalogEntry
		if cat != nil {
			if e = cat.Entry(s.Name); e == nil || !e.IsSelected() {
				continue
			}
		} else if !s.SelectedByDefault {
			continue
		}
		spec, err := s.Spec() // only the selected: parsing them all is most of the start-up
		if err != nil {
			return nil, err
		}
		sel := tap.Selected{Stream: s, Spec: spec, Schema: spec.Schema}
		if e != nil {
			sel.Schema = e.Metadata.SelectSchema(spec)
		}
		out = append(out, sel)
	}
	if len(out) == 0 {
		log.Warnf("no stream is selected; nothing to sync")
	}
	return out, nil
}

// MarshalCatalog formats a catalog as --discover prints it: indented JSON
// and a final newline.
func MarshalCatalog(c *singer.Catalog) ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
