# shellcheck shell=bash
# Helpers shared by the python buildpack's bin/ scripts (sourced, never run).

BUILDPACK_NAME="Python"
# shellcheck source=../../lib/buildpack.sh
. "${BASH_SOURCE[0]%/*}/../../lib/buildpack.sh"

# Config vars this buildpack manages itself: not taken from ENV_DIR.
buildpack_export_env_dir() { export_env_dir "$1" PYTHONHOME PYTHONPATH VIRTUAL_ENV; }

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
