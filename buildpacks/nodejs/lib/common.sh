# shellcheck shell=bash
# Helpers shared by the nodejs buildpack's bin/ scripts (sourced, never run).

BUILDPACK_NAME="Node.js"
# shellcheck source=../../lib/buildpack.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/buildpack.sh"

# Config vars this buildpack manages itself: not taken from ENV_DIR.
buildpack_export_env_dir() { export_env_dir "$1" NODE_OPTIONS; }

# Source the app's .profile.d scripts, as the launcher does before running a process.
source_profile_d() {
  local build_dir=$1 f
  for f in "$build_dir"/.profile.d/*.sh; do
    # shellcheck source=/dev/null
    [[ -f "$f" ]] && . "$f"
  done
  return 0
}

# pkg COMMAND [ARG]: query BUILD_DIR/package.json (lib/pkg.js).
# shellcheck disable=SC2154 # bp_dir: set by the sourcing script
pkg() { node "$bp_dir/lib/pkg.js" "$BUILD_DIR/package.json" "$@"; }

has_npm() { command -v npm >/dev/null 2>&1; }

# run_script NAME: run a package.json script like `npm run NAME` does — pre/post scripts,
# `sh -c` in BUILD_DIR, node_modules/.bin on PATH — with npm when the stack has it, else
# without (the stack leaves npm out: buildpacks/README.md).
run_script() {
  local name=$1 phase cmd
  if has_npm; then
    (cd "$BUILD_DIR" && npm run --silent "$name")
    return
  fi
  for phase in "pre$name" "$name" "post$name"; do
    cmd=$(pkg script "$phase")
    [[ -n "$cmd" ]] || continue
    (cd "$BUILD_DIR" && PATH="$BUILD_DIR/node_modules/.bin:$PATH" npm_lifecycle_event=$phase sh -c "$cmd") || return
  done
}

# A YAML scalar for bin/release: plain when that is unambiguous, else single-quoted.
yaml_scalar() {
  local v=$1
  if [[ "$v" =~ ^[A-Za-z0-9_./\$][A-Za-z0-9_./\$:=@%+,\ -]*$ && "$v" != *": "* && "$v" != *" " ]]; then
    echo "$v"
  else
    echo "'${v//\'/\'\'}'"
  fi
}
