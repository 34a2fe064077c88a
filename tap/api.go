package tap

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/record"
)

// apiWindowOverlap is how far each activity log query reaches back before
// its window: the API takes whole seconds.
const apiWindowOverlap = time.Second

// maxActivitySpan is the longest span one activity log query may cover.
const maxActivitySpan = 90 * 24 * time.Hour

// page fetches one page, retrying what ShouldRetry allows.
func (s *Sync) page(ctx context.Context, st Stream, path string, q url.Values, key string) (*dixa.Page, error) {
	for try := 1; ; try++ {
		p, err := s.Client.GetPage(ctx, path, q, key)
		if err == nil {
			return p, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		wait, final := s.retryWait(try, err, every(time.Second, s.Config.APIPerSecond))
		if final != nil {
			return nil, final
		}
		s.Log.Warnf("%s: attempt %d failed: %v; retrying in %.1fs", st.Name, try, err, wait.Seconds())
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// pages calls fn with every page of a list.
func (s *Sync) pages(ctx context.Context, st Stream, path string, q url.Values, fn func(*dixa.Page) error) error {
	if st.Paged {
		q = cloneValues(q)
		q.Set("pageLimit", strconv.Itoa(s.Config.PageSize))
	}
	key := ""
	seen := map[string]bool{}
	for n := 1; ; n++ {
		p, err := s.page(ctx, st, path, q, key)
		if err != nil {
			if n > 1 {
				return fmt.Errorf("page %d: %w", n, err)
			}
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if p.PageKey == "" || len(p.Data) == 0 {
			return nil
		}
		if seen[p.PageKey] {
			return fmt.Errorf("page %d: meta.next repeats an earlier pageKey (%.40q...): Dixa is paging in a loop", n, p.PageKey)
		}
		seen[p.PageKey] = true
		key = p.PageKey
	}
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// withField returns the JSON object rec with "name":value added first.
func withField(rec []byte, name string, value []byte) []byte {
	i := bytes.IndexByte(rec, '{')
	if i < 0 {
		return rec
	}
	out := make([]byte, 0, len(rec)+len(name)+len(value)+4)
	out = append(out, '{')
	out = strconv.AppendQuote(out, name)
	out = append(out, ':')
	out = append(out, value...)
	rest := bytes.TrimSpace(rec[i+1:])
	if len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, rest...)
}

// syncList syncs a FULL_TABLE stream: a list, or for Members the list of
// each parent record.
func (s *Sync) syncList(ctx context.Context, sel Selected) error {
	st := sel.Stream
	proj := s.projector(sel, nil)
	if err := s.begin(proj); err != nil {
		return err
	}
	var version int64
	if s.Config.EmitActivateVersion {
		version = s.Now().Unix()
	}
	count := newCounter(s.Log, st.Name)
	defer count.flush()
	extracted := s.Now()
	var buf []byte
	write := func(rec []byte) error {
		var err error
		if buf, err = proj.project(buf[:0], rec); err != nil {
			return err
		}
		count.add(1)
		return s.Out.WriteRecord(st.Name, buf, extracted, version)
	}
	began := time.Now()
	// One request target for a list; one per parent record for members.
	type target struct {
		path string
		id   []byte // the parent's id, added as ParentKey
	}
	targets := []target{{path: st.Path}}
	if st.Kind == Members {
		parent, _ := StreamByName(st.Parent)
		targets = nil
		err := s.pages(ctx, parent, parent.Path, parent.Query, func(p *dixa.Page) error {
			for _, rec := range p.Data {
				id, err := topField(rec, "id")
				if err != nil {
					return fmt.Errorf("%s: %w", parent.Name, err)
				}
				targets = append(targets, target{childPath(st, id), id})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", st.Name, err)
		}
	}
	n := 0
	for _, tg := range targets {
		err := s.pages(ctx, st, tg.path, st.Query, func(p *dixa.Page) error {
			for _, rec := range p.Data {
				if tg.id != nil {
					rec = withField(rec, st.ParentKey, tg.id)
				}
				if err := write(rec); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if tg.id != nil && s.skipMissing(st, tg.id, err) {
			continue
		}
		if err != nil && tg.id != nil {
			return fmt.Errorf("%s: %s: %w", st.Name, tg.path, err)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", st.Name, err)
		}
	}
	if version != 0 {
		if err := s.Out.WriteActivateVersion(st.Name, version); err != nil {
			return err
		}
	}
	if err := s.writeState(""); err != nil {
		return err
	}
	s.Log.Infof("%s: %d records in %.1fs", st.Name, n, time.Since(began).Seconds())
	return nil
}

// childPath fills the stream's path with a parent record's id.
func childPath(st Stream, id []byte) string {
	return strings.Replace(st.Path, "{id}", strings.Trim(string(id), `"`), 1)
}

// topField returns the raw value of a top-level field of a JSON object.
func topField(rec []byte, name string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rec, &m); err != nil {
		return nil, fmt.Errorf("a record is not a JSON object: %w", err)
	}
	v := m[name]
	if v == nil || string(v) == "null" {
		return nil, fmt.Errorf("a record has no %q", name)
	}
	return v, nil
}

// begin writes the stream's SCHEMA and a STATE naming it.
func (s *Sync) begin(p *projector) error {
	if err := p.writeSchema(); err != nil {
		return err
	}
	return s.writeState(p.sel.Stream.Name)
}

// projector fits one stream's records to its schema and keeps its SCHEMA
// message up to date: the schema grows with the fields Dixa adds and the
// values it widens for (see package record), and project writes the grown
// SCHEMA before the record that needed it, so that every record matches
// the last SCHEMA written for its stream.
type projector struct {
	*record.Projector
	s        *Sync
	sel      Selected
	bookmark []string // bookmark_properties
	sent     int      // the Projector's Version when the last SCHEMA was written
}

// writeSchema writes the stream's SCHEMA as the Projector has it now,
// unless the stream is Silent.
func (p *projector) writeSchema() error {
	p.sent = p.Version()
	if p.sel.Silent {
		return nil
	}
	st := p.sel.Stream
	return p.s.Out.WriteSchema(st.Name, p.Schema(), st.KeyProperties, p.bookmark)
}

// project appends the fitted form of rec to dst, and writes the stream's
// SCHEMA again first if fitting it grew the schema: the SCHEMA is written
// before the caller can write the record, whether it then writes it or
// not (a record a failed attempt already wrote, say).
func (p *projector) project(dst, rec []byte) ([]byte, error) {
	out, err := p.Project(dst, rec)
	if err == nil && p.Version() != p.sent {
		err = p.writeSchema()
	}
	return out, err
}

// projector returns the stream's record projector, capturing the named
// top-level fields; bookmark is its bookmark_properties. Keys and the
// replication key never widen. It warns of a field the schema lacks and of
// a field widened once per field (and change) and stream, and of strings
// repaired from invalid UTF-8 once per stream and run.
func (s *Sync) projector(sel Selected, bookmark []string, capture ...string) *projector {
	name := sel.Stream.Name
	p := record.New(sel.Spec.Schema, sel.Schema, func(path string) {
		s.Log.Warnf("%s: field %q is not in the schema; keeping it and sending a wider SCHEMA", name, path)
	}, capture...)
	p.OnWiden(func(path, change string) {
		s.Log.Warnf("%s: field %q holds a value its schema does not declare; keeping it and sending a wider SCHEMA (%s)", name, path, change)
	})
	p.Strict(sel.Stream.KeyProperties...)
	if rk := sel.Stream.ReplicationKey; rk != "" {
		p.Strict(rk)
	}
	// One projector per stream and run: it reports invalid UTF-8 once.
	p.OnInvalidUTF8(func(path string) {
		s.Log.Warnf("%s: field %q holds bytes that are not UTF-8; replacing them with U+FFFD (warned once per stream)", name, path)
	})
	return &projector{Projector: p, s: s, sel: sel, bookmark: bookmark}
}
