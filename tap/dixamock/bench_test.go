package dixamock

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkNew measures generating the default 2000 conversations.
func BenchmarkNew(b *testing.B) {
	opts := testOptions()
	opts.Conversations = 2000
	for b.Loop() {
		New(opts)
	}
}

// BenchmarkConversationExport measures serving a 31-day window of the
// default 2000 conversations.
func BenchmarkConversationExport(b *testing.B) {
	opts := testOptions()
	opts.Conversations = 2000
	h := New(opts).Handler()
	a := testStart.UnixMilli()
	req := httptest.NewRequest(http.MethodGet, exportURL("", ConversationExport, a, a+31*dayMs), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
		b.SetBytes(int64(rec.Body.Len()))
	}
}
