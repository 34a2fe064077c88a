# tap-dixa — run `make demo` for a sync against the built-in fake Dixa, `make test` for the tests.
GO      ?= go
BIN     := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/tap-dixa/tap-dixa/tap/cli.version=$(VERSION)
GOLANGCI_LINT_VERSION := v2.15.0

.PHONY: all build test demo lint catalog bench bench-fanout bench-pipeline fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/tap-dixa ./cmd/tap-dixa
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/dixa-mock ./cmd/dixa-mock

# The test command of the README and of CI.
test:
	$(GO) vet ./...
	$(GO) test -race ./...

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
	rm -rf $(BIN) demo

# tap-dixa under Meltano against the fake Dixa: PostgreSQL and JSONL loaders, state, incremental
# re-run (installs Meltano, the loaders and PostgreSQL itself; see scripts/e2e.sh).
.PHONY: e2e
e2e:
	bash scripts/e2e.sh
