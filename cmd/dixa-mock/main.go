// Command dixa-mock serves a deterministic fake of Dixa's Exports API and
// Dixa API on a local address, for demos, end-to-end tests and benchmarks of
// tap-dixa.
//
// Usage:
//
//	dixa-mock [--addr 127.0.0.1:0] [--token demo-token] [--seed 1]
//	          [--conversations 2000] [--start 2024-01-01] [--end 2024-07-01]
//	          [--after-inclusive] [--before-inclusive] [--minute-seconds 60]
//	          [--url-file PATH] [--tls-cert-dir DIR] [--redirect-to URL]
//	          [--fault-seed 1] [--fault-429 F] [--fault-retry-after D] [--fault-5xx F]
//	          [--fault-truncate F] [--fault-slow F] [--fault-slow-for 2s] [--fault-reset F]
//	          [--fault-object F]
//	          [--api-page-size 100] [--next-style absolute|relative|mixed]
//	          [--activity-order ascending|descending|shuffled] [--forbid PATH-PREFIX]...
//	          [--api-per-second 10]
//	          [--envelope message|empty|null-data|object-data] [--envelope-every 1]
//	          [--envelope-path PATH-PREFIX]... [--not-found PATH-PREFIX]...
//	          [--not-found-every N] [--page-keys repeat|cycle] [--load-messages N]
//	          [--latency 0s] [--analytics-paging meta|pagekey] [--analytics-require-filter]
//
// Once listening it prints the base URL as the only line on stdout (and
// writes it to --url-file, atomically, if given) and a summary on stderr. It
// stops gracefully on SIGINT or SIGTERM.
//
// --tls-cert-dir DIR serves https instead of http, with a fresh self-signed
// certificate for 127.0.0.1, ::1 and localhost (and the listen address)
// whose PEM is written to DIR/cert.pem before the URL file, so that a
// client can trust it with SSL_CERT_FILE=DIR/cert.pem; it is removed on
// exit, like the URL file. --redirect-to URL answers every request to the
// Exports API and the Dixa API (not /_admin, /_truth, /_stats) 307 to URL +
// the request's path and query: with a second, plain-http dixa-mock as URL,
// a test can check that a client refuses an https→http downgrade.
//
// The --fault-* flags make a deterministic fraction F (0 to 1; their sum at
// most 1) of export requests fail, to test a client's retries: 429s (with
// Retry-After if --fault-retry-after is set), 5xx, bodies cut off mid-array,
// bodies that stall for --fault-slow-for, connections reset without a
// response, 200s whose body is {"message":"Something went wrong"}
// (--fault-object). See dixamock.Faults. See package dixamock for the
// endpoints, including /_truth/conversations, /_truth/messages and /_stats.
//
// The --api-* flags shape the Dixa API (dev.dixa.io) surface: the page size
// when a request has no pageLimit, whether meta.next is an absolute or a
// relative URL (mixed: alternately), the order of the activity log, path
// prefixes answered 403 (repeatable; a segment "*" matches any one, e.g.
// --forbid /v1/conversations/*/ratings), and its rate limit per token per
// "second" of --minute-seconds/60. The Dixa API can also misbehave:
// --envelope answers every --envelope-every-th request (under the
// --envelope-path prefixes, if any) a 200 that is not a list; --not-found
// and --not-found-every answer 404 for some paths and for the ratings and
// notes of the conversations whose id is a multiple of N; --page-keys makes
// meta.next loop. --latency D makes every Dixa API request wait D before it
// is answered (the "api" part of /_stats counts max_in_flight, the most
// requests served at once), to measure a client's concurrency.
// --analytics-paging pagekey makes POST /v1/analytics/records point to the
// next page with a top-level "pageKey" (as Dixa's MCP docs say) instead of
// meta.next (the spec); --analytics-require-filter answers it 400 for a
// periodFilter without filters. See dixamock.APIOptions.
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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"math/big"
	"net"
	"net/http"
	neturl "net/url"
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
	opts, addr, files, err := parseFlags(args, stdout)
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
	if files.tlsCertDir != "" {
		certFile := filepath.Join(files.tlsCertDir, "cert.pem")
		cert, certPEM, err := selfSigned(ln.Addr(), time.Now())
		if err == nil {
			err = os.MkdirAll(files.tlsCertDir, 0o755)
		}
		if err == nil {
			err = writeFileAtomic(certFile, string(certPEM))
		}
		if err != nil {
			fmt.Fprintf(stderr, "dixa-mock: %v\n", err)
			_ = ln.Close()
			return 1
		}
		defer os.Remove(certFile)
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		hs.ErrorLog = log.New(stderr, "dixa-mock: ", 0) // TLS handshake errors
		url = "https://" + ln.Addr().String()
	}
	served := make(chan error, 1)
	go func() {
		if hs.TLSConfig != nil {
			served <- hs.ServeTLS(ln, "", "")
			return
		}
		served <- hs.Serve(ln)
	}()

	if files.url != "" {
		if err := writeFileAtomic(files.url, url+"\n"); err != nil {
			fmt.Fprintf(stderr, "dixa-mock: %v\n", err)
			_ = hs.Close()
			return 1
		}
		defer os.Remove(files.url)
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
		object := ""
		if f.Object > 0 {
			object = fmt.Sprintf(", object %g", f.Object)
		}
		fmt.Fprintf(stderr, "dixa-mock: injecting faults (seed %d): 429 %g, 5xx %g, truncate %g, slow %g for %s, reset %g%s\n",
			f.Seed, f.RateLimit, f.ServerError, f.Truncate, f.Slow, f.SlowFor, f.Reset, object)
	}
	summarizeAPI(stderr, opts, files.tlsCertDir)
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

