# shellcheck shell=bash
# Helpers shared by the static buildpack's bin/ scripts (sourced, never run).

BUILDPACK_NAME="Static"
# shellcheck source=../../lib/buildpack.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/buildpack.sh"

# Files that mean "this is an app in some language", not a static site.
# shellcheck disable=SC2034 # used by bin/detect
LANGUAGE_MARKERS=(requirements.txt pyproject.toml setup.py Pipfile package.json go.mod Gemfile
                  composer.json Cargo.toml pom.xml build.gradle mix.exs)

# The directory (relative to BUILD_DIR, "." for itself) whose index.html is the site, or nothing.
site_root() {
  local build_dir=$1 dir
  for dir in . public dist build _site site www; do
    if [[ -f "$build_dir/$dir/index.html" ]]; then echo "$dir"; return 0; fi
  done
  return 1
}

# The path the web process serves: /app or /app/DIR.
served_path() { if [[ $1 == . ]]; then echo /app; else echo "/app/$1"; fi; }
