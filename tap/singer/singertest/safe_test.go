package singertest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

func TestStateCheckerFindsBookmarkPastUnwrittenRecord(t *testing.T) {
	ms := time.UnixMilli
	want := []singertest.Expected{{"s", "1", ms(10)}, {"s", "2", ms(20)}, {"s", "3", ms(30)}}
	schema := `{"type":"SCHEMA","stream":"s","schema":{},"key_properties":["id"]}` + "\n"
	rec := func(id string) string { return `{"type":"RECORD","stream":"s","record":{"id":` + id + `}}` + "\n" }
	state := func(b string) string { return `{"type":"STATE","value":{"bookmarks":{"s":{"at":` + b + `}}}}` + "\n" }

	ok := singertest.NewStateChecker(want)
	assert.Empty(t, ok.Feed([]byte(schema+rec("2")+rec("1")+state("21")+rec("3")+state(`"1970-01-01T00:00:00.031Z"`))))
	assert.Equal(t, 2, ok.States)

	bad := singertest.NewStateChecker(want)
	got := bad.Feed([]byte(schema + rec("2") + state("21") + rec("1") + `{"type":"REC`))
	assert.Equal(t, []string{"line 3: bookmarks.s.at = 21 passes s 1 (at 1970-01-01T00:00:00.01Z), not written"}, got)

	// A resumed run builds on what the first one wrote.
	resumed := singertest.NewStateChecker(want)
	assert.Empty(t, resumed.Feed([]byte(schema+rec("1")+state("11"))))
	assert.Empty(t, resumed.Feed([]byte(schema+rec("2")+rec("3")+state("31"))))
}
