package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/tap-dixa/tap-dixa/tap/config"
)

// version is set at build time with
// -ldflags "-X github.com/tap-dixa/tap-dixa/tap/cli.version=v1.2.3": the
// Makefile, GoReleaser and so the wheels stamp the git version
// (scripts/version.sh) into every binary they build.
var version string

// Version returns the tap's version: the one stamped at build time, else
// the main module's version Go recorded (v1.2.3 for `go install
// ...@v1.2.3`; for a `go build` in a git checkout, the tag or a
// pseudo-version), else "dev".
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	return versionOf(version, bi, ok)
}

func versionOf(stamped string, bi *debug.BuildInfo, ok bool) string {
	if stamped != "" {
		return stamped
	}
	if ok && bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const description = "Singer tap for Dixa: conversations and messages from the Exports API, activity logs and reference data from the Dixa API; streamed, paced and resumable."

// capabilities lists only what the tap implements, in Meltano SDK names;
// activate-version with emit_activate_version_messages.
var capabilities = []string{"catalog", "discover", "state", "about", "test", "activate-version"}

func writeAbout(w io.Writer, format string) error {
	switch format {
	case "json":
		about := struct {
			Name         string          `json:"name"`
			Description  string          `json:"description"`
			Version      string          `json:"version"`
			Capabilities []string        `json:"capabilities"`
			Settings     json.RawMessage `json:"settings"`
		}{"tap-dixa", description, Version(), capabilities, config.Schema()}
		b, err := json.MarshalIndent(about, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "markdown":
		_, err := io.WriteString(w, AboutMarkdown())
		return err
	case "text", "":
		var b strings.Builder
		fmt.Fprintf(&b, "Name: tap-dixa\nDescription: %s\nVersion: %s\nCapabilities:\n", description, Version())
		for _, c := range capabilities {
			fmt.Fprintf(&b, "  - %s\n", c)
		}
		b.WriteString("Settings:\n")
		for _, s := range config.Settings() {
			fmt.Fprintf(&b, "  - Name: %s\n    Type: %s\n    Required: %t\n", s.Name, s.Type, s.Required)
			if s.Secret {
				b.WriteString("    Secret: true\n")
			}
			if s.Default != nil {
				fmt.Fprintf(&b, "    Default: %v\n", s.Default)
			}
			fmt.Fprintf(&b, "    Environment Variable: TAP_DIXA_%s\n", strings.ToUpper(s.Name))
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	return usagef("--format: unknown format %q (text, json or markdown)", format)
}

// AboutMarkdown returns the settings as the Markdown that --about --format
// markdown prints and the README's config table repeats.
func AboutMarkdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# `tap-dixa`\n\n%s\n\nVersion: `%s`\n\n## Capabilities\n\n", description, Version())
	for _, c := range capabilities {
		fmt.Fprintf(&b, "- `%s`\n", c)
	}
	b.WriteString("\n## Settings\n\n| Setting | Required | Default | Description |\n|:--------|:--------:|:-------:|:------------|\n")
	for _, s := range config.Settings() {
		def := ""
		if s.Default != nil {
			def = fmt.Sprintf("`%v`", s.Default)
		}
		fmt.Fprintf(&b, "| `%s` | %t | %s | %s |\n", s.Name, s.Required, def, strings.ReplaceAll(s.Description, "|", `\|`))
	}
	b.WriteString("\nEvery setting can also be given as an environment variable `TAP_DIXA_<SETTING>` (upper case) with `--config ENV`.\n")
	return b.String()
}
