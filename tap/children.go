package tap

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tap-dixa/tap-dixa/tap/dixa"
)

// syncChildren writes the child records (ratings, notes) of the parent
// records with the given ids. A child stream the token may not read fails
// alone: it is reported and skipped from then on.
func (s *Sync) syncChildren(ctx context.Context, children []Selected, ids [][]byte) error {
	for _, c := range children {
		st := c.Stream
		if s.hasFailed(st.Name) {
			continue
		}
		proj := s.projector(c)
		var buf []byte
		for _, id := range ids {
			extracted := s.Now()
			path := childPath(st, id)
			err := s.pages(ctx, st, path, st.Query, func(p *dixa.Page) error {
				for _, rec := range p.Data {
					var err error
					if buf, err = proj.Project(buf[:0], withField(rec, st.ParentKey, id)); err != nil {
						return err
					}
					if err := s.Out.WriteRecord(st.Name, buf, extracted, 0); err != nil {
						return err
					}
				}
				return nil
			})
			var auth *dixa.AuthError
			if errors.As(err, &auth) {
				s.fail(st.Name, err)
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %s: %w", st.Name, path, err)
			}
		}
	}
	return nil
}

// fail records that a stream failed without stopping the others.
func (s *Sync) fail(stream string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed = map[string]bool{}
	}
	s.failed[stream] = true
	s.failedOrder = append(s.failedOrder, stream)
	s.Log.Logf(Error, "%s: stream failed, the others go on: %s", stream, strings.TrimPrefix(err.Error(), stream+": "))
}

// StreamsFailedError reports streams that failed while others completed.
type StreamsFailedError struct{ Streams []string }

func (e *StreamsFailedError) Error() string {
	return fmt.Sprintf("%d stream(s) failed: %s (see the errors above)", len(e.Streams), strings.Join(e.Streams, ", "))
}
