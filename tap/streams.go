// Package tap wires the tap together: the streams it offers, described as
// data, and the sync that carries each selected stream from Dixa's answers
// to Singer messages, window by window, with a bookmark after each.
package tap

import (
	"fmt"

	"github.com/tap-dixa/tap-dixa/schemas"
	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/schema"
	"github.com/tap-dixa/tap-dixa/tap/singer"
)

// Stream describes one stream: where its records come from and how they
// are keyed and bookmarked.
type Stream struct {
	Name           string
	KeyProperties  []string
	ReplicationKey string
	// Export streams read Path on the Exports API with the window bounds
	// in AfterParam and BeforeParam, in Unix ms.
	Path        string
	AfterParam  string
	BeforeParam string
	// PerMinute is the stream's request pacing from the config.
	PerMinute func(*config.Config) float64
	// LegacyBookmarks are older bookmark keys read when ReplicationKey is
	// absent from the state (tap-dixa 1.0.x's date strings).
	LegacyBookmarks []string
	// SelectedByDefault streams are synced when no catalog says otherwise.
	SelectedByDefault bool
}

// Streams is every stream the tap offers, in sync order.
var Streams = []Stream{
	{
		Name:              "conversations",
		KeyProperties:     []string{"id"},
		ReplicationKey:    "updated_at",
		Path:              "/v1/conversation_export",
		AfterParam:        "updated_after",
		BeforeParam:       "updated_before",
		PerMinute:         func(c *config.Config) float64 { return c.ConversationsPerMinute },
		LegacyBookmarks:   []string{"updated_at_datestring"},
		SelectedByDefault: true,
	},
	{
		Name:              "messages",
		KeyProperties:     []string{"id"},
		ReplicationKey:    "created_at",
		Path:              "/v1/message_export",
		AfterParam:        "created_after",
		BeforeParam:       "created_before",
		PerMinute:         func(c *config.Config) float64 { return c.MessagesPerMinute },
		SelectedByDefault: true,
	},
}

// Spec returns the stream's Singer description with its embedded schema.
func (s Stream) Spec() (singer.StreamSpec, error) {
	raw, err := schemas.Get(s.Name)
	if err != nil {
		return singer.StreamSpec{}, err
	}
	n, err := schema.Parse(raw)
	if err != nil {
		return singer.StreamSpec{}, fmt.Errorf("stream %s: %w", s.Name, err)
	}
	return singer.StreamSpec{
		Name:              s.Name,
		Schema:            n,
		KeyProperties:     s.KeyProperties,
		ReplicationKey:    s.ReplicationKey,
		SelectedByDefault: s.SelectedByDefault,
	}, nil
}

// Discover returns the catalog of every stream.
func Discover() (*singer.Catalog, error) {
	c := &singer.Catalog{Streams: []*singer.CatalogEntry{}}
	for _, s := range Streams {
		spec, err := s.Spec()
		if err != nil {
			return nil, err
		}
		c.Streams = append(c.Streams, singer.Discover(spec))
	}
	return c, nil
}
