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
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
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
