# Shared by scripts/buildroot and scripts/inroot: where the build root and its caches live.
CACHE_DIR=${GREFFIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/greffier}
ROOT=${GREFFIER_ROOT:-$CACHE_DIR/sid-root}
