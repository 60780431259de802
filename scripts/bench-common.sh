# Sourced by scripts/bench-api.sh and scripts/bench-git.sh (not run on its own): the release
# builds, a run directory, a hub process stopped on any exit, and small helpers.
# Before sourcing, set BENCH_NAME (the run directory's and error messages' name).
# Environment: SWIFT, BENCH_SKIP_BUILD=1 (reuse the release binaries), BENCH_CONFIG (release;
# debug for a quick dry run with the debug binaries).
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SWIFT=${SWIFT:-swift}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "==> Release build of hawser-hub and hawser-benchtool"
  "$SWIFT" build -c release --static-swift-stdlib --product hawser-hub
  "$SWIFT" build -c release --product hawser-benchtool
fi
BIN=$("$SWIFT" build -c "${BENCH_CONFIG:-release}" --show-bin-path)
for p in hawser-hub hawser-benchtool; do
  [ -x "$BIN/$p" ] || { echo "error: $BIN/$p is missing; run without BENCH_SKIP_BUILD" >&2; exit 1; }
done

RUN=$(mktemp -d "${TMPDIR:-/tmp}/hawser-bench-$BENCH_NAME.XXXXXX")
HUB_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$HUB_PID" ]; then
    kill -TERM "$HUB_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
  fi
  [ $rc = 0 ] && echo "Logs and data: $RUN" || echo "error: the $BENCH_NAME benchmark failed (exit $rc); logs in $RUN" >&2
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "error: $*; logs in $RUN" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
echo "==> Run directory $RUN"
