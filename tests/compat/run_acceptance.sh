#!/usr/bin/env bash
# Run Alertmanager's own acceptance suite (Debian's golang-github-prometheus-
# alertmanager-dev, test/with_api_v2 and test/cli) against either Debian's real
# Alertmanager or Tocsin.
#
#   tests/compat/run_acceptance.sh [alertmanager|tocsin]
#
# The suite is built offline in GOPATH mode from the installed tree; nothing is
# copied into the project.  The framework execs $GOPATH/bin/prometheus-
# alertmanager and $GOPATH/bin/amtool, so a GOPATH of symlinks gets our wrappers
# there.  Ends with a line "N passed, N failed"; exit status 0 only if every
# selected test passed.
#
# Environment knobs:
#   COMPAT_TIMEOUT   go test -timeout            (default 600s)
#   COMPAT_PARALLEL  parallel tests per package  (default 1: the tests' clocks start before the server does,
#                    and Tocsin's Python start-up, ~0.8 s of CPU, must fit in the 1 s before their first action;
#                    two servers starting at once on a 2-core machine do not always make it)
#   COMPAT_RUN       extra -run regexp to narrow the selection (default: all)
#   COMPAT_RERUN_FAILED  rerun failed tests up to N times (default 0)
#   TOCSIN_BIN       tocsin executable           (default <repo>/.venv/bin/tocsin)
set -euo pipefail

impl="${1:-alertmanager}"
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
gocode=/usr/share/gocode/src
am_pkg=github.com/prometheus/alertmanager
packages=("$am_pkg/test/with_api_v2/acceptance" "$am_pkg/test/cli/acceptance")
# Need Alertmanager replicas gossiping with each other: not in Tocsin yet.
cluster_tests=(TestClusterDeduplication TestClusterVSInstance)

die() { echo "run_acceptance: $*" >&2; exit 2; }

case "$impl" in
  alertmanager) server_wrapper="$here/alertmanager-for-acceptance" ;;
  tocsin) server_wrapper="$here/tocsin-as-alertmanager" ;;
  *) die "unknown implementation '$impl' (expected 'alertmanager' or 'tocsin')" ;;
esac
command -v go >/dev/null || die "go not found (apt-get install golang-go)"
[[ -d "$gocode/$am_pkg/test/with_api_v2" ]] ||
  die "$gocode/$am_pkg/test/with_api_v2 missing (apt-get install golang-github-prometheus-alertmanager-dev)"
[[ -x /usr/bin/amtool ]] || die "/usr/bin/amtool missing (apt-get install prometheus-alertmanager)"
if [[ "$impl" == alertmanager ]]; then
  [[ -x /usr/bin/prometheus-alertmanager ]] || die "/usr/bin/prometheus-alertmanager missing"
else
  tocsin="${TOCSIN_BIN:-$here/../../.venv/bin/tocsin}"
  [[ -x "$tocsin" ]] || die "tocsin executable '$tocsin' missing (run 'make venv' or set TOCSIN_BIN)"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/tocsin-acceptance.XXXXXX")"
pid_dir="$work/pids"

