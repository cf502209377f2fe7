# shellcheck shell=bash
# Helpers every bundled buildpack shares (sourced by each one's lib/common.sh, never run).
# The sourcing script sets BUILDPACK_NAME (e.g. "Python") first.

step()   { echo "-----> $*"; }
info()   { echo "       $*"; }
indent() { sed -u 's/^/       /'; }
fail()   { echo "-----> ${BUILDPACK_NAME:-Buildpack} build failed: $*"; exit 1; }

# export_env_dir ENV_DIR [PROTECTED…]: export each ENV_DIR file (one per config var) as an
# environment variable, Heroku's export_env_dir. Names must be shell identifiers; variables
# that would break the build environment itself, and the PROTECTED ones a buildpack adds,
# are left alone.
export_env_dir() {
  local env_dir=$1 f name
  shift
  [[ -d "$env_dir" ]] || return 0
  for f in "$env_dir"/*; do
    [[ -f "$f" ]] || continue
    name=${f##*/}
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    case " PATH HOME IFS GIT_DIR CPATH CPPATH LD_PRELOAD LIBRARY_PATH $* " in
      *" $name "*) continue ;;
    esac
    export "$name=$(cat "$f")"
  done
}
