# tap-dixa — run `make demo` for a sync against the built-in fake Dixa, `make test` for the tests.
GO      ?= go
BIN     := bin
# The version stamped into every binary: git describe of a v* tag (see scripts/version.sh).
VERSION ?= $(shell bash scripts/version.sh 2>/dev/null || echo v0.0.0-unknown)
VERSION := $(VERSION)
LDFLAGS := -s -w -X github.com/tap-dixa/tap-dixa/tap/cli.version=$(VERSION)
GOLANGCI_LINT_VERSION := v2.15.0
GORELEASER_VERSION := v2.15.1
GO_TO_WHEEL_VERSION := 0.2
GORELEASER := $(BIN)/goreleaser-$(GORELEASER_VERSION)/goreleaser
WHEEL_VENV := $(BIN)/go-to-wheel-$(GO_TO_WHEEL_VERSION)

.PHONY: all build test demo lint catalog bench bench-fanout bench-pipeline fuzz clean release-snapshot wheel wheel-test

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/tap-dixa ./cmd/tap-dixa
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/dixa-mock ./cmd/dixa-mock

# The test command of the README and of CI.
test:
	$(GO) vet ./...
	$(GO) test -race ./...
	$(GO) test -tags purego ./tap/jsonarray/ ./tap/record/ # the Go forms of the assembly

# A sync of generated data from the fake Dixa into demo/output.ndjson, no token needed.
demo: build
	bash scripts/demo.sh

lint:
	@test -x $(BIN)/golangci-lint || GOBIN=$(CURDIR)/$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	$(BIN)/golangci-lint run ./...

# Rewrite catalog.json from --discover (a test keeps them equal).
catalog:
	$(GO) run ./cmd/tap-dixa --discover > catalog.json

# Go benchmarks of the record path, then bench/compare.sh: the raw transfer, tap-dixa and the
# Python tap-dixa 1.0.10 on one generated message window of each size in MB (SIZES="10 100" make
# bench for fewer); the report and profiles land in bench/out/latest/. See bench/compare.sh.
SIZES ?= 10 100 1000
bench: build
	@mkdir -p bench/out
	bash -o pipefail -c "$(GO) test -run='^$$' -bench=. -benchmem ./... | tee bench/out/go-bench.txt"
	SIZES="$(SIZES)" NO_BUILD=1 GO="$(GO)" bash bench/compare.sh

# Dixa API requests per second reached by a per-conversation fan-out when each answer takes
# LATENCY (default 300ms), at the default api_requests_per_second and Dixa's real rate limit.
bench-fanout: build
	bash bench/fanout.sh bin/tap-dixa bin/dixa-mock

# Where the time of tap-dixa | target-postgres goes: ~100 MB of messages loaded by MeltanoLabs
# target-postgres with its defaults and with use_copy / validate_records off (needs PostgreSQL).
bench-pipeline: build
	bash bench/pipeline.sh

# A short run of every fuzz target; new findings land in testdata/fuzz.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "$$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=20s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf $(BIN) demo dist

# The release build, locally: GoReleaser (.goreleaser.yaml) in snapshot mode, nothing
# published. dist/: tap-dixa for linux and darwin on amd64 and arm64 (static, -trimpath,
# VERSION stamped), a tar.gz of each with the README and CHANGELOG, and their sha256
# checksums. Skipped when nothing it is made of changed since the last one (rm -rf dist forces).
release-snapshot: dist/.release

# The Python wheels (package tap-dixa-go, command tap-dixa) in dist/wheels: the release
# build's binaries, packed by go-to-wheel; manylinux and musllinux for linux, macOS for
# darwin (scripts/wheel.py).
wheel: dist/wheels/.built

# This machine's wheel installed into a fresh venv whose PATH has no Go: tap-dixa --version,
# --about and a short sync against the fake Dixa; this machine's release archive checked and
# unpacked as the README's Install section says (scripts/wheel-test.sh).
wheel-test: wheel
	bash scripts/wheel-test.sh $(VERSION)

# What the release binaries are made of. $(BIN)/.version changes only with VERSION, so a
# new commit or tag rebuilds them even when no file changed.
RELEASE_INPUTS = $(filter-out %_test.go,$(wildcard $(shell git ls-files -co --exclude-standard -- 'cmd/tap-dixa/*.go' 'tap/*.go' 'tap/*.s' 'schemas/*' go.mod go.sum .goreleaser.yaml README.md CHANGELOG.md sample_config.json 2>/dev/null)))

$(BIN)/.version: FORCE
	@mkdir -p $(BIN); [ "$$(cat $@ 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" > $@

dist/.release: $(RELEASE_INPUTS) $(BIN)/.version | $(GORELEASER)
	TAP_DIXA_VERSION=$(VERSION) SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	  $(GORELEASER) release --snapshot --clean
	@touch $@

dist/wheels/.built: dist/.release scripts/wheel.py | $(WHEEL_VENV)/ok
	rm -rf dist/wheels
	$(WHEEL_VENV)/bin/python scripts/wheel.py build --version $(VERSION) --dist dist --out dist/wheels
	@touch $@

# Pinned tools, installed once into bin/: GoReleaser from the Go module proxy (compiling
# it takes ~3 minutes the first time, seconds with Go's build cache warm), go-to-wheel
# from PyPI into a venv.
$(GORELEASER):
	GOBIN=$(CURDIR)/$(dir $@) $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)

$(WHEEL_VENV)/ok:
	bash scripts/venv.sh $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install -q --disable-pip-version-check go-to-wheel==$(GO_TO_WHEEL_VERSION)
	@touch $@

.PHONY: FORCE
FORCE:

# tap-dixa under Meltano against the fake Dixa: PostgreSQL and JSONL loaders, state, incremental
# re-run (installs Meltano, the loaders and PostgreSQL itself; see scripts/e2e.sh). The tap comes
# from make wheel, installed by meltano install as a user's would be; nothing runs bin/tap-dixa.
.PHONY: e2e
e2e:
	VERSION=$(VERSION) bash scripts/e2e.sh
