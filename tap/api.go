package tap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/jsonarray"
	"github.com/tap-dixa/tap-dixa/tap/record"
)

// apiWindowOverlap is how far each activity log query reaches back before
// its window: the API takes whole seconds.
const apiWindowOverlap = time.Second

// maxActivitySpan is the longest span one activity log query may cover.
const maxActivitySpan = 90 * 24 * time.Hour

// request returns the request for the stream's endpoint at path, with its
// fixed query.
func (s *Sync) request(st Stream, path string, q url.Values) dixa.Request {
	q = cloneValues(q)
	if st.Paged {
		size := s.Config.PageSize
		if st.MaxPageSize > 0 {
			size = min(size, st.MaxPageSize)
		}
		q.Set("pageLimit", strconv.Itoa(size))
	}
	return dixa.Request{Method: st.Method, Path: path, Query: q, Object: st.Object}
}

// pages calls fn with every page of a list; the client paces and retries
// each request.
func (s *Sync) pages(ctx context.Context, req dixa.Request, fn func(*dixa.Page) error) error {
	seen := map[string]bool{}
	for n := 1; ; n++ {
		p, err := s.Client.Fetch(ctx, req)
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
			return fmt.Errorf("page %d: its next page repeats an earlier pageKey (%.40q...): Dixa is paging in a loop", n, p.PageKey)
		}
		seen[p.PageKey] = true
		req.PageKey = p.PageKey
	}
}

// collect returns the items at the stream's Items of every page of req.
func (s *Sync) collect(ctx context.Context, req dixa.Request, items []string) ([]found, error) {
	var out []found
	err := s.pages(ctx, req, func(p *dixa.Page) error {
		f, err := walk(p.Data, items)
		out = append(out, f...)
		return err
	})
	return out, err
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// target is one request of a FULL_TABLE stream: the stream's path, filled
// with a parent's id, or its query with one value of Each.
type target struct {
	path   string
	query  url.Values
	id     json.RawMessage // the parent's id
	each   string          // the value of Each
	detail string          // what the id names, for a Detail request
}

// targets returns the requests that read a FULL_TABLE stream: one, or
// one per value of Each, or one per record of its parent (whose list is
// read for it, never written).
func (s *Sync) targets(ctx context.Context, st Stream) ([]target, error) {
	switch {
	case st.Parent != "":
		parent, _ := StreamByName(st.Parent)
		recs, err := s.collect(ctx, s.request(parent, parent.Path, parent.Query), parent.Items)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", parent.Name, err)
		}
		ts := make([]target, 0, len(recs))
		for _, r := range recs {
			id, ok := memberValue(r.rec, "id")
			if !ok {
				return nil, fmt.Errorf("%s: a record has no id: %s", parent.Name, abbreviate(r.rec))
			}
			ts = append(ts, target{path: childPath(st.Path, id), query: st.Query, id: id})
		}
		return ts, nil
	case st.Each != nil:
		ts := make([]target, len(st.Each.Values))
		for i, v := range st.Each.Values {
			q := cloneValues(st.Query)
			q.Set(st.Each.Param, v)
			ts[i] = target{path: st.Path, query: q, each: v}
		}
		return ts, nil
	}
	return []target{{path: st.Path, query: st.Query}}, nil
}

