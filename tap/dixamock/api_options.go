package dixamock

// The options of the Dixa API surface (see api.go): [APIOptions], the
// values of its string options, its validation and defaults.

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Next styles: how meta.next spells the URL of the next page.
const (
	NextAbsolute = "absolute" // http://host/v1/agents?pageKey=..
	NextRelative = "relative" // /v1/agents?pageKey=..
	NextMixed    = "mixed"    // absolute on even pages, relative on odd ones
)

// Activity log orders.
const (
	OrderAscending  = "ascending"  // by activityTimestamp, then id
	OrderDescending = "descending" // newest first: the reverse of OrderAscending
	OrderShuffled   = "shuffled"   // a fixed pseudo-random order, unrelated to time
)

// Envelope anomalies: 200 responses of the Dixa API that are not a list.
const (
	EnvelopeMessage    = "message"     // {"message":"Something went wrong"}
	EnvelopeEmpty      = "empty"       // {}
	EnvelopeNullData   = "null-data"   // {"data":null}
	EnvelopeObjectData = "object-data" // {"data":{}}
)

// envelopeBodies are the bodies of the envelope anomalies.
var envelopeBodies = map[string]string{
	EnvelopeMessage:    somethingWentWrong,
	EnvelopeEmpty:      "{}\n",
	EnvelopeNullData:   `{"data":null}` + "\n",
	EnvelopeObjectData: `{"data":{}}` + "\n",
}

// Page key anomalies: how meta.next of the paged lists loops.
const (
	PageKeysRepeat = "repeat" // every page's meta.next carries that page's own pageKey
	PageKeysCycle  = "cycle"  // the last page's meta.next points back to the second page
)

// APIOptions configures the Dixa API surface; it is embedded in [Options].
// The zero value is valid and means the defaults.
type APIOptions struct {
	// APIPageSize is the page size of paged lists when a request has no
	// pageLimit (default 100).
	APIPageSize int
	// NextStyle is NextAbsolute, NextRelative or NextMixed (default).
	NextStyle string
	// ActivityOrder is OrderAscending (default), OrderDescending or
	// OrderShuffled: the order of the activity log across all the pages of
	// one query.
	ActivityOrder string
	// Forbid lists path prefixes answered 403 {"message":"Forbidden"}, for
	// tokens without the permission for a stream. They match whole path
	// segments, and a segment "*" matches any one segment:
	// "/v1/agents" forbids /v1/agents and /v1/agents/x but not /v1/agentsx;
	// "/v1/conversations/*/ratings" forbids every conversation's ratings.
	Forbid []string
	// APIPerSecond is the Dixa API rate limit when [Options].MinuteSeconds
	// is positive: this many requests per token (default 10) in any span of
	// MinuteSeconds/60 seconds (with a fractional rate r, floor(r) or at
	// least 1 requests per floor(r)/r or 1/r such spans), else 429.
	APIPerSecond float64
	// Envelope, if not empty, is the anomaly (EnvelopeMessage,
	// EnvelopeEmpty, EnvelopeNullData or EnvelopeObjectData) answered, with
	// status 200, instead of the list to some requests: see EnvelopeEvery.
	Envelope string
	// EnvelopeEvery (default 1) selects the requests that get the Envelope
	// anomaly: counting from 0 the Dixa API requests that pass
	// authentication, the rate limit, Forbid and NotFound and that
	// EnvelopePaths match, the n-th gets it if n % EnvelopeEvery ==
	// EnvelopeEvery-1 (1: every request; 2: every second one). The count is
	// per token (the server accepts one).
	EnvelopeEvery int
	// EnvelopePaths, if not empty, restricts Envelope to the paths under
	// these prefixes (matched as Forbid's); requests to other paths are
	// neither affected nor counted.
	EnvelopePaths []string
	// NotFound lists path prefixes (matched as Forbid's, e.g.
	// "/v1/conversations/*/ratings" or "/v1/conversations/1234/ratings")
	// answered 404 {"message":"Conversation with id 1234 not found"}, as
	// Dixa answers for a conversation it no longer has ("Team with id ..",
	// "Queue with id .." under /v1/teams and /v1/queues, "Not found"
	// elsewhere). See [Server.NotFound].
	NotFound []string
	// NotFoundEvery, if positive, makes /v1/conversations/{id}/ratings,
	// /notes and /messages answer the same 404 for every conversation
	// whose id % NotFoundEvery == 0 (see [Server.ConversationNotFound]).
	NotFoundEvery int
	// PageKeys, if not empty, makes meta.next of the paged lists (activity
	// log, agents, end users) loop: with PageKeysRepeat every page
	// requested with a pageKey has that same pageKey in meta.next (so the
	// second page is served forever), with PageKeysCycle the page that
	// ends the list has in meta.next the second page (the first if the
	// list has only one page of items) instead of the following empty page
	// or none.
	PageKeys string
	// Latency, if positive, is how long every Dixa API request waits,
	// once authenticated, before it is answered (a request whose client
	// goes away meanwhile is not answered), so that tests can measure
	// concurrent fan-out; [APIStats].MaxInFlight counts the overlap.
	Latency time.Duration
	// AnalyticsPaging is how POST /v1/analytics/records points to the next
	// page: AnalyticsPagingMeta (default; "meta":{"next":URL with
	// pageKey}, as the spec) or AnalyticsPagingPageKey (a top-level
	// "pageKey":"K" and no meta, as Dixa's MCP docs say). The catalogue
	// and the filter values always use meta.next.
	AnalyticsPaging string
	// AnalyticsRequireFilter makes POST /v1/analytics/records with a
	// periodFilter and no filters answer 400 {"message":"At least one
	// filter is required when using a period filter"}, as Dixa's MCP
	// docs say.
	AnalyticsRequireFilter bool
}

