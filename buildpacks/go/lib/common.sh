# shellcheck shell=bash
# Helpers shared by the go buildpack's bin/ scripts (sourced, never run).

BUILDPACK_NAME="Go"
# shellcheck source=../../lib/buildpack.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/buildpack.sh"

# Config vars this buildpack manages itself: not taken from ENV_DIR.
buildpack_export_env_dir() { export_env_dir "$1" GOROOT GOCACHE GOPATH; }

# The module path from go.mod ("module example.com/x/y" → example.com/x/y).
module_path() {
  sed -nE 's|^[[:space:]]*module[[:space:]]+"?([^"[:space:]]+)"?.*|\1|p' "$1/go.mod" | head -n 1
}

# The binary name: the module path's last element, skipping a major-version suffix (/v2), as
# `go build` names it.
binary_name() {
  local path=$1 last
  last=${path##*/}
  if [[ "$last" =~ ^v[0-9]+$ && "$path" == */* ]]; then
    path=${path%/*}
    last=${path##*/}
  fi
  echo "$last"
}

# The Go environment of a build with no module proxy: dependencies come from vendor/ (or,
# when the app sets GOPROXY as a config var, from that proxy).
go_env() {
  local build_dir=$1
  export GOPROXY=${GOPROXY:-off}
  export GOSUMDB=${GOSUMDB:-off}
  export GOTOOLCHAIN=local GO111MODULE=on GOENV=off
  if [[ -f "$build_dir/vendor/modules.txt" ]]; then
    export GOFLAGS="-mod=vendor${GOFLAGS:+ $GOFLAGS}"
  fi
  # No .git in the exported tree; don't let a committed one make `go build` ask git for VCS info.
  export GOFLAGS="-buildvcs=false${GOFLAGS:+ $GOFLAGS}"
}

# The module in go.mod's require lines that provides package $2 (the longest prefix), else $2.
module_of() {
  local build_dir=$1 pkg=$2 best="" mod
  while read -r mod; do
    if [[ "$pkg" == "$mod" || "$pkg" == "$mod"/* ]] && ((${#mod} > ${#best})); then best=$mod; fi
  done < <(awk '/^require[ \t]*\(/ { inblock = 1; next }
                inblock && /^\)/ { inblock = 0; next }
                inblock && NF >= 2 { print $1 }
                /^require[ \t]+[^(]/ { print $2 }' "$build_dir/go.mod")
  echo "${best:-$pkg}"
}

# Turn `go build`/`go test` output (file $2) into a message a user can act on, or nothing.
explain_go_failure() {
  local build_dir=$1 out=$2 what
  local vendor_hint="no Go module proxy is reachable: run \`go mod vendor\` and commit vendor/"
  if grep -q 'module lookup disabled by GOPROXY=off' "$out"; then
    # "X@v1.2.3: module lookup disabled" or "go: downloading X v1.2.3" then "file.go:6:2: module lookup disabled"
    what=$(grep -oE '[^[:space:]:]+@v[^[:space:]:]*: module lookup disabled' "$out" | head -n 1)
    what=${what%%@*}
    [[ -n "$what" ]] || what=$(sed -nE 's/^go: downloading ([^[:space:]]+) .*/\1/p' "$out" | head -n 1)
    echo "module ${what:-(see above)} is not vendored; $vendor_hint"
  elif what=$(grep -oE 'no required module provides package [^;:[:space:]]+' "$out" | head -n 1) && [[ -n "$what" ]]; then
    echo "package ${what##* } is not provided by any module in go.mod; no Go module proxy is reachable: run \`go get ${what##* }\` and \`go mod vendor\` locally, and commit go.mod, go.sum and vendor/"
  elif what=$(grep -oE '(missing go.sum entry for|cannot find) module providing package [^:[:space:]]+' "$out" | head -n 1) && [[ -n "$what" ]]; then
    echo "module $(module_of "$build_dir" "${what##* }") is not vendored; $vendor_hint"
  elif grep -q 'inconsistent vendoring' "$out"; then
    echo "vendor/modules.txt does not match go.mod: run \`go mod vendor\` and commit vendor/"
  elif grep -q 'C compiler "gcc" not found' "$out"; then
    echo "this app uses cgo but the stack has no C compiler: set the config var CGO_ENABLED=0 or drop the cgo code"
  fi
}
