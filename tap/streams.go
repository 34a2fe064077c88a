// Package tap wires the tap together: the streams it offers, described as
// data, and the sync that carries each selected stream from Dixa's answers
// to Singer messages, window by window, with a bookmark after each.
package tap

import (
	"fmt"
	"net/http"
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
	// Analytics reads Dixa's analytics records: for each record type of
	// the catalogue at Catalog, a POST per time window, page by page.
	Analytics
	// List reads a Dixa API list, whole, every run (FULL_TABLE); with a
	// Parent, the list of each of the parent's records.
	List
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
	// Method is the request's method: GET when empty.
	Method string
	// Path is the endpoint; "{id}" in it is the parent record's id.
	Path string
	// Query holds fixed query parameters.
	Query url.Values
	// Each, if set, makes one request per value of a query parameter.
	Each *Each
	// Object says Dixa answers {"data":{...}} rather than a list.
	Object bool
	// Items are the paths, inside "data", to the records (see walk); none:
	// the data themselves.
	Items []string
	// Detail, if set, is asked for each item found, and its answer is the
	// record.
	Detail *Detail
	// AfterParam and BeforeParam carry a window's bounds: Unix ms for
	// exports, RFC 3339 for the activity log.
	AfterParam  string
	BeforeParam string
	// Paged lists follow meta.next with pageLimit = page_size, at most
	// MaxPageSize when it is set.
	Paged       bool
	MaxPageSize int
	// Parent, ParentKey: see List and Child. ParentKey names the field
	// that carries the parent's id; none if empty.
	Parent, ParentKey string
	// NodeKey names the field that carries the id of the tree node an item
	// was found in (see walk); none if empty.
	NodeKey string
	// IDFrom names the fields whose first present value becomes the
	// record's "id" (Dixa's objects without one).
	IDFrom []string
	// Drop names top-level fields never written; Nulled names objects
	// whose members are written with null values: secrets.
	Drop, Nulled []string
	// Catalog is the path of the list of Analytics record types.
	Catalog string
	// PerMinute is an export stream's request pacing from the config.
	PerMinute func(*config.Config) float64
	// LegacyBookmarks are older bookmark keys read when ReplicationKey is
	// absent from the state (tap-dixa 1.0.x's date strings).
	LegacyBookmarks []string
	// SelectedByDefault streams are synced when no catalog says otherwise.
	SelectedByDefault bool
}

// Each is a query parameter asked for with each of its values in turn.
type Each struct {
	Param  string
	Values []string
	// Field, if set, names the record field that carries the value; it is
	// added to the records that lack it.
	Field string
}

// Detail is a request for each item of a list, whose answer is the
// record: path "{id}" is the item's id.
type Detail struct {
	Path   string
	Object bool
	Items  []string
	// Of names what an item is, for logs: "schedule".
	Of string
}

// flowChannels are the channels whose flows Dixa lists: the spec's values
// of the channel parameter, then two more its answers may name.
var flowChannels = []string{
	"WhatsApp", "Voicemail", "WidgetChat", "FacebookMessenger", "Email", "ContactForm", "Callback", "PstnPhone", "Messenger",
	"Twitter", "Sms",
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
		Name: "team_members", Kind: List, KeyProperties: []string{"team_id", "id"}, Path: "/v1/teams/{id}/agents",
		Parent: "teams", ParentKey: "team_id", SelectedByDefault: true,
	},
	{Name: "queues", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/queues", SelectedByDefault: true},
	{
		Name: "queue_members", Kind: List, KeyProperties: []string{"queue_id", "agentId"}, Path: "/v1/queues/{id}/members",
		Parent: "queues", ParentKey: "queue_id", SelectedByDefault: true,
	},
	{
		Name: "tags", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/tags",
		Query: url.Values{"includeDeactivated": {"true"}}, SelectedByDefault: true,
	},
	{Name: "custom_attributes", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/custom-attributes", SelectedByDefault: true},
	{
		Name: "flows", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/conversations/flows",
		Each: &Each{Param: "channel", Values: flowChannels, Field: "channel"}, SelectedByDefault: true,
	},
	{
		Name: "contact_endpoints", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/contact-endpoints",
		IDFrom: []string{"address", "number"}, SelectedByDefault: true,
	},
	{
		Name: "business_hours", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/business-hours/schedules",
		Object: true, Items: []string{"schedules"},
		Detail:            &Detail{Path: "/v1/business-hours/schedules/{id}/definition", Object: true, Items: []string{"schedule"}, Of: "schedule"},
		SelectedByDefault: true,
	},
	{Name: "organization", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/organization", Object: true, SelectedByDefault: true},
	{Name: "templates", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/templates", Paged: true, SelectedByDefault: true},
	{
		Name: "analytics_records", Kind: Analytics, KeyProperties: []string{"record_id", "key"}, ReplicationKey: "primary_timestamp",
		Method: http.MethodPost, Path: "/v1/analytics/records", Catalog: "/v1/analytics/records", Paged: true, MaxPageSize: 300,
		SelectedByDefault: true,
	},
	{
		Name: "conversation_ratings", Kind: Child, KeyProperties: []string{"conversation_id", "id", "ratingType"},
		Path: "/v1/conversations/{id}/ratings", Parent: "conversations", ParentKey: "conversation_id",
	},
	{
		Name: "conversation_notes", Kind: Child, KeyProperties: []string{"id"},
		Path: "/v1/conversations/{id}/notes", Parent: "conversations", ParentKey: "conversation_id",
	},
	{
		Name: "conversation_messages", Kind: Child, KeyProperties: []string{"conversation_id", "id"},
		Path: "/v1/conversations/{id}/messages", Parent: "conversations", ParentKey: "conversation_id",
	},
	{
		Name: "end_user_custom_attributes", Kind: List, KeyProperties: []string{"end_user_id", "id"},
		Path: "/v1/endusers/{id}", Object: true, Items: []string{"customAttributes"}, Parent: "end_users", ParentKey: "end_user_id",
	},
	{Name: "knowledge_collections", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/knowledge/collections", Paged: true},
	{
		Name: "knowledge_categories", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/knowledge/collections/{id}/catalog",
		Object: true, Items: []string{"categories*"}, Parent: "knowledge_collections", ParentKey: "collection_id",
		NodeKey: "parent_category_id", Drop: []string{"categories"},
	},
	{
		Name: "knowledge_articles", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/knowledge/collections/{id}/catalog",
		Object: true, Items: []string{"articles", "categories*.articles"}, Parent: "knowledge_collections",
		Detail: &Detail{Path: "/v1/knowledge/articles/{id}", Object: true, Of: "article"},
	},
	{
		Name: "webhooks", Kind: List, KeyProperties: []string{"id"}, Path: "/v1/webhooks",
		Drop: []string{"secretKey"}, Nulled: []string{"headers"},
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
