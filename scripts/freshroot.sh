# Sourced by scripts/bundle and scripts/package-test: fresh minimal Debian sid roots, as a
# clinic laptop's system would start, made in seconds from a debootstrap tarball cached
# outside the checkout (CACHE_DIR/sid-minbase.tar, made once, about a minute).
# Packages the roots download are kept in CACHE_DIR/fresh-archives, so warm runs fetch
# only what changed on the mirror; each root still resolves dependencies with apt itself.
# shellcheck source=scripts/rootenv.sh
. "$(dirname "${BASH_SOURCE[0]}")/rootenv.sh"

PRISTINE=$CACHE_DIR/sid-minbase.tar
ARCHIVES=$CACHE_DIR/fresh-archives

# pristine makes the cached tarball if it is missing (debootstrap, then tar).
pristine() {
  [[ -f $PRISTINE ]] && return
  mkdir -p "$CACHE_DIR"
  exec 8>"$PRISTINE.lock"
  flock 8
  if [[ ! -f $PRISTINE ]]; then
    local d=$PRISTINE.d
    rm -rf "$d"
    echo "freshroot: debootstrap sid (minbase) into $d, once" >&2
    debootstrap --variant=minbase --include=ca-certificates sid "$d" "$(host_mirror)" >"$PRISTINE.log" 2>&1 ||
      { tail -n 20 "$PRISTINE.log" >&2; exit 1; }
    # sid's Release file is often past Valid-Until on the mirror.
    echo 'Acquire::Check-Valid-Until "false";' >"$d/etc/apt/apt.conf.d/99valid-until"
    rm -rf "$d/var/cache/apt/archives/"*.deb
    tar --numeric-owner -C "$d" -cf "$PRISTINE.part" .
    mv "$PRISTINE.part" "$PRISTINE"
    rm -rf "$d"
  fi
  exec 8>&-
}

# new_root DIR: a fresh root in DIR (which must not exist), with the host's CA bundle
# (TLS goes through a proxy) and resolver.
new_root() {
  pristine
  mkdir -p "$1"
  tar --numeric-owner -C "$1" -xf "$PRISTINE"
  cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"
  cp /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
}

# in_root [--offline] DIR SCRIPT [ARG...]: runs the bash SCRIPT as root inside DIR, with
# /proc, /dev, /sys and the shared package cache mounted in a private mount namespace.
# --offline gives it a network namespace of its own (no network at all) and no package
# cache: only what was copied into the root is there.
in_root() {
  local net=() archives=$ARCHIVES
  if [[ $1 == --offline ]]; then net=(-n) archives=; shift; fi
  local dir=$1 script=$2
  shift 2
  mkdir -p "$ARCHIVES/partial"
  # shellcheck disable=SC2016 # expanded by the inner bash
  unshare -m "${net[@]}" --propagation private bash -c '
    set -e
    root=$1 archives=$2; shift 2
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --rbind /sys "$root/sys"
    mount -t tmpfs tmpfs "$root/dev/shm"
    if [[ -n $archives ]]; then mount --bind "$archives" "$root/var/cache/apt/archives"; fi
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive bash -euo pipefail -c "$@"
  ' in_root "$dir" "$archives" "$script" in_root "$@"
}

# drop_root DIR: removes a fresh root (nothing is mounted in it outside in_root).
drop_root() {
  [[ -n $1 && -d $1 ]] && rm -rf --one-file-system "$1"
}