// Validate reports whether o is valid.
func (o APIOptions) Validate() error {
	switch {
	case o.APIPageSize < 0:
		return errors.New("dixamock: APIPageSize must not be negative")
	case o.NextStyle != "" && o.NextStyle != NextAbsolute && o.NextStyle != NextRelative && o.NextStyle != NextMixed:
		return fmt.Errorf("dixamock: NextStyle must be %q, %q or %q, not %q", NextAbsolute, NextRelative, NextMixed, o.NextStyle)
	case o.ActivityOrder != "" && o.ActivityOrder != OrderAscending && o.ActivityOrder != OrderDescending && o.ActivityOrder != OrderShuffled:
		return fmt.Errorf("dixamock: ActivityOrder must be %q, %q or %q, not %q", OrderAscending, OrderDescending, OrderShuffled, o.ActivityOrder)
	case !(o.APIPerSecond >= 0) || math.IsInf(o.APIPerSecond, 0):
		return errors.New("dixamock: APIPerSecond must be a finite number, not negative")
	case o.Envelope != "" && envelopeBodies[o.Envelope] == "":
		return fmt.Errorf("dixamock: Envelope must be %q, %q, %q or %q, not %q", EnvelopeMessage, EnvelopeEmpty, EnvelopeNullData, EnvelopeObjectData, o.Envelope)
	case o.EnvelopeEvery < 0:
		return errors.New("dixamock: EnvelopeEvery must not be negative")
	case o.NotFoundEvery < 0:
		return errors.New("dixamock: NotFoundEvery must not be negative")
	case o.PageKeys != "" && o.PageKeys != PageKeysRepeat && o.PageKeys != PageKeysCycle:
		return fmt.Errorf("dixamock: PageKeys must be \"\", %q or %q, not %q", PageKeysRepeat, PageKeysCycle, o.PageKeys)
	case o.Latency < 0:
		return errors.New("dixamock: Latency must not be negative")
	case o.AnalyticsPaging != "" && o.AnalyticsPaging != AnalyticsPagingMeta && o.AnalyticsPaging != AnalyticsPagingPageKey:
		return fmt.Errorf("dixamock: AnalyticsPaging must be %q or %q, not %q", AnalyticsPagingMeta, AnalyticsPagingPageKey, o.AnalyticsPaging)
	}
	for _, l := range []struct {
		name     string
		prefixes []string
	}{{"Forbid", o.Forbid}, {"EnvelopePaths", o.EnvelopePaths}, {"NotFound", o.NotFound}} {
		for _, f := range l.prefixes {
			if !strings.HasPrefix(f, "/") {
				return fmt.Errorf("dixamock: %s entry %q must start with /", l.name, f)
			}
		}
	}
	return nil
}

// withDefaults fills in the defaults of unset options.
func (o APIOptions) withDefaults() APIOptions {
	if o.APIPageSize == 0 {
		o.APIPageSize = 100
	}
	if o.NextStyle == "" {
		o.NextStyle = NextMixed
	}
	if o.ActivityOrder == "" {
		o.ActivityOrder = OrderAscending
	}
	if o.APIPerSecond == 0 {
		o.APIPerSecond = 10
	}
	if o.EnvelopeEvery == 0 {
		o.EnvelopeEvery = 1
	}
	if o.AnalyticsPaging == "" {
		o.AnalyticsPaging = AnalyticsPagingMeta
	}
	return o
}
