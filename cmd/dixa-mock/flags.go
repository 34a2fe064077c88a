package main

// The command line: its flags, their parsing and their checks.

import (
	"errors"
	"fmt"
	"io"
	"math"
	neturl "net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
)

// outFiles are the files the command writes while it serves.
type outFiles struct {
	url        string // --url-file: the base URL
	tlsCertDir string // --tls-cert-dir: serve https; cert.pem goes here
}

// parseFlags parses the command line into server options, the listen
// address and the files to write. --help prints the usage to stdout and
// returns pflag.ErrHelp.
func parseFlags(args []string, stdout io.Writer) (opts dixamock.Options, addr string, files outFiles, err error) {
	fs := pflag.NewFlagSet("dixa-mock", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port)")
	fs.StringVar(&opts.Token, "token", "demo-token", "accepted API token")
	fs.Int64Var(&opts.Seed, "seed", 1, "seed of the generated data")
	fs.IntVar(&opts.Conversations, "conversations", 2000, "number of conversations to generate")
	start := fs.String("start", "2024-01-01", "start of the data range, yyyy-mm-dd or RFC3339 (UTC)")
	end := fs.String("end", "2024-07-01", "end of the data range (exclusive), yyyy-mm-dd or RFC3339 (UTC)")
	fs.BoolVar(&opts.AfterInclusive, "after-inclusive", true, "*_after filters match records at exactly that time")
	fs.BoolVar(&opts.BeforeInclusive, "before-inclusive", false, "*_before filters match records at exactly that time")
	fs.Float64Var(&opts.MinuteSeconds, "minute-seconds", 60, "length of the rate-limit minute in seconds; 0 disables rate limits")
	fs.StringVar(&files.url, "url-file", "", "write the base URL to this file once listening")
	fs.StringVar(&files.tlsCertDir, "tls-cert-dir", "", "serve https with a fresh self-signed certificate for 127.0.0.1/localhost, written to DIR/cert.pem before the URL file")
	fs.StringVar(&opts.RedirectTo, "redirect-to", "", "answer every Exports and Dixa API request 307 to this URL + the request's path and query")
	f := &opts.Faults
	fs.Int64Var(&f.Seed, "fault-seed", 1, "seed of the sequence of injected faults")
	fs.Float64Var(&f.RateLimit, "fault-429", 0, "fraction of export requests answered 429")
	fs.DurationVar(&f.RetryAfter, "fault-retry-after", 0, "Retry-After of injected 429s (seconds or HTTP-date, alternately); 0 for none")
	fs.Float64Var(&f.ServerError, "fault-5xx", 0, "fraction of export requests answered 500, 502, 503 or 504")
	fs.Float64Var(&f.Truncate, "fault-truncate", 0, "fraction of export responses cut off mid-body")
	fs.Float64Var(&f.Slow, "fault-slow", 0, "fraction of export responses that stall mid-body")
	fs.DurationVar(&f.SlowFor, "fault-slow-for", 2*time.Second, "how long slow responses stall")
	fs.Float64Var(&f.Reset, "fault-reset", 0, "fraction of export requests whose connection is reset without a response")
	fs.Float64Var(&f.Object, "fault-object", 0, `fraction of export requests answered 200 {"message":"Something went wrong"}`)
	api := &opts.APIOptions
	fs.IntVar(&api.APIPageSize, "api-page-size", 100, "Dixa API page size when a request has no pageLimit")
	fs.StringVar(&api.NextStyle, "next-style", dixamock.NextMixed, "meta.next URLs: absolute, relative or mixed (alternately)")
	fs.StringVar(&api.ActivityOrder, "activity-order", dixamock.OrderAscending, "activity log order: ascending, descending or shuffled")
	fs.StringArrayVar(&api.Forbid, "forbid", nil, "answer 403 to Dixa API paths under this prefix (repeatable; * matches one segment)")
	fs.Float64Var(&api.APIPerSecond, "api-per-second", 10, "Dixa API requests allowed per token per --minute-seconds/60 seconds")
	fs.StringVar(&api.Envelope, "envelope", "", `answer Dixa API requests a 200 that is not a list: message ({"message":..}), empty ({}), null-data ({"data":null}) or object-data ({"data":{}})`)
	fs.IntVar(&api.EnvelopeEvery, "envelope-every", 1, "with --envelope: the anomaly answers every N-th Dixa API request (1: all)")
	fs.StringArrayVar(&api.EnvelopePaths, "envelope-path", nil, "with --envelope: only Dixa API paths under this prefix (repeatable; * matches one segment)")
	fs.StringArrayVar(&api.NotFound, "not-found", nil, "answer 404 to Dixa API paths under this prefix (repeatable; * matches one segment)")
	fs.IntVar(&api.NotFoundEvery, "not-found-every", 0, "answer 404 to the ratings and notes of the conversations whose id is a multiple of N (0: none)")
	fs.StringVar(&api.PageKeys, "page-keys", "", "make meta.next loop: repeat (each page's next is itself) or cycle (the last page's next is the second page)")
	fs.DurationVar(&api.Latency, "latency", 0, "how long every Dixa API request waits before it is answered (0: none)")
	fs.StringVar(&api.AnalyticsPaging, "analytics-paging", dixamock.AnalyticsPagingMeta, `how POST /v1/analytics/records points to the next page: meta (meta.next, as the spec) or pagekey (a top-level "pageKey", as Dixa's MCP docs)`)
	fs.BoolVar(&api.AnalyticsRequireFilter, "analytics-require-filter", false, "answer POST /v1/analytics/records 400 for a periodFilter without filters, as Dixa's MCP docs say")
	fs.IntVar(&opts.LoadMessages, "load-messages", 0, "load mode: message_export streams this many synthetic ~1 KB messages spread over --start..--end; conversation_export answers [] (0: off)")

	if err = fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: dixa-mock [flags]\n\nServes a deterministic fake of Dixa's Exports API and Dixa API.\n\n%s", fs.FlagUsages())
		}
		return opts, "", outFiles{}, err
	}
	if fs.NArg() > 0 {
		return opts, "", outFiles{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if opts.LoadMessages < 0 {
		return opts, "", outFiles{}, fmt.Errorf("--load-messages must not be negative, not %d", opts.LoadMessages)
	}
	if opts.LoadMessages > 0 && !fs.Changed("conversations") {
		opts.Conversations = 0 // load mode: nothing else to generate
	}
	if opts.Start, err = parseDate(*start); err != nil {
		return opts, "", outFiles{}, fmt.Errorf("--start: %w", err)
	}
	if opts.End, err = parseDate(*end); err != nil {
		return opts, "", outFiles{}, fmt.Errorf("--end: %w", err)
	}
	if err = checkFaults(opts.Faults); err != nil {
		return opts, "", outFiles{}, err
	}
	if err = checkAPI(opts.APIOptions); err != nil {
		return opts, "", outFiles{}, err
	}
	if opts.Envelope == "" && (fs.Changed("envelope-every") || fs.Changed("envelope-path")) {
		return opts, "", outFiles{}, errors.New("--envelope-every and --envelope-path need --envelope")
	}
	if err = checkRedirect(opts.RedirectTo); err != nil {
		return opts, "", outFiles{}, err
	}
	if err = opts.Validate(); err != nil {
		return opts, "", outFiles{}, errors.New(strings.TrimPrefix(err.Error(), "dixamock: "))
	}
	return opts, addr, files, nil
}

// checkFaults validates the --fault-* flags, naming them in errors.
func checkFaults(f dixamock.Faults) error {
	sum := 0.0
	for _, fr := range []struct {
		flag string
		v    float64
	}{{"fault-429", f.RateLimit}, {"fault-5xx", f.ServerError}, {"fault-truncate", f.Truncate}, {"fault-slow", f.Slow}, {"fault-reset", f.Reset}, {"fault-object", f.Object}} {
		if !(fr.v >= 0 && fr.v <= 1) {
			return fmt.Errorf("--%s must be a fraction from 0 to 1, not %v", fr.flag, fr.v)
		}
		sum += fr.v
	}
	switch {
	case sum > 1+1e-9:
		return fmt.Errorf("the --fault-* fractions sum to %.4g; at most 1 is allowed", sum)
	case f.RetryAfter < 0:
		return errors.New("--fault-retry-after must not be negative")
	case f.SlowFor < 0:
		return errors.New("--fault-slow-for must not be negative")
	}
	return nil
}

// checkAPI validates the Dixa API flags, naming them in errors.
func checkAPI(o dixamock.APIOptions) error {
	switch {
	case o.APIPageSize < 1:
		return fmt.Errorf("--api-page-size must be at least 1, not %d", o.APIPageSize)
	case o.NextStyle != dixamock.NextAbsolute && o.NextStyle != dixamock.NextRelative && o.NextStyle != dixamock.NextMixed:
		return fmt.Errorf("--next-style must be absolute, relative or mixed, not %q", o.NextStyle)
	case o.ActivityOrder != dixamock.OrderAscending && o.ActivityOrder != dixamock.OrderDescending && o.ActivityOrder != dixamock.OrderShuffled:
		return fmt.Errorf("--activity-order must be ascending, descending or shuffled, not %q", o.ActivityOrder)
	case !(o.APIPerSecond > 0) || math.IsInf(o.APIPerSecond, 0):
		return fmt.Errorf("--api-per-second must be a positive number, not %v", o.APIPerSecond)
	case o.Envelope != "" && o.Envelope != dixamock.EnvelopeMessage && o.Envelope != dixamock.EnvelopeEmpty &&
		o.Envelope != dixamock.EnvelopeNullData && o.Envelope != dixamock.EnvelopeObjectData:
		return fmt.Errorf("--envelope must be message, empty, null-data or object-data, not %q", o.Envelope)
	case o.EnvelopeEvery < 1:
		return fmt.Errorf("--envelope-every must be at least 1, not %d", o.EnvelopeEvery)
	case o.NotFoundEvery < 0:
		return fmt.Errorf("--not-found-every must not be negative, not %d", o.NotFoundEvery)
	case o.PageKeys != "" && o.PageKeys != dixamock.PageKeysRepeat && o.PageKeys != dixamock.PageKeysCycle:
		return fmt.Errorf("--page-keys must be repeat or cycle, not %q", o.PageKeys)
	case o.Latency < 0:
		return fmt.Errorf("--latency must not be negative, not %s", o.Latency)
	case o.AnalyticsPaging != dixamock.AnalyticsPagingMeta && o.AnalyticsPaging != dixamock.AnalyticsPagingPageKey:
		return fmt.Errorf("--analytics-paging must be meta or pagekey, not %q", o.AnalyticsPaging)
	}
	for _, l := range []struct {
		flag     string
		prefixes []string
	}{{"forbid", o.Forbid}, {"envelope-path", o.EnvelopePaths}, {"not-found", o.NotFound}} {
		for _, f := range l.prefixes {
			if !strings.HasPrefix(f, "/") {
				return fmt.Errorf("--%s %q must be a path starting with /", l.flag, f)
			}
		}
	}
	return o.Validate()
}

// checkRedirect validates --redirect-to.
func checkRedirect(to string) error {
	if to == "" {
		return nil
	}
	u, err := neturl.Parse(to)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("--redirect-to %q must be an absolute http or https URL without user, query or fragment", to)
	}
	return nil
}

// parseDate parses yyyy-mm-dd (UTC midnight) or RFC3339.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither yyyy-mm-dd nor RFC3339", s)
	}
	return t.UTC(), nil
}
