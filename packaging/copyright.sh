#!/usr/bin/env bash
# packaging/copyright.sh PKGS... prints the package's DEP-5 copyright file: Greffier's own
# paragraph, then one paragraph per Go module linked into the binaries built from the Go
# packages PKGS (plus Go's standard library and the JavaScript bundled into the desktop
# app), with the module's licence text as it ships in the module. Licences Debian keeps
# in /usr/share/common-licenses are referred to, not copied (Policy 12.5).
# Runs in the build root (GOFLAGS there carries the build tags; set GOFLAGS otherwise).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# licence_file DIR: the first licence file at the top of a module.
licence_file() {
	find "$1" -maxdepth 1 -type f \( -iname 'LICEN[CS]E*' -o -iname 'COPYING*' -o -iname 'UNLICENSE*' \) | sort | head -n1
}

# spdx FILE: a short name for the licence text, by its distinctive words.
spdx() {
	local t
	t=$(tr -s '[:space:]' ' ' <"$1")
	case "$t" in
	*"Apache License"*"Version 2.0"*) echo Apache-2.0 ;;
	*"free and unencumbered software released into the public domain"*) echo Unlicense ;;
	*"Mozilla Public License"*"2.0"*) echo MPL-2.0 ;;
	*"ISC License"* | *"Permission to use, copy, modify, and/or distribute this software for any purpose"*) echo ISC ;;
	*"Permission is hereby granted, free of charge"*) echo Expat ;;
	*"Redistribution and use in source and binary forms"*"Neither the name"*) echo BSD-3-clause ;;
	*"Redistribution and use in source and binary forms"*) echo BSD-2-clause ;;
	*) echo "other" ;;
	esac
}

# body FILE: licence text as a DEP-5 continuation (blank lines become " .").
body() {
	sed -e 's/[[:space:]]*$//' -e 's/^$/./' -e 's/^/ /' "$1"
}

# paragraph FILES NAME VERSION LICENCE-FILE: one Files paragraph for a bundled component,
# its licence text inline (each component's own words, even when the names match).
paragraph() {
	local files=$1 name=$2 version=$3 file=$4 lic cr
	lic=$(spdx "$file")
	[[ $lic == other ]] && lic="other-${name//[^A-Za-z0-9.]/-}"
	# Copyright lines as the licence states them; the authors when it names none.
	cr=$(grep -m3 -iE '^[[:space:]]*(copyright|\(c\))' "$file" | sed -E 's/^[[:space:]]*//' || true)
	[[ -n $cr ]] || cr="the authors of $name"
	printf '\nFiles: %s\n' "$files"
	printf 'Copyright: %s\n' "$(sed '2,$s/^/ /' <<<"$cr")"
	printf 'Comment: %s %s, compiled into the binaries.\n' "$name" "$version"
	printf 'License: %s\n' "$lic"
	case "$lic" in
	Apache-2.0 | MPL-2.0) printf ' On Debian systems the full text is in /usr/share/common-licenses/%s.\n' "$lic" ;;
	*) body "$file" ;;
	esac
}

cat <<'HEAD'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: greffier
Comment: The binaries link the Go modules listed below (their licence texts as the
 modules ship them), Go's standard library, and the preact JavaScript library bundled
 into the desktop app. The C libraries they use (whisper.cpp, ggml, PortAudio, WebKitGTK,
 libopusfile) come from their own Debian packages, with their own copyright files.
 SQLite is compiled into the binaries by github.com/mattn/go-sqlite3 (public domain).

Files: *
Copyright: Greffier developers
License: LicenseRef-Greffier
 Greffier's authors have not published it under a licence yet: all rights are
 reserved until they choose one.
HEAD

mods=$(cd "$top" && go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}' "$@" | sort -u)
while read -r path version dir; do
	[[ -n $path ]] || continue
	f=$(licence_file "$dir")
	if [[ -z $f ]]; then
		# Said in the file rather than hidden: someone must ask the module's author.
		echo "copyright.sh: warning: module $path $version ships no licence file" >&2
		printf '\nFiles: go-modules/%s/*\nCopyright: the authors of %s\nComment: %s %s, compiled into the binaries.\n' \
			"$path" "$path" "$path" "$version"
		printf 'License: no-licence-stated\n The module, as published, carries no licence file.\n'
		continue
	fi
	paragraph "go-modules/$path/*" "$path" "$version" "$f"
done <<<"$mods"

# Debian's Go has no GOROOT/LICENSE: its copyright file holds the same text ("License: Go").
golic=$(go env GOROOT)/LICENSE
if [[ ! -f $golic ]]; then
	golic=$(mktemp)
	trap 'rm -f "$golic"' EXIT
	awk 'BEGIN { RS = "" } /^License: Go\n/ { print; exit }' /usr/share/doc/golang-"$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')"-src/copyright |
		sed -e '1d' -e 's/^ //' -e 's/^\.$//' >"$golic"
	[[ -s $golic ]] || { echo "copyright.sh: Go's licence not found" >&2; exit 1; }
fi
paragraph "go/*" "Go standard library" "$(go env GOVERSION)" "$golic"
pre="$top/frontend/node_modules/preact"
if [[ -f $pre/LICENSE ]]; then
	paragraph "frontend/preact/*" preact "$(sed -n 's/^[[:space:]]*"version": "\(.*\)",/\1/p' "$pre/package.json" | head -n1)" "$pre/LICENSE"
else
	echo "copyright.sh: $pre/LICENSE missing (run make frontend)" >&2
	exit 1
fi
