# shellcheck shell=bash
# Helpers shared by the python buildpack's bin/ scripts (sourced, never run).

step()   { echo "-----> $*"; }
info()   { echo "       $*"; }
indent() { sed -u 's/^/       /'; }
fail()   { echo "-----> Python build failed: $*"; exit 1; }

# Export each ENV_DIR file (one per config var) as an environment variable, Heroku's
# export_env_dir: names must be shell identifiers; variables that would break the build
# environment itself are left alone.
export_env_dir() {
  local env_dir=$1 f name
  [[ -d "$env_dir" ]] || return 0
  for f in "$env_dir"/*; do
    [[ -f "$f" ]] || continue
    name=${f##*/}
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    case "$name" in
      PATH|HOME|IFS|GIT_DIR|CPATH|CPPATH|LD_PRELOAD|LIBRARY_PATH|PYTHONHOME|PYTHONPATH|VIRTUAL_ENV) continue ;;
    esac
    export "$name=$(cat "$f")"
  done
}

# Source the app's .profile.d scripts, as the launcher does before running a process.
source_profile_d() {
  local build_dir=$1 f
  for f in "$build_dir"/.profile.d/*.sh; do
    # shellcheck source=/dev/null
    [[ -f "$f" ]] && . "$f"
  done
  return 0
}

# True when the app has tests pytest would find: a tests/ or test/ directory, or test_*.py /
# *_test.py files outside the virtualenv.
has_python_tests() {
  local build_dir=$1
  [[ -d "$build_dir/tests" || -d "$build_dir/test" ]] && return 0
  [[ -n $(find "$build_dir" -path "$build_dir/.venv" -prune -o -path "$build_dir/.git" -prune -o \
            -type f \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit 2>/dev/null) ]]
}