// summarizeAPI writes to stderr a line for each anomaly the options switch
// on, beyond the faults.
func summarizeAPI(stderr io.Writer, opts dixamock.Options, tlsCertDir string) {
	if tlsCertDir != "" {
		fmt.Fprintf(stderr, "dixa-mock: serving https; trust %s\n", filepath.Join(tlsCertDir, "cert.pem"))
	}
	if opts.RedirectTo != "" {
		fmt.Fprintf(stderr, "dixa-mock: redirecting every request (307) to %s\n", opts.RedirectTo)
	}
	if len(opts.Forbid) > 0 {
		fmt.Fprintf(stderr, "dixa-mock: Dixa API answers 403 under %s\n", strings.Join(opts.Forbid, ", "))
	}
	if len(opts.NotFound) > 0 {
		fmt.Fprintf(stderr, "dixa-mock: Dixa API answers 404 under %s\n", strings.Join(opts.NotFound, ", "))
	}
	if opts.NotFoundEvery > 0 {
		fmt.Fprintf(stderr, "dixa-mock: Dixa API answers 404 for the ratings and notes of conversations whose id is a multiple of %d\n", opts.NotFoundEvery)
	}
	if opts.Envelope != "" {
		under := ""
		if len(opts.EnvelopePaths) > 0 {
			under = " under " + strings.Join(opts.EnvelopePaths, ", ")
		}
		fmt.Fprintf(stderr, "dixa-mock: Dixa API answers a %q envelope to 1 request in %d%s\n", opts.Envelope, max(opts.EnvelopeEvery, 1), under)
	}
	if opts.PageKeys != "" {
		fmt.Fprintf(stderr, "dixa-mock: Dixa API pageKeys %s\n", opts.PageKeys)
	}
	if opts.Latency > 0 {
		fmt.Fprintf(stderr, "dixa-mock: Dixa API answers every request after %s\n", opts.Latency)
	}
	if opts.AnalyticsPaging == dixamock.AnalyticsPagingPageKey {
		fmt.Fprintln(stderr, "dixa-mock: Dixa API analytics records page with a top-level pageKey")
	}
	if opts.AnalyticsRequireFilter {
		fmt.Fprintln(stderr, "dixa-mock: Dixa API analytics records require a filter with a periodFilter")
	}
}

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

// selfSigned returns a fresh self-signed certificate, valid for 30 days,
// for 127.0.0.1, ::1, localhost and the IP of addr (unless unspecified),
// and its PEM.
func selfSigned(addr net.Addr, now time.Time) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if ta, ok := addr.(*net.TCPAddr); ok && ta.IP != nil && !ta.IP.IsUnspecified() && !ta.IP.IsLoopback() {
		ips = append(ips, ta.IP)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "dixa-mock", Organization: []string{"dixa-mock"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // its own trust anchor
		DNSNames:              []string{"localhost"},
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
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
