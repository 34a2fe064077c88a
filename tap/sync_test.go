package tap

import (
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/singer"
)

func streamNamed(t *testing.T, name string) Stream {
	t.Helper()
	for _, st := range Streams {
		if st.Name == name {
			return st
		}
	}
	t.Fatalf("no stream %q", name)
	return Stream{}
}

// Lanes read their bookmarks while other lanes set theirs (an analytics
// lane reads its own when it starts, after the export lanes have begun to
// checkpoint): every read of the state is under the lock. Under -race, as
// make test runs it, a read that is not fails this test; CI once caught
// one in TestMissingEndpointFailsAlone.
func TestBookmarksReadWhileOtherLanesCheckpoint(t *testing.T) {
	s := &Sync{State: singer.NewState(), Out: singer.NewWriter(io.Discard)}
	analytics, messages := streamNamed(t, "analytics_records"), streamNamed(t, "messages")
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 300 {
			require.NoError(t, s.checkpoint(fmt.Sprintf("stream%d", i), "updated_at", i))
		}
	})
	wg.Go(func() {
		for range 300 {
			_, _, err := s.analyticsBookmarks(analytics)
			require.NoError(t, err)
			_, _, err = s.bookmark(messages)
			require.NoError(t, err)
		}
	})
	wg.Wait()
}
