package cli_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tap-dixa/tap-dixa/tap/dixamock"
	"github.com/tap-dixa/tap-dixa/tap/singer/singertest"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	return string(b)
}

// The Development section says exactly which make targets CI runs, in
// .ci/run's order.
func TestReadmeDevelopmentSaysWhatCIRuns(t *testing.T) {
	ci, err := os.ReadFile("../../.ci/run")
	require.NoError(t, err)
	var targets []string
	for _, m := range regexp.MustCompile(`(?m)^make (\S+)$`).FindAllStringSubmatch(string(ci), -1) {
		targets = append(targets, "`make "+m[1]+"`")
	}
	require.NotEmpty(t, targets)
	_, dev, ok := strings.Cut(readme(t), "\n## Development\n")
	require.True(t, ok)
	assert.Contains(t, dev, "CI runs [`.ci/run`](.ci/run): "+strings.Join(targets, ", ")+", in that order")
	for i, tgt := range targets {
		assert.Regexp(t, regexp.MustCompile(`(?m)^\| `+regexp.QuoteMeta(tgt)+` \|.*\| `+ordinal(i+1)+` \|$`), dev, tgt)
	}
}

func ordinal(n int) string {
	return strconv.Itoa(n) + map[int]string{1: "st", 2: "nd", 3: "rd"}[n] + map[bool]string{true: "th"}[n > 3]
}

// The Usage section's command line for a run by hand against the fake
// Dixa works as written: the same data, environment and flags, with the
// mock in-process on a free port instead of bin/dixa-mock on 8123.
func TestReadmeHandRunWorks(t *testing.T) {
	_, usage, ok := strings.Cut(readme(t), "By hand against the fake Dixa")
	require.True(t, ok)
	_, block, _ := strings.Cut(usage, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	lines := strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n")
	require.GreaterOrEqual(t, len(lines), 3, block)

	mockArgs := strings.Fields(lines[0])
	require.Equal(t, "bin/dixa-mock", mockArgs[0])
	flag := func(name string) string {
		for i, a := range mockArgs {
			if a == "--"+name && i+1 < len(mockArgs) {
				return mockArgs[i+1]
			}
		}
		t.Fatalf("the mock's command line has no --%s: %s", name, lines[0])
		return ""
	}
	conversations, err := strconv.Atoi(flag("conversations"))
	require.NoError(t, err)
	start, err := time.Parse(time.DateOnly, flag("start"))
	require.NoError(t, err)
	end, err := time.Parse(time.DateOnly, flag("end"))
	require.NoError(t, err)
	addr := "http://" + flag("addr")
	_, url := startMock(t, dixamock.Options{Token: "demo-token", Seed: 1, Conversations: conversations,
		Start: start, End: end, MinuteSeconds: 60})

	env := map[string]string{}
	var args []string
	fields := strings.Fields(lines[1])
	for len(fields) > 0 && strings.Contains(fields[0], "=") {
		k, v, _ := strings.Cut(fields[0], "=")
		env[k] = strings.ReplaceAll(v, addr, url)
		fields = fields[1:]
	}
	require.NotEmpty(t, fields)
	require.Equal(t, "bin/tap-dixa", fields[0])
	for _, f := range fields[1:] {
		if f == ">" {
			break
		}
		args = append(args, f)
	}
	r := runTap(t, t.Context(), env, args...)
	require.Equal(t, 0, r.code, r.stderr)
	o := singertest.Check(t, []byte(r.stdout))
	assert.Len(t, o.Records["conversations"], conversations)
	assert.Contains(t, r.stderr, "DEBUG pacing: waiting ")
	assert.Equal(t, "kill %1", strings.TrimSpace(lines[2]))
}
