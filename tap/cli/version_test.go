package cli

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The stamped version wins; without one, the module version Go recorded
// (what `go install ...@v0.1.0` or a `go build` in a tagged checkout
// leaves in the binary); "dev" when Go recorded none.
func TestVersionOf(t *testing.T) {
	info := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/tap-dixa/tap-dixa", Version: v}}
	}
	for _, tc := range []struct {
		stamped string
		bi      *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"v0.1.0", info("v0.0.9"), true, "v0.1.0"},
		{"v0.1.0-3-g1a2b3c4-dirty", nil, false, "v0.1.0-3-g1a2b3c4-dirty"},
		{"", info("v0.1.0"), true, "v0.1.0"},
		{"", info("v0.1.1-0.20261202101500-1a2b3c4d5e6f+dirty"), true, "v0.1.1-0.20261202101500-1a2b3c4d5e6f+dirty"},
		{"", info("(devel)"), true, "dev"},
		{"", info(""), true, "dev"},
		{"", nil, false, "dev"},
	} {
		assert.Equal(t, tc.want, versionOf(tc.stamped, tc.bi, tc.ok), "%+v", tc)
	}
}