// syncList syncs a FULL_TABLE stream: its targets' items, fetched up to
// fanoutWidth at once, or for a stream with a Detail the detail of each
// item.
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
	n := 0
	write := func(rec []byte, added ...member) error {
		rec, err := reshape(st, rec, added...)
		if err != nil {
			return fmt.Errorf("%s: %w", st.Name, err)
		}
		if buf, err = proj.project(buf[:0], rec); err != nil {
			return fmt.Errorf("%s: %w", st.Name, err)
		}
		count.inc()
		n++
		return s.Out.WriteRecord(st.Name, buf, extracted, version)
	}
	began := time.Now()
	targets, err := s.targets(ctx, st)
	if err != nil {
		return fmt.Errorf("%s: %w", st.Name, err)
	}
	var details []found // items whose Detail is the record
	seen := map[string]bool{}
	err = fanout(ctx, len(targets), s.fanoutWidth(), func(ctx context.Context, i int) ([]found, error) {
		return s.fetchTarget(ctx, st, targets[i], st.Items)
	}, func(i int, recs []found) error {
		tg := targets[i]
		for _, r := range recs {
			if st.Detail != nil {
				id, ok := memberValue(r.rec, "id")
				if !ok {
					return fmt.Errorf("%s: an item has no id: %s", st.Name, abbreviate(r.rec))
				}
				if !seen[string(id)] {
					seen[string(id)] = true
					details = append(details, found{rec: id})
				}
				continue
			}
			if err := write(r.rec, s.added(st, tg, r)...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if st.Detail != nil {
		d := Stream{Name: st.Name, Object: st.Detail.Object}
		err := fanout(ctx, len(details), s.fanoutWidth(), func(ctx context.Context, i int) ([]found, error) {
			tg := target{path: childPath(st.Detail.Path, details[i].rec), id: details[i].rec, detail: st.Detail.Of}
			return s.fetchTarget(ctx, d, tg, st.Detail.Items)
		}, func(_ int, recs []found) error {
			for _, r := range recs {
				if err := write(r.rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
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

// fetchTarget returns the items at paths of every page of one target: none
// if its failure is one the stream goes on after (see goesOn).
func (s *Sync) fetchTarget(ctx context.Context, st Stream, tg target, paths []string) ([]found, error) {
	recs, err := s.collect(ctx, s.request(st, tg.path, tg.query), paths)
	if s.goesOn(st, tg, err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.targetError(st, tg, err)
	}
	return recs, nil
}

// added returns the fields a target's item gains: the parent's id as
// ParentKey, its tree node's as NodeKey, and the value of Each.
func (s *Sync) added(st Stream, tg target, r found) []member {
	var ms []member
	if st.ParentKey != "" && tg.id != nil {
		ms = append(ms, member{key: st.ParentKey, value: tg.id})
	}
	if st.NodeKey != "" {
		node := r.node
		if node == nil {
			node = json.RawMessage("null")
		}
		ms = append(ms, member{key: st.NodeKey, value: node})
	}
	if st.Each != nil && st.Each.Field != "" {
		v, _ := json.Marshal(tg.each)
		ms = append(ms, member{key: st.Each.Field, value: v})
	}
	return ms
}

// goesOn reports whether a target's failure is one the stream goes on
// after: a parent Dixa answers 404 for (see skipMissing), or a value of
// Each Dixa refuses with a 400 (a channel it does not know).
func (s *Sync) goesOn(st Stream, tg target, err error) bool {
	if err == nil {
		return false
	}
	if tg.id != nil {
		what := st.Parent
		if tg.detail != "" {
			what = tg.detail
		}
		return s.skipMissing(st, what, tg.id, err)
	}
	var er *dixa.ErrorResponse
	if st.Each != nil && errors.As(err, &er) && er.Response.StatusCode == http.StatusBadRequest {
		s.Log.Warnf("%s: Dixa refuses %s=%s (%s); skipping it", st.Name, st.Each.Param, tg.each, er.Message)
		return true
	}
	return false
}

func (s *Sync) targetError(st Stream, tg target, err error) error {
	if tg.id != nil || tg.each != "" {
		return fmt.Errorf("%s: %s: %w", st.Name, tg.path, err)
	}
	return fmt.Errorf("%s: %w", st.Name, err)
}

// childPath fills path with a parent record's id.
func childPath(path string, id []byte) string {
	return strings.Replace(path, "{id}", url.PathEscape(strings.Trim(string(id), `"`)), 1)
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
	// before, if set, writes the RECORD lines buffered for the stream, so
	// that a grown SCHEMA comes after them (see exporter.attempt).
	before func() error
}

// writeSchema writes the stream's SCHEMA as the Projector has it now,
// unless the stream is Silent.
func (p *projector) writeSchema() error {
	p.sent = p.Version()
	if p.sel.Silent {
		return nil
	}
	if p.before != nil {
		if err := p.before(); err != nil {
			return err
		}
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

// projectMembers is project for a record whose top-level members the
// decoder found (see record.Projector.ProjectMembers).
func (p *projector) projectMembers(dst, rec []byte, members []jsonarray.Member, compact bool) ([]byte, error) {
	out, err := p.ProjectMembers(dst, rec, members, compact)
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
