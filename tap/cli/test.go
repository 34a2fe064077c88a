package cli

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/tap-dixa/tap-dixa/tap"
	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/dixa"
)

// testAccess makes one cheap authenticated request per Dixa surface the
// selected streams use: an export of the last minute. It prints "ok" when
// each answers, and fails with the reason otherwise.
func testAccess(ctx context.Context, env Env, o *options, log *tap.Logger) error {
	cfg, warnings, err := config.Load(o.configs, env.Getenv)
	if err != nil {
		return &usageError{err}
	}
	for _, w := range warnings {
		log.Warnf("%s", w)
	}
	catalogPath := o.catalog
	if catalogPath == "" {
		catalogPath = o.properties
	}
	streams, err := selectStreams(catalogPath, log)
	if err != nil {
		return err
	}
	client, err := newClient(cfg, env.HTTPClient)
	if err != nil {
		return &usageError{err}
	}
	if len(streams) > 0 {
		st := streams[0].Stream // every stream today reads the Exports API
		now := env.Now().UnixMilli()
		q := url.Values{}
		q.Set(st.AfterParam, strconv.FormatInt(now-60_000, 10))
		q.Set(st.BeforeParam, strconv.FormatInt(now, 10))
		resp, err := client.Get(ctx, dixa.Exports, st.Path, q)
		if err != nil {
			return fmt.Errorf("test: Exports API (%s): %w", st.Path, err)
		}
		resp.Body.Close()
		log.Infof("test: Exports API (%s) answered", st.Path)
	}
	_, err = fmt.Fprintln(env.Stdout, "ok")
	return err
}
