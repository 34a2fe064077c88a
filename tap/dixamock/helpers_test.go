package dixamock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testToken = "secret-token"

var (
	testStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	testEnd   = time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
)

// testOptions returns small default options for tests.
func testOptions() Options {
	return Options{
		Token:          testToken,
		Seed:           42,
		Conversations:  400,
		Start:          testStart,
		End:            testEnd,
		AfterInclusive: true,
	}
}

// shared is a server for testOptions, built once, for tests that neither
// change its options nor depend on its request counters.
var shared = sync.OnceValue(func() *Server { return New(testOptions()) })

// serve starts an httptest server for s and closes it when the test ends.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// get performs a GET with the given Authorization header ("" for none) and
// returns the status and body.
func get(t *testing.T, url, authorization string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body, resp.Header
}

// exportURL returns the URL of an export request for [after, before].
func exportURL(base, endpoint string, after, before int64) string {
	a, b := "updated_after", "updated_before"
	if endpoint == MessageExport {
		a, b = "created_after", "created_before"
	}
	return base + "/v1/" + endpoint + "?" + a + "=" + strconv.FormatInt(after, 10) + "&" + b + "=" + strconv.FormatInt(before, 10)
}

// fetch returns the decoded records of a successful export request.
func fetch(t *testing.T, base, endpoint string, after, before int64) []map[string]any {
	t.Helper()
	status, body, _ := get(t, exportURL(base, endpoint, after, before), "Bearer "+testToken)
	require.Equal(t, http.StatusOK, status, string(body))
	return decodeArray(t, body)
}

// decodeArray decodes a JSON array of objects, keeping numbers exact.
func decodeArray(t *testing.T, body []byte) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var recs []map[string]any
	require.NoError(t, dec.Decode(&recs))
	return recs
}

// idText returns the record's id as Truth.ID spells it.
func idText(t *testing.T, rec map[string]any) string {
	t.Helper()
	switch id := rec["id"].(type) {
	case json.Number:
		return id.String()
	case string:
		return id
	}
	t.Fatalf("record id %v has type %T", rec["id"], rec["id"])
	return ""
}

// replicationKey returns the replication key of a stream's records.
func replicationKey(endpoint string) string {
	if endpoint == MessageExport {
		return "created_at"
	}
	return "updated_at"
}

// atOf returns the replication timestamp of rec.
func atOf(t *testing.T, endpoint string, rec map[string]any) int64 {
	t.Helper()
	n, ok := rec[replicationKey(endpoint)].(json.Number)
	require.True(t, ok, "replication key missing or not a number: %v", rec)
	v, err := n.Int64()
	require.NoError(t, err)
	return v
}

// errorMessage decodes {"message":...}.
func errorMessage(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	return e.Message
}
