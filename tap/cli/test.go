package cli

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tap-dixa/tap-dixa/tap"
	"github.com/tap-dixa/tap-dixa/tap/dixa"
)

// testAccess makes one cheap authenticated request per Dixa surface the
// selected streams use, prints "ok" when each answers, and fails with the
// reason otherwise.
func testAccess(ctx context.Context, env Env, o *options, log *tap.Logger) error {
	_, streams, client, err := setup(env, o, log, observe(log, false)...)
	if err != nil {
		return err
	}
	now := env.Now().UTC()
	tested := map[dixa.Surface]bool{}
	for _, sel := range streams {
		st := sel.Stream
		surface, path, q := probe(st, now)
		if tested[surface] {
			continue
		}
		tested[surface] = true
		name := map[dixa.Surface]string{dixa.Exports: "Exports API", dixa.API: "Dixa API"}[surface]
		resp, err := client.Get(ctx, surface, path, q)
		if err != nil {
			return fmt.Errorf("test: %s (%s, for %s): %w", name, path, st.Name, err)
		}
		resp.Body.Close()
		log.Infof("test: %s (%s) answered", name, path)
	}
	_, err = fmt.Fprintln(env.Stdout, "ok")
	return err
}

// probe returns the cheapest request that shows whether the token may
// read the stream's surface: an export or activity log of the last minute,
// or one item of a list.
func probe(st tap.Stream, now time.Time) (dixa.Surface, string, url.Values) {
	q := url.Values{}
	switch st.Kind {
	case tap.Export:
		q.Set(st.AfterParam, strconv.FormatInt(now.Add(-time.Minute).UnixMilli(), 10))
		q.Set(st.BeforeParam, strconv.FormatInt(now.UnixMilli(), 10))
		return dixa.Exports, st.Path, q
	case tap.List:
		for st.Parent != "" {
			st, _ = tap.StreamByName(st.Parent)
		}
		if st.Paged {
			q.Set("pageLimit", "1")
		}
		if st.Each != nil {
			q.Set(st.Each.Param, st.Each.Values[0])
		}
		return dixa.API, st.Path, q
	case tap.Analytics:
		q.Set("pageLimit", "1")
		return dixa.API, st.Catalog, q
	}
	activity, _ := tap.StreamByName("activity_logs")
	q.Set(activity.AfterParam, now.Add(-time.Minute).Format("2006-01-02T15:04:05Z"))
	q.Set(activity.BeforeParam, now.Format("2006-01-02T15:04:05Z"))
	q.Set("pageLimit", "1")
	return dixa.API, strings.TrimSpace(activity.Path), q
}
