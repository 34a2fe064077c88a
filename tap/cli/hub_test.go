package cli_test

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/tap-dixa/tap-dixa/tap/config"
)

// pluginDef is an extractor definition as Meltano Hub and meltano.yml
// write it (the keys this project uses).
type pluginDef struct {
	Name                    string          `yaml:"name"`
	Variant                 string          `yaml:"variant"`
	Namespace               string          `yaml:"namespace"`
	Label                   string          `yaml:"label"`
	Description             string          `yaml:"description"`
	LogoURL                 string          `yaml:"logo_url"`
	DomainURL               string          `yaml:"domain_url"`
	Repo                    string          `yaml:"repo"`
	PipURL                  string          `yaml:"pip_url"`
	Executable              string          `yaml:"executable"`
	MaintenanceStatus       string          `yaml:"maintenance_status"`
	Quality                 string          `yaml:"quality"`
	Keywords                []string        `yaml:"keywords"`
	Capabilities            []string        `yaml:"capabilities"`
	SettingsGroupValidation [][]string      `yaml:"settings_group_validation"`
	Settings                []pluginSetting `yaml:"settings"`
	Select                  []string        `yaml:"select"`
}

type pluginSetting struct {
	Name        string `yaml:"name"`
	Kind        string `yaml:"kind"`
	Label       string `yaml:"label"`
	Description string `yaml:"description"`
	Sensitive   bool   `yaml:"sensitive"`
	Value       any    `yaml:"value"`
	Options     []struct {
		Label string `yaml:"label"`
		Value string `yaml:"value"`
	} `yaml:"options"`
}

const hubFile = "../../meltano-hub/extractors/tap-dixa/tap-dixa.yml"

func readHub(t *testing.T) pluginDef {
	t.Helper()
	f, err := os.Open(hubFile)
	require.NoError(t, err)
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	var def pluginDef
	require.NoError(t, dec.Decode(&def), hubFile)
	return def
}

// The Hub definition is what --about and --discover say: capabilities;
// every setting in order, its kind from its JSON Schema type, description,
// secrecy and default; the required settings; the default selection.
func TestHubDefinitionMatchesAbout(t *testing.T) {
	hub := readHub(t)
	r := runTap(t, t.Context(), nil, "--about", "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var about struct {
		Name         string
		Description  string
		Capabilities []string
		Settings     struct {
			Required   []string
			Properties map[string]map[string]any
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &about))

	assert.Equal(t, about.Name, hub.Name)
	assert.Equal(t, "tap-dixa", hub.Variant, "the variant is the GitHub owner")
	assert.Equal(t, "tap_dixa", hub.Namespace)
	assert.Equal(t, "tap-dixa", hub.Executable)
	assert.Equal(t, "tap-dixa-go", hub.PipURL)
	assert.Equal(t, about.Description, hub.Description)
	assert.Contains(t, []string{"gold", "silver", "bronze", "unknown"}, hub.Quality, "the Hub requires quality")
	assert.Equal(t, about.Capabilities, hub.Capabilities)
	assert.Equal(t, [][]string{about.Settings.Required}, hub.SettingsGroupValidation)

	var names []string
	for _, s := range config.Settings() { // --about's settings in their order
		names = append(names, s.Name)
	}
	require.Len(t, about.Settings.Properties, len(names))
	var hubNames []string
	for _, s := range hub.Settings {
		hubNames = append(hubNames, s.Name)
	}
	require.Equal(t, names, hubNames, "the Hub's settings are --about's, in order")
	for _, s := range hub.Settings {
		p := about.Settings.Properties[s.Name]
		assert.Equal(t, meltanoKind(p), s.Kind, s.Name)
		assert.Equal(t, p["description"], s.Description, s.Name)
		assert.Equal(t, p["secret"] == true, s.Sensitive, "%s: sensitive", s.Name)
		assert.NotEmpty(t, s.Label, s.Name)
		if d, ok := p["default"]; ok {
			assert.Equal(t, asJSON(t, d), asJSON(t, s.Value), "%s: value = --about's default", s.Name)
		} else {
			assert.Nil(t, s.Value, "%s: no value where --about has no default", s.Name)
		}
		if s.Kind == "options" {
			var values []any
			for _, o := range s.Options {
				values = append(values, o.Value)
				assert.NotEmpty(t, o.Label, s.Name)
			}
			assert.Equal(t, p["enum"], values, "%s: options = --about's enum", s.Name)
		} else {
			assert.Empty(t, s.Options, s.Name)
		}
	}

	assert.Equal(t, defaultSelection(t), hub.Select, "select = the streams --discover selects by default")
}

