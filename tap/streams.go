// Package tap wires the tap together: the streams it offers, described as
// data, and the sync that carries each selected stream from Dixa's answers
// to Singer messages, window by window, with a bookmark after each.
package tap

import (
	"fmt"
	"net/url"

	"github.com/tap-dixa/tap-dixa/schemas"
	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/schema"
	"github.com/tap-dixa/tap-dixa/tap/singer"
)

// Kind says how a stream is read.
type Kind int

// The kinds of stream.
const (
	// Export streams read an Exports API endpoint in time windows.
	Export Kind = iota
	// ActivityLog reads the Dixa API's activity log in time windows, page
	// by page.
	ActivityLog
	// List reads a Dixa API list, whole, every run (FULL_TABLE).
	List
	// Members reads a Dixa API list for each record of Parent, adding the
	// parent's id as ParentKey (FULL_TABLE).
	Members
	// Child reads a Dixa API list for each record the Parent export writes,
	// adding the parent's id as ParentKey; it rides on the parent's
	// bookmark.
	Child
)

// Stream describes one stream: where its records come from and how they
// are keyed and bookmarked.
type Stream struct {
	Name           string
	Kind           Kind
	KeyProperties  []string
	ReplicationKey string // empty for FULL_TABLE streams
	// Path is the endpoint; "{id}" in it is the parent record's id.
	Path string
	// Query holds fixed query parameters.
	Query url.Values
	// AfterParam and BeforeParam carry a window's bounds: Unix ms for
	// exports, RFC 3339 for the activity log.
	AfterParam  string
	BeforeParam string
	// Paged lists follow meta.next with pageLimit = page_size.
	Paged bool
	// Parent and ParentKey: see Members and Child.
	Parent, ParentKey string
	// PerMinute is an export stream's request pacing from the config.
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
		Name: "conversations", Kind: Export, KeyProperties: []string{"id"}, ReplicationKey: "updated_at",
		Path: "/v1/conversation_export", AfterParam: "updated_after", BeforeParam: "updated_before",
		PerMinute:       func(c *config.Config) float64 { return c.ConversationsPerMinute },
		LegacyBookmarks: []string{"updated_at_datestring"}, SelectedByDefault: true,
	},
	{
		Name: "messages", Kind: Export, KeyProperties: []string{"id"}, ReplicationKey: "created_at",
		Path: "/v1/message_export", AfterParam: "created_after", BeforeParam: "created_before",
		PerMinute:         func(c *config.Config) float64 { return c.MessagesPerMinute },
		SelectedByDefault: true,
	},
	{
		Name: "activity_logs", Kind: ActivityLog, KeyProperties: []string{"id"}, ReplicationKey: "activityTimestamp",
		Path: "/v1/conversations/activitylog", AfterParam: "fromDatetime", BeforeParam: "toDatetime", Paged: true,
		SelectedByDefault: true,
	},
	{Name: "agents", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/agents", Paged: true, SelectedByDefault: true},
	{Name: "end_users", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/endusers", Paged: true, SelectedByDefault: true},
	{Name: "teams", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/teams", SelectedByDefault: true},
	{
		Name: "team_members", Kind: Members, KeyProperties: []string{"team_id", "id"}, Path: "/v1/teams/{id}/agents",
		Parent: "teams", ParentKey: "team_id", SelectedByDefault: true,
	},
	{Name: "queues", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/queues", SelectedByDefault: true},
	{
		Name: "queue_members", Kind: Members, KeyProperties: []string{"queue_id", "agentId"}, Path: "/v1/queues/{id}/members",
		Parent: "queues", ParentKey: "queue_id", SelectedByDefault: true,
	},
	{
		Name: "tags", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/tags",
		Query: url.Values{"includeDeactivated": {"true"}}, SelectedByDefault: true,
	},
	{Name: "custom_attributes", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/custom-attributes", SelectedByDefault: true},
	{
		Name: "conversation_ratings", Kind: Child, KeyProperties: []string{"conversation_id", "id", "ratingType"},
		Path: "/v1/conversations/{id}/ratings", Parent: "conversations", ParentKey: "conversation_id",
	},
	{
		Name: "conversation_notes", Kind: Child, KeyProperties: []string{"id"},
		Path: "/v1/conversations/{id}/notes", Parent: "conversations", ParentKey: "conversation_id",
	},
}

// StreamByName returns the named stream.
func StreamByName(name string) (Stream, bool) {
	for _, s := range Streams {
		if s.Name == name {
			return s, true
		}
	}
	return Stream{}, false
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