reap() {
  # The framework SIGTERMs servers but never waits for them; make sure none
  # outlives the run.  Only pids our wrappers recorded are touched.
  local pid_file pid alive=()
  for pid_file in "$pid_dir"/*; do
    [[ -e "$pid_file" ]] || continue
    pid="$(basename "$pid_file")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      alive+=("$pid")
    fi
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local still=()
    for pid in "${alive[@]}"; do
      kill -0 "$pid" 2>/dev/null && still+=("$pid")
    done
    ((${#still[@]})) || break
    alive=("${still[@]}")
    sleep 0.5
  done
  for pid in "${alive[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
}
cleanup() {
  reap
  rm -rf "$work"
}
trap cleanup EXIT

# A GOPATH of symlinks at a stable path: Go's build cache keys on source paths,
# so a fresh path per run would recompile the whole tree (~40 s) every time.
cache_root="${COMPAT_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/tocsin-compat}"
wrapper_key="$(printf '%s' "$server_wrapper" | md5sum | cut -c1-8)"
gopath="$cache_root/gopath-$impl-$wrapper_key"
link() {
  # Relink only when needed, so concurrent runs never see a missing link.
  [[ "$(readlink "$2" 2>/dev/null)" == "$1" ]] || ln -sfn "$1" "$2"
}
mkdir -p "$gopath/bin" "$work/tmp" "$pid_dir"
link "$gocode" "$gopath/src"
link "$server_wrapper" "$gopath/bin/prometheus-alertmanager"
link /usr/bin/amtool "$gopath/bin/amtool"

export GOPATH="$gopath" GO111MODULE=off GOPROXY=off GOFLAGS='' GOTOOLCHAIN=local
export COMPAT_PID_DIR="$pid_dir"
# The framework leaves one storage dir per server in $TMPDIR: keep them in $work.
export TMPDIR="$work/tmp"
gocache="$(go env GOCACHE 2>/dev/null || true)"
if [[ -z "$gocache" || "$gocache" == off ]]; then
  export GOCACHE="$cache_root/gocache"
fi
if [[ "$impl" == tocsin ]]; then
  export TOCSIN_BIN="$tocsin"
fi

# Select tests by listing them (go 1.19 has no -skip).
selected=()
for pkg in "${packages[@]}"; do
  listing="$(nice -n 10 go test -list '.*' "$pkg")" || die "cannot build $pkg:"$'\n'"$listing"
  while read -r name; do
    [[ "$name" == Test* ]] || continue
    if [[ "$impl" == tocsin ]] && printf '%s\n' "${cluster_tests[@]}" | grep -qx "$name"; then
      continue
    fi
    if [[ -n "${COMPAT_RUN:-}" ]] && ! grep -Eq -- "$COMPAT_RUN" <<<"$name"; then
      continue
    fi
    selected+=("$name")
  done <<<"$listing"
done
((${#selected[@]})) || die "no test selected"
echo "run_acceptance: $impl, ${#selected[@]} tests: ${selected[*]}"

# run_go_tests LOG NAME... : run the named tests, appending go's output to LOG.
run_go_tests() {
  local log="$1" re
  shift
  re="^($(IFS='|'; echo "$*"))\$"
  # -p 1: one package at a time, so at most COMPAT_PARALLEL servers run at once
  # on this shared machine; the tests' timing tolerance is 150 ms.
  nice -n 10 go test -count=1 -v -p 1 -parallel "${COMPAT_PARALLEL:-1}" \
    -timeout "${COMPAT_TIMEOUT:-600s}" -run "$re" "${packages[@]}" 2>&1 | tee -a "$log" || true
}

# not_passed LOG NAME... : the names without a "--- PASS" line in LOG (failed,
# or never reported because of a panic or timeout).
not_passed() {
  local log="$1" name
  shift
  for name in "$@"; do
    grep -Eq -- "^\s*--- PASS: $name " "$log" || echo "$name"
  done
}

log="$work/go-test.log"
run_go_tests "$log" "${selected[@]}"
mapfile -t failing < <(not_passed "$log" "${selected[@]}")

# Opt-in reruns for a loaded machine; tests passing only on a rerun are listed.
rerun_passed=()
for ((attempt = 1; attempt <= ${COMPAT_RERUN_FAILED:-0} && ${#failing[@]} > 0; attempt++)); do
  echo "run_acceptance: rerun $attempt of: ${failing[*]}"
  rerun_log="$work/go-test-rerun-$attempt.log"
  run_go_tests "$rerun_log" "${failing[@]}"
  mapfile -t still < <(not_passed "$rerun_log" "${failing[@]}")
  for name in "${failing[@]}"; do
    printf '%s\n' "${still[@]}" | grep -qx -- "$name" || rerun_passed+=("$name")
  done
  failing=("${still[@]}")
done

failed=${#failing[@]}
passed=$((${#selected[@]} - failed))
((${#rerun_passed[@]} == 0)) || echo "run_acceptance: passed only on rerun: ${rerun_passed[*]}"
((failed == 0)) || echo "run_acceptance: failed: ${failing[*]}"
echo "$passed passed, $failed failed"
((failed == 0))
