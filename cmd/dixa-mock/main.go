// Command dixa-mock serves a deterministic fake of Dixa's Exports API and
// Dixa API on a local address, for demos, end-to-end tests and benchmarks of
// tap-dixa.
//
// Usage:
//
//	dixa-mock [--addr 127.0.0.1:0] [--token demo-token] [--seed 1]
//	          [--conversations 2000] [--start 2024-01-01] [--end 2024-07-01]
//	          [--after-inclusive] [--before-inclusive] [--minute-seconds 60]
//	          [--url-file PATH]
//	          [--fault-seed 1] [--fault-429 F] [--fault-retry-after D] [--fault-5xx F]
//	          [--fault-truncate F] [--fault-slow F] [--fault-slow-for 2s] [--fault-reset F]
//	          [--api-page-size 100] [--next-style absolute|relative|mixed]
//	          [--activity-order ascending|shuffled] [--forbid PATH-PREFIX]...
//	          [--api-per-second 10] [--load-messages N]
//
// Once listening it prints the base URL as the only line on stdout (and
// writes it to --url-file, atomically, if given) and a summary on stderr. It
// stops gracefully on SIGINT or SIGTERM.
//
// The --fault-* flags make a deterministic fraction F (0 to 1; their sum at
// most 1) of export requests fail, to test a client's retries: 429s (with
// Retry-After if --fault-retry-after is set), 5xx, bodies cut off mid-array,
// bodies that stall for --fault-slow-for, connections reset without a
// response. See dixamock.Faults. See package dixamock for the
// endpoints, including /_truth/conversations, /_truth/messages and /_stats.
//
// The --api-* flags shape the Dixa API (dev.dixa.io) surface: the page size
// when a request has no pageLimit, whether meta.next is an absolute or a
// relative URL (mixed: alternately), the order of the activity log, path
// prefixes answered 403 (repeatable; a segment "*" matches any one, e.g.
// --forbid /v1/conversations/*/ratings), and its rate limit per token per
// "second" of --minute-seconds/60. See dixamock.APIOptions.
//
// --load-messages N (N > 0) is load mode, for benchmarks: message_export
// streams, for any valid window, the ones of N synthetic ~1 KB messages
// (created_at spread evenly over --start..--end) that the window selects,
// generated while the body is written; conversation_export answers [];
// /_truth/messages answers {"count":C,"bytes":B} instead of the id list.
// Unless --conversations is given, load mode generates no conversations.
// See dixamock.Options.LoadMessages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"github.com/tap-dixa/tap-dixa/tap/dixamock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command: it serves until ctx is done and returns the
// exit code: 0 after a graceful stop, 1 if serving failed, 2 for bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, addr, urlFile, err := parseFlags(args, stdout)
	if errors.Is(err, pflag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "dixa-mock: %v\n", err)
		return 2
	}

	srv := dixamock.New(opts)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "dixa-mock: %v\n", err)
		return 1
	}
	url := "http://" + ln.Addr().String()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	if urlFile != "" {
		if err := writeFileAtomic(urlFile, url+"\n"); err != nil {
			fmt.Fprintf(stderr, "dixa-mock: %v\n", err)
			_ = hs.Close()
			return 1
		}
		defer os.Remove(urlFile)
	}
	if opts.LoadMessages > 0 {
		count, size := srv.LoadTruth(math.MinInt64, math.MaxInt64)
		fmt.Fprintf(stderr, "dixa-mock: listening on %s (load mode: %d messages, %d bytes of message_export for %s..%s)\n",
			url, count, size, opts.Start.Format(time.RFC3339), opts.End.Format(time.RFC3339))
	} else {
		fmt.Fprintf(stderr, "dixa-mock: listening on %s (%d conversations, %d messages)\n",
			url, len(srv.Conversations()), len(srv.Messages()))
	}
	if f := opts.Faults; f.Enabled() {
		fmt.Fprintf(stderr, "dixa-mock: injecting faults (seed %d): 429 %g, 5xx %g, truncate %g, slow %g for %s, reset %g\n",
			f.Seed, f.RateLimit, f.ServerError, f.Truncate, f.Slow, f.SlowFor, f.Reset)
	}
	if len(opts.Forbid) > 0 {
		fmt.Fprintf(stderr, "dixa-mock: Dixa API answers 403 under %s\n", strings.Join(opts.Forbid, ", "))
	}
	fmt.Fprintln(stdout, url)

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "dixa-mock: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		_ = hs.Close()
	}
	fmt.Fprintln(stderr, "dixa-mock: stopped")
	return 0
}

