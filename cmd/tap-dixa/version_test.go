package main_test

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versionVar is the variable every build stamps the version into.
const versionVar = "github.com/tap-dixa/tap-dixa/tap/cli.version"

// goBuild builds ./cmd/tap-dixa of the module in dir into out, static and
// with -trimpath like every release build, with GOFLAGS replaced by flags.
func goBuild(t *testing.T, dir, out, goflags string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"build", "-trimpath"}, args...), "-o", out, "./cmd/tap-dixa")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS="+goflags)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", b)
}

func run(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.Output()
	require.NoError(t, err, "%s %v", bin, args)
	return string(b)
}

// The version stamped with -ldflags -X (as make build, GoReleaser and the
// wheels do) is what --version, --about in every format and the
// User-Agent of every request say.
func TestStampedVersionEverywhere(t *testing.T) {
	const v = "v9.8.7-3-g1a2b3c4"
	bin := filepath.Join(t.TempDir(), "tap-dixa")
	goBuild(t, "../..", bin, "-buildvcs=false", "-ldflags", "-s -w -X "+versionVar+"="+v)

	assert.Equal(t, "tap-dixa "+v+"\n", run(t, bin, nil, "--version"))
	var about struct{ Version string }
	require.NoError(t, json.Unmarshal([]byte(run(t, bin, nil, "--about", "--format", "json")), &about))
	assert.Equal(t, v, about.Version)
	assert.Contains(t, run(t, bin, nil, "--about"), "\nVersion: "+v+"\n")
	assert.Contains(t, run(t, bin, nil, "--about", "--format", "markdown"), "\nVersion: `"+v+"`\n")

	var mu sync.Mutex
	agents := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.Header.Get("User-Agent")] = true
		mu.Unlock()
		_, _ = w.Write([]byte("[]"))
	}))
	defer srv.Close()
	env := []string{"TAP_DIXA_API_TOKEN=t", "TAP_DIXA_START_DATE=2024-01-01",
		"TAP_DIXA_EXPORTS_BASE_URL=" + srv.URL, "TAP_DIXA_API_BASE_URL=" + srv.URL}
	assert.Equal(t, "ok\n", run(t, bin, env, "--config", "ENV", "--test"))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, map[string]bool{"tap-dixa/" + v: true}, agents, "User-Agent of the --test requests")
}

// Without a stamp the binary says the module version Go recorded: what
// `go install github.com/tap-dixa/tap-dixa/cmd/tap-dixa@v0.1.0` gives
// (the proxy's module version) and what a plain `go build` in a checkout
// of the tag gives (Go's VCS stamping, the same field). The second is
// checked here, in a throw-away git repository with a copy of the module
// tagged v0.1.0; the first needs the tag published.
func TestUnstampedVersionFromBuildInfo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join("../..", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(repo, f), b, 0o644))
	}
	for _, d := range []string{"cmd", "tap", "schemas"} {
		require.NoError(t, os.CopyFS(filepath.Join(repo, d), nonTestFiles{os.DirFS(filepath.Join("../..", d))}))
	}
	git := gitIn(t, repo)
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "release")
	git("tag", "-a", "v0.1.0", "-m", "v0.1.0")

	bin := filepath.Join(t.TempDir(), "tap-dixa")
	goBuild(t, repo, bin, "-buildvcs=true")
	assert.Equal(t, "tap-dixa v0.1.0\n", run(t, bin, nil, "--version"))
}

// gitIn returns a git runner in dir that ignores the user's and the
// system's git config, and returns what git printed.
func gitIn(t *testing.T, dir string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, b)
		return strings.TrimSpace(string(b))
	}
}

// scripts/version.sh: git describe of a v* tag, v0.0.0-<commits>-g<hash>
// before the first one, -dirty with changes; scripts/wheel.py pep440 turns
// each into the wheel's version.
func TestVersionScript(t *testing.T) {
	for _, tool := range []string{"git", "bash", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	repo := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "scripts"), 0o755))
	for _, f := range []string{"scripts/version.sh", "scripts/wheel.py"} {
		b, err := os.ReadFile(filepath.Join("../..", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(repo, f), b, 0o755))
	}
	git := gitIn(t, repo)
	version := func() string {
		t.Helper()
		cmd := exec.Command("bash", filepath.Join(repo, "scripts/version.sh"))
		cmd.Env = append(os.Environ(), "GIT_CEILING_DIRECTORIES="+filepath.Dir(repo)) // not a checkout around the temp dir
		b, err := cmd.Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(b))
	}
	pep440 := func(v string) string {
		t.Helper()
		b, err := exec.Command("python3", filepath.Join(repo, "scripts/wheel.py"), "pep440", v).Output()
		require.NoError(t, err, v)
		return strings.TrimSpace(string(b))
	}
	change := func(text string) {
		require.NoError(t, os.WriteFile(filepath.Join(repo, "file"), []byte(text), 0o644))
	}

	assert.Equal(t, "v0.0.0-unknown", version(), "not a git checkout")
	git("init", "-q")
	change("1")
	git("add", ".")
	git("commit", "-q", "-m", "one")
	h := git("rev-parse", "--short", "HEAD")
	assert.Equal(t, "v0.0.0-1-g"+h, version(), "no tag")
	change("2")
	assert.Equal(t, "v0.0.0-1-g"+h+"-dirty", version())
	git("commit", "-q", "-am", "two")
	git("tag", "-a", "v0.1.0", "-m", "v0.1.0")
	git("tag", "not-a-version") // ignored
	assert.Equal(t, "v0.1.0", version(), "on the tag")
	change("3")
	git("commit", "-q", "-am", "three")
	h = git("rev-parse", "--short", "HEAD")
	assert.Equal(t, "v0.1.0-1-g"+h, version(), "after the tag")

	for v, want := range map[string]string{
		"v0.1.0":                  "0.1.0",
		"v0.1.0-dirty":            "0.1.0+dirty",
		"v0.1.0-3-g1a2b3c4":       "0.1.1.dev3+g1a2b3c4",
		"v0.1.0-3-g1a2b3c4-dirty": "0.1.1.dev3+g1a2b3c4.dirty",
		"v0.0.0-58-ge027a63":      "0.0.1.dev58+ge027a63",
		"v1.2.0-rc.1":             "1.2.0rc1",
		"v1.2.0-rc.1-2-gabcdef0":  "1.2.0rc2.dev2+gabcdef0",
		"v0.0.0-unknown":          "0.0.0+unknown",
	} {
		assert.Equal(t, want, pep440(v), v)
	}
	assert.Error(t, exec.Command("python3", filepath.Join(repo, "scripts/wheel.py"), "pep440", "1.0").Run(), "not a version")
}

// nonTestFiles is an FS without the _test.go files and testdata folders,
// which a build does not need.
type nonTestFiles struct{ fs.FS }

func (f nonTestFiles) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(f.FS, name)
	var kept []fs.DirEntry
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "_test.go") && e.Name() != "testdata" {
			kept = append(kept, e)
		}
	}
	return kept, err
}

// make build and GoReleaser stamp the same variable.
func TestBuildsStampTheVersionVariable(t *testing.T) {
	for _, f := range []string{"Makefile", ".goreleaser.yaml"} {
		b, err := os.ReadFile(filepath.Join("../..", f))
		require.NoError(t, err)
		assert.Contains(t, string(b), "-X "+versionVar+"=", f)
	}
}