// meltano.yml's tap-dixa is the Hub definition with its pip_url pinned to
// the newest release in CHANGELOG.md: the same settings, capabilities and
// select.
func TestMeltanoYmlExtractorIsTheHubDefinition(t *testing.T) {
	hub := readHub(t)
	b, err := os.ReadFile("../../meltano.yml")
	require.NoError(t, err)
	var project struct {
		Plugins struct {
			Extractors []pluginDef
		}
	}
	require.NoError(t, yaml.Unmarshal(b, &project))
	require.Len(t, project.Plugins.Extractors, 1)
	mel := project.Plugins.Extractors[0]

	changelog, err := os.ReadFile("../../CHANGELOG.md")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$`).FindSubmatch(changelog)
	require.NotNil(t, m, "CHANGELOG.md has a released version")
	assert.Equal(t, "tap-dixa-go=="+string(m[1]), mel.PipURL, "meltano.yml pins the newest release of CHANGELOG.md")

	assert.Equal(t, hub.Name, mel.Name)
	assert.Equal(t, hub.Namespace, mel.Namespace)
	assert.Equal(t, hub.Label, mel.Label)
	assert.Equal(t, hub.Description, mel.Description)
	assert.Equal(t, hub.Executable, mel.Executable)
	assert.Equal(t, hub.Capabilities, mel.Capabilities)
	assert.Equal(t, hub.SettingsGroupValidation, mel.SettingsGroupValidation)
	require.Len(t, mel.Settings, len(hub.Settings))
	for i, s := range hub.Settings {
		assert.Equal(t, s, mel.Settings[i], "setting %d (%s)", i, s.Name)
	}
	assert.Equal(t, hub.Select, mel.Select)

	wheel, err := os.ReadFile("../../scripts/wheel.py")
	require.NoError(t, err)
	assert.Contains(t, string(wheel), `NAME = "`+hub.PipURL+`"`, "the wheels are the package pip_url names")
}

// meltanoKind is the Meltano setting kind of a JSON Schema property. A
// number is "integer", not "decimal": Meltano 4.4.1 casts a decimal
// setting's value from the environment or .env to a Decimal and then fails
// to write the tap's config ("Object of type Decimal is not JSON
// serializable"); with "integer" a fraction in meltano.yml still passes.
func meltanoKind(p map[string]any) string {
	switch {
	case p["format"] == "date-time":
		return "date_iso8601"
	case p["enum"] != nil:
		return "options"
	}
	return map[any]string{"string": "string", "integer": "integer", "number": "integer", "boolean": "boolean", "array": "array", "object": "object"}[p["type"]]
}

func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// defaultSelection is "<stream>.*" for each stream --discover marks
// selected-by-default, in the catalog's order.
func defaultSelection(t *testing.T) []string {
	t.Helper()
	r := runTap(t, t.Context(), nil, "--discover")
	require.Equal(t, 0, r.code, r.stderr)
	var cat struct {
		Streams []struct {
			TapStreamID string `json:"tap_stream_id"`
			Metadata    []struct {
				Breadcrumb []string       `json:"breadcrumb"`
				Metadata   map[string]any `json:"metadata"`
			} `json:"metadata"`
		} `json:"streams"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &cat))
	var sel []string
	for _, s := range cat.Streams {
		for _, m := range s.Metadata {
			if len(m.Breadcrumb) == 0 && m.Metadata["selected-by-default"] == true {
				sel = append(sel, s.TapStreamID+".*")
			}
		}
	}
	require.NotEmpty(t, sel)
	return sel
}