// parseFlags parses the command line into server options, the listen
// address and the URL file. --help prints the usage to stdout and returns
// pflag.ErrHelp.
func parseFlags(args []string, stdout io.Writer) (opts dixamock.Options, addr, urlFile string, err error) {
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
	fs.StringVar(&urlFile, "url-file", "", "write the base URL to this file once listening")
	f := &opts.Faults
	fs.Int64Var(&f.Seed, "fault-seed", 1, "seed of the sequence of injected faults")
	fs.Float64Var(&f.RateLimit, "fault-429", 0, "fraction of export requests answered 429")
	fs.DurationVar(&f.RetryAfter, "fault-retry-after", 0, "Retry-After of injected 429s (seconds or HTTP-date, alternately); 0 for none")
	fs.Float64Var(&f.ServerError, "fault-5xx", 0, "fraction of export requests answered 500, 502, 503 or 504")
	fs.Float64Var(&f.Truncate, "fault-truncate", 0, "fraction of export responses cut off mid-body")
	fs.Float64Var(&f.Slow, "fault-slow", 0, "fraction of export responses that stall mid-body")
	fs.DurationVar(&f.SlowFor, "fault-slow-for", 2*time.Second, "how long slow responses stall")
	fs.Float64Var(&f.Reset, "fault-reset", 0, "fraction of export requests whose connection is reset without a response")
	api := &opts.APIOptions
	fs.IntVar(&api.APIPageSize, "api-page-size", 100, "Dixa API page size when a request has no pageLimit")
	fs.StringVar(&api.NextStyle, "next-style", dixamock.NextMixed, "meta.next URLs: absolute, relative or mixed (alternately)")
	fs.StringVar(&api.ActivityOrder, "activity-order", dixamock.OrderAscending, "activity log order: ascending or shuffled")
	fs.StringArrayVar(&api.Forbid, "forbid", nil, "answer 403 to Dixa API paths under this prefix (repeatable; * matches one segment)")
	fs.Float64Var(&api.APIPerSecond, "api-per-second", 10, "Dixa API requests allowed per token per --minute-seconds/60 seconds")
	fs.IntVar(&opts.LoadMessages, "load-messages", 0, "load mode: message_export streams this many synthetic ~1 KB messages spread over --start..--end; conversation_export answers [] (0: off)")

	if err = fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: dixa-mock [flags]\n\nServes a deterministic fake of Dixa's Exports API and Dixa API.\n\n%s", fs.FlagUsages())
		}
		return opts, "", "", err
	}
	if fs.NArg() > 0 {
		return opts, "", "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if opts.LoadMessages < 0 {
		return opts, "", "", fmt.Errorf("--load-messages must not be negative, not %d", opts.LoadMessages)
	}
	if opts.LoadMessages > 0 && !fs.Changed("conversations") {
		opts.Conversations = 0 // load mode: nothing else to generate
	}
	if opts.Start, err = parseDate(*start); err != nil {
		return opts, "", "", fmt.Errorf("--start: %w", err)
	}
	if opts.End, err = parseDate(*end); err != nil {
		return opts, "", "", fmt.Errorf("--end: %w", err)
	}
	if err = checkFaults(opts.Faults); err != nil {
		return opts, "", "", err
	}
	if err = checkAPI(opts.APIOptions); err != nil {
		return opts, "", "", err
	}
	if err = opts.Validate(); err != nil {
		return opts, "", "", errors.New(strings.TrimPrefix(err.Error(), "dixamock: "))
	}
	return opts, addr, urlFile, nil
}

// checkFaults validates the --fault-* flags, naming them in errors.
func checkFaults(f dixamock.Faults) error {
	sum := 0.0
	for _, fr := range []struct {
		flag string
		v    float64
	}{{"fault-429", f.RateLimit}, {"fault-5xx", f.ServerError}, {"fault-truncate", f.Truncate}, {"fault-slow", f.Slow}, {"fault-reset", f.Reset}} {
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
	case o.ActivityOrder != dixamock.OrderAscending && o.ActivityOrder != dixamock.OrderShuffled:
		return fmt.Errorf("--activity-order must be ascending or shuffled, not %q", o.ActivityOrder)
	case !(o.APIPerSecond > 0) || math.IsInf(o.APIPerSecond, 0):
		return fmt.Errorf("--api-per-second must be a positive number, not %v", o.APIPerSecond)
	}
	for _, f := range o.Forbid {
		if !strings.HasPrefix(f, "/") {
			return fmt.Errorf("--forbid %q must be a path starting with /", f)
		}
	}
	return o.Validate()
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

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers never see a partial file.
func writeFileAtomic(path, data string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
