#!/bin/sh
# Installs Greffier from this folder on a machine with no network: the greffier package
# and the Debian packages it needs, all here. Run as root: sudo sh install.sh
#
# Packages the machine already has at the same or a newer version are left as they are;
# apt-get installs the rest from the .deb files alone (it has nothing to download).
set -e
cd "$(dirname "$0")"
if [ "$(id -u)" != 0 ]; then
	echo "install.sh: run it as root (sudo sh install.sh)" >&2
	exit 1
fi
if command -v sha256sum >/dev/null && [ -f SHA256SUMS ]; then
	sha256sum --quiet -c SHA256SUMS || { echo "install.sh: a file of the bundle is damaged: copy the bundle again" >&2; exit 1; }
fi

set --
for f in ./*.deb; do
	p=$(dpkg-deb -f "$f" Package)
	v=$(dpkg-deb -f "$f" Version)
	have=$(dpkg-query -W -f '${Status} ${Version}\n' "$p" 2>/dev/null | awk '$3 == "installed" { print $4; exit }')
	if [ -n "$have" ] && dpkg --compare-versions "$have" ge "$v"; then
		continue
	fi
	set -- "$@" "$f"
done

apt-get install -y --no-install-recommends "$@"
echo
echo "Greffier is installed. Next: 'greffier doctor' says what this machine still lacks;"
echo "'greffier models import /media/USB' imports the whisper models a USB stick holds."
