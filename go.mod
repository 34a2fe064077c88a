module github.com/tap-dixa/tap-dixa

go 1.26.0

require (
	github.com/goccy/go-json v0.12.0
	github.com/santhosh-tekuri/jsonschema/v5 v5.3.1
	github.com/segmentio/asm v1.2.1
	github.com/spf13/pflag v1.0.10
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5
	golang.org/x/sync v0.25.0
	golang.org/x/sys v0.50.0
	golang.org/x/time v0.16.0
)
