# Shared by scripts/buildroot and scripts/inroot: where the build root and its caches live.
CACHE_DIR=${GREFFIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/greffier}
ROOT=${GREFFIER_ROOT:-$CACHE_DIR/sid-root}

# The Debian mirror: the host's own, as its apt sources name it (GREFFIER_MIRROR overrides).
host_mirror() {
  if [[ -n "${GREFFIER_MIRROR:-}" ]]; then echo "$GREFFIER_MIRROR"; return; fi
  local m
  m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
  [[ -n "$m" ]] || m=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)
  [[ -n "$m" ]] || { echo "no Debian mirror found in /etc/apt; set GREFFIER_MIRROR" >&2; exit 1; }
  echo "$m"
}
