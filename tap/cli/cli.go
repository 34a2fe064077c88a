// Package cli is the tap-dixa command: it reads flags and input files,
// runs discovery, --about or a sync, and maps the outcome to an exit code.
// Everything runs in-process from Run, so tests drive the whole command.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tap-dixa/tap-dixa/tap"
	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/singer"
	"golang.org/x/time/rate"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // extraction failed
	ExitUsage  = 2 // bad usage or bad input file
)

// Env is what the command sees of the world.
type Env struct {
	Args           []string
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient is used for requests; nil means a default client.
	HTTPClient *http.Client

	// redact is the layer Run puts in front of Stderr; setup gives it
	// the token.
	redact *redactor
}

// usageError is bad usage or a bad input file: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

type options struct {
	configs    []string
	state      string
	catalog    string
	properties string
	discover   bool
	about      bool
	format     string
	version    bool
	test       bool
	help       bool
	logLevel   string
}

func flagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("tap-dixa", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.StringArrayVar(&o.configs, "config", nil, "`CONFIG` file (JSON); repeat to layer files, later ones win; the word ENV reads TAP_DIXA_<SETTING> variables")
	fs.StringVar(&o.state, "state", "", "state file from a previous run: the value of its last STATE message, that message, or the output of meltano state get")
	fs.StringVar(&o.catalog, "catalog", "", "catalog file selecting streams and fields")
	fs.StringVar(&o.properties, "properties", "", "older name of --catalog")
	fs.BoolVar(&o.discover, "discover", false, "print the catalog of all streams and exit")
	fs.BoolVar(&o.test, "test", false, "check the token with one cheap request per Dixa surface the selected streams use, print ok, and exit")
	fs.BoolVar(&o.about, "about", false, "print name, version, capabilities and settings, then exit")
	fs.StringVar(&o.format, "format", "text", "format of --about: text, json or markdown")
	fs.StringVar(&o.logLevel, "log-level", "", "DEBUG, INFO, WARNING or ERROR (default: TAP_DIXA_LOGLEVEL, else INFO)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.BoolVarP(&o.help, "help", "h", false, "print this help and exit")
	return fs
}

const synopsis = `tap-dixa extracts Dixa conversations, messages, activity logs and reference data as Singer messages on stdout.

Usage:
  tap-dixa --config CONFIG [--state STATE] [--catalog CATALOG | --properties CATALOG]
  tap-dixa --config CONFIG --discover
  tap-dixa --config CONFIG [--catalog CATALOG] --test
  tap-dixa --about [--format text|json|markdown]
  tap-dixa --version | --help

Flags:
`

// Run runs the command and returns its exit code. Everything it writes
// to env.Stderr passes one redacting layer, which hides the API token
// once the config is read. A panic is logged there, with its stack, and
// exits 1.
func Run(ctx context.Context, env Env) (code int) {
	env.redact = newRedactor(env.Stderr)
	env.Stderr = env.redact
	defer env.redact.Close()
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(env.Stderr, "%s internal error: %v\n%s", tap.Critical, v, debug.Stack())
			code = ExitFailed
		}
	}()
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	var o options
	fs := flagSet(&o)
	fs.SetOutput(io.Discard)
	level := tap.Info
	if l, ok := tap.ParseLevel(env.Getenv("TAP_DIXA_LOGLEVEL")); ok {
		level = l
	}
	err := fs.Parse(env.Args)
	if err == nil && o.logLevel != "" {
		l, ok := tap.ParseLevel(o.logLevel)
		if !ok {
			err = fmt.Errorf("--log-level: unknown level %q", o.logLevel)
		}
		level = l
	}
	log := tap.NewLogger(env.Stderr, level)
	switch {
	case err == nil:
		err = run(ctx, env, &o, fs, log)
	case errors.Is(err, pflag.ErrHelp):
		err = nil
		printHelp(env.Stdout, fs)
	default:
		err = &usageError{fmt.Errorf("%w (see --help)", err)}
	}
	code = exitCode(ctx, err)
	if code != ExitOK {
		log.Logf(tap.Critical, "%s", err)
	}
	return code
}

func printHelp(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprint(w, synopsis)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprintln(w, "\nExit codes: 0 success, 1 extraction failed, 2 bad usage or input file, 130/143 interrupted.")
}

