#!/usr/bin/env bash
# packaging/manpage.sh GREFFIER VERSION DATE prints greffier(1) in troff, generated from the
# CLI's own help: `greffier help` for the commands, `greffier COMMAND -h` for each one's
# usage and flags. The page cannot drift from the program: it is made from it at package time.
set -euo pipefail
bin=$1 version=$2 date=$3

# esc: troff-safe text (backslashes, leading dots and quotes, hyphens in words).
esc() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/" -e 's/-/\\-/g'; }

# flags: Go's flag.PrintDefaults output as .TP entries ("  -name type" then "    \tdescription").
flags() {
	awk '
	/^  -/ { sub(/^  /, ""); print ".TP"; printf "\\fB%s\\fR\n", $0; next }
	/^    \t/ { sub(/^    \t/, ""); print; next }
	NF { print }
	' | sed -e '/^\.TP$/!{/^\\fB/!{s/\\/\\e/g}}' -e '/^\\fB/{s/-/\\-/g}' -e "s/^\([.']\)\([^T]\)/\\\\\&\1\2/"
}

cat <<EOF2
.TH GREFFIER 1 "$date" "greffier $version" "User Commands"
.SH NAME
greffier \- offline ambient clinical scribe, command line
.SH SYNOPSIS
.B greffier
.I COMMAND
.RI [ FLAGS ]
.RI [ ARGS ]
.SH DESCRIPTION
Greffier transcribes consultations with whisper.cpp, drafts structured clinical notes with
ICD\-10\-CM code suggestions tied to the transcript, and keeps them in a local SQLite database
for review, signature and export. It works offline: patient audio and text never leave the
machine unless someone exports them.
.B greffier
is the command\-line face of the same core as the desktop app,
.BR greffier\-desktop (1).
Flags may follow positional arguments.
.SH COMMANDS
EOF2

# "  name   summary" lines of `greffier help` (printed on stderr).
"$bin" help 2>&1 | sed -n 's/^  \([a-z][a-z0-9-]*\)  *\(.*\)$/\1\t\2/p' | while IFS=$'\t' read -r name summary; do
	printf '.SS %s\n%s\n' "$name" "$(esc <<<"$summary")"
	help=$("$bin" "$name" -h 2>&1 || true)
	usage=$(sed -n 's/^usage: //p' <<<"$help" | head -n1)
	if [[ -n $usage ]]; then
		printf '.PP\n.B %s\n' "$(esc <<<"$usage")"
	fi
	rest=$(sed '/^usage: /d' <<<"$help")
	if [[ -n ${rest//[[:space:]]/} ]]; then
		printf '.PP\n'
		flags <<<"$rest"
	fi
done

cat <<'EOF2'
.SH EXIT STATUS
.TP
.B 0
success
.TP
.B 2
bad input, bad usage or a refused action; the message names the file or the rule
.TP
.B 1
internal failure
.SH ENVIRONMENT
.TP
.B GREFFIER_DATA
the data folder (database, recordings, models, templates) instead of the default
.TP
.B XDG_DATA_HOME
the data folder is
.I $XDG_DATA_HOME/greffier
when
.B GREFFIER_DATA
is unset
.SH FILES
.TP
.I ~/.local/share/greffier/
each user's data: greffier.db (the database), recordings/, models/ (whisper models), templates/.
Removing or purging the package leaves it in place.
.SH EXAMPLES
.nf
greffier doctor                       # what this machine lacks
greffier models import /media/usb     # every whisper model on a USB stick, checksums checked
greffier users add drmartin \-\-role physician
greffier process visit.wav \-\-patient "Doe J"
.fi
.SH SEE ALSO
.BR greffier\-desktop (1),
.BR llama\-server (1)
EOF2
