package tap

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/tap-dixa/tap-dixa/tap/config"
	"github.com/tap-dixa/tap-dixa/tap/dixa"
	"github.com/tap-dixa/tap-dixa/tap/singer"
)

// fixedBody answers every request with the same body.
type fixedBody []byte

func (b fixedBody) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(b)), Header: http.Header{}, Request: r}, nil
}

// messagesBody is a message export of n records of about 1 KB each.
func messagesBody(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"6f1c2a3e-0000-4000-8000-%012d","csid":%d,"created_at":%d,"initial_channel":"email",`+
			`"author_name":"Søren Kierkegaard","author_email":"soren@example.com","direction":"inbound",`+
			`"text":"Hej! I ordered <b>two</b> pairs & got one — order %d. Kan I hjælpe? 日本語もOK 😀 Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.",`+
			`"from_phone_number":null,"to_phone_number":null,"duration":null,"recording_url":null,"voicemail_url":null,`+
			`"to":["support@shop.example"],"from":"soren@example.com","cc":["cc@example.com"],"bcc":[],`+
			`"attached_files":["https://files.example/a.pdf"],"is_automated_message":false,`+
			`"chat_input_question":null,"chat_input_answer":null,"chat_menu_text":null}`,
			i, 100000+i, t0.UnixMilli()+int64(i)*1000, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkExportWindow measures one message export window end to end:
// body → array decoder → projector → Singer writer, into io.Discard.
func BenchmarkExportWindow(b *testing.B) {
	body := messagesBody(10_000)
	client, err := dixa.NewClient("tok", dixa.WithHTTPClient(&http.Client{Transport: fixedBody(body)}),
		dixa.WithBaseURL(dixa.Exports, "http://127.0.0.1:1"))
	if err != nil {
		b.Fatal(err)
	}
	st := Streams[1]
	spec, err := st.Spec()
	if err != nil {
		b.Fatal(err)
	}
	cfg := &config.Config{StartDate: t0, EndDate: t0.Add(24 * time.Hour), Window: 24 * time.Hour,
		MessagesPerMinute: 1e9, MaxRetries: 0, MaxParallelStreams: 1}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		s := &Sync{Config: cfg, Client: client, Out: singer.NewWriter(io.Discard), State: singer.NewState(),
			Log: NewLogger(io.Discard, Info), Now: time.Now}
		if err := s.Run(b.Context(), []Selected{{Stream: st, Spec: spec, Schema: spec.Schema}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10_000*b.N)/b.Elapsed().Seconds(), "records/s")
	// CPU of the whole process (both goroutines of the record path, the
	// garbage collector) per GB of body: wall time hides the second core.
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/(float64(len(body))*float64(b.N)/1e9), "CPU-s/GB")
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