func run(ctx context.Context, env Env, o *options, fs *pflag.FlagSet, log *tap.Logger) error {
	switch {
	case o.help:
		printHelp(env.Stdout, fs)
		return nil
	case fs.NArg() > 0:
		return usagef("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if err := oneMode(o); err != nil {
		return err
	}
	switch {
	case o.version:
		fmt.Fprintf(env.Stdout, "tap-dixa %s\n", Version())
		return nil
	case o.about:
		return writeAbout(env.Stdout, o.format)
	case fs.Changed("format"):
		return usagef("--format goes with --about")
	case o.catalog != "" && o.properties != "" && o.catalog != o.properties:
		return usagef("give --catalog or --properties, not both")
	case o.discover:
		return discover(env.Stdout)
	case o.test:
		return testAccess(ctx, env, o, log)
	}
	return runSync(ctx, env, o, log)
}

// oneMode refuses more than one of the modes --version, --about,
// --discover and --test (--help wins over them all).
func oneMode(o *options) error {
	var modes []string
	for _, m := range []struct {
		on   bool
		flag string
	}{{o.version, "--version"}, {o.about, "--about"}, {o.discover, "--discover"}, {o.test, "--test"}} {
		if m.on {
			modes = append(modes, m.flag)
		}
	}
	if len(modes) > 1 {
		return usagef("%s cannot be combined: give one of --version, --about, --discover or --test", strings.Join(modes, " and "))
	}
	return nil
}

func discover(w io.Writer) error {
	c, err := tap.Discover()
	if err != nil {
		return err
	}
	b, err := MarshalCatalog(c)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// setup reads the config and the catalog and makes the client: what a sync
// and --test share.
func setup(env Env, o *options, log *tap.Logger, opts ...dixa.Option) (*config.Config, []tap.Selected, *dixa.Client, error) {
	cfg, warnings, err := config.Load(o.configs, env.Getenv)
	if err != nil {
		return nil, nil, nil, &usageError{err}
	}
	env.redact.AddToken(cfg.APIToken)
	for _, w := range warnings {
		log.Warnf("%s", w)
	}
	catalogPath := o.catalog
	if catalogPath == "" {
		catalogPath = o.properties
	}
	streams, err := selectStreams(catalogPath, log)
	if err != nil {
		return nil, nil, nil, err
	}
	client, err := newClient(cfg, env.HTTPClient, opts...)
	if err != nil {
		return nil, nil, nil, &usageError{err}
	}
	return cfg, streams, client, nil
}

func runSync(ctx context.Context, env Env, o *options, log *tap.Logger) error {
	cfg, streams, client, err := setup(env, o, log, observe(log, true)...)
	if err != nil {
		return err
	}
	state := singer.NewState()
	if o.state != "" {
		b, err := readFile("state", o.state)
		if err != nil {
			return err
		}
		var notes []singer.Note
		if state, notes, err = singer.ParseState(b); err != nil {
			return usagef("state %s: %v", o.state, err)
		}
		for _, n := range notes {
			level := tap.Info
			if n.Warning {
				level = tap.Warning
			}
			log.Logf(level, "state %s: %s", o.state, n.Text)
		}
	}
	out := singer.NewWriter(env.Stdout)
	s := &tap.Sync{Config: cfg, Client: client, Out: out, State: state, Log: log, Now: env.Now}
	err = s.Run(ctx, streams)
	var be *tap.BookmarkError
	if errors.As(err, &be) {
		return usagef("state %s: %v", o.state, err)
	}
	if err != nil {
		// The state holds only bookmarks of windows fully written: repeat
		// it so that the last line a reader sees is the safe resume point.
		_ = out.WriteState(state)
	}
	return err
}

// observe returns the client options that log each request at DEBUG
// (with its pacing wait) and, with metrics, as an http_request_duration
// METRIC line.
func observe(log *tap.Logger, metrics bool) []dixa.Option {
	return []dixa.Option{
		dixa.WithObserver(func(o dixa.Observation) {
			if metrics {
				log.RequestMetric(o)
			}
			log.RequestDebug(o)
		}),
		dixa.WithWaitObserver(log.PacingWait),
		dixa.WithRetryObserver(func(r dixa.Retry) {
			log.Warnf("%s %s: attempt %d failed: %v; retrying in %.1fs", r.Method, r.Path, r.Attempt, r.Err, r.Wait.Seconds())
		}),
	}
}

func newClient(cfg *config.Config, hc *http.Client, extra ...dixa.Option) (*dixa.Client, error) {
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64 // fan-outs keep many requests in flight
		hc = &http.Client{Transport: t}
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "tap-dixa/" + Version()
	}
	opts := []dixa.Option{
		dixa.WithHTTPClient(hc),
		dixa.WithUserAgent(ua),
		dixa.WithTimeout(cfg.RequestTimeout),
		dixa.WithRetries(cfg.MaxRetries),
		dixa.WithBaseURL(dixa.Exports, cfg.ExportsBaseURL),
		dixa.WithBaseURL(dixa.API, cfg.APIBaseURL),
	}
	for _, s := range tap.Streams {
		if s.PerMinute != nil {
			opts = append(opts, dixa.WithRateLimit(s.Path, rate.Limit(s.PerMinute(cfg)/60)))
		}
	}
	opts = append(opts, dixa.WithSurfaceRateLimit(dixa.API, rate.Limit(cfg.APIPerSecond), 1))
	return dixa.NewClient(cfg.APIToken, append(opts, extra...)...)
}

func readFile(what, path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, usagef("%s %s: cannot read: %v", what, path, err)
	}
	return b, nil
}

// exitCode is the one place that maps an outcome to an exit code.
func exitCode(ctx context.Context, err error) int {
	if err == nil {
		return ExitOK
	}
	var in *Interrupted
	if errors.As(context.Cause(ctx), &in) {
		return in.Code()
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailed
}
