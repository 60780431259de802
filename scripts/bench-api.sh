#!/usr/bin/env bash
# `make bench`, part 2: the hub's API and web UI at scale. 10,000 applications on 3 clusters in
# 5 projects, each with an agent status in the store (written by `hawser-benchtool seed`
# through the hub's own code, then the hub is restarted as a release binary on that data).
# Then, for each request below, 50 warm-up and 1,000 timed GETs one after another
# (`hawser-benchtool load`: p50, p99, mean, max), and the hub's memory (VmRSS, VmHWM).
#
# Goals (issue 5): first page of the filtered list p99 < 50 ms, summary p99 < 20 ms, on 2 cores.
# Rewrites the section between the bench:api markers of docs/benchmarks.md. Environment:
# SWIFT, BENCH_DOC, BENCH_SKIP_BUILD=1, BENCH_APPS (10000), BENCH_REQUESTS (1000).
set -euo pipefail
BENCH_NAME=api
. "$(dirname "$0")/bench-common.sh"
APPS=${BENCH_APPS:-10000}
REQUESTS=${BENCH_REQUESTS:-1000}

mkdir -p "$RUN/repo/app"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: hello\n' >"$RUN/repo/app/settings.yaml"
git -C "$RUN/repo" init -q -b main
git -C "$RUN/repo" add -A
git -C "$RUN/repo" -c user.name="Hawser Bench" -c user.email=bench@hawser.invalid commit -qm "bench: one ConfigMap"

echo "==> Seeding $APPS applications (3 clusters, 5 projects, one status each)"
seed_start=$(date +%s.%N)
"$BIN/hawser-benchtool" seed --data-dir "$RUN/hub-data" --repo "$RUN/repo" --apps "$APPS" --clusters 3 --projects 5 >"$RUN/seed.log" 2>&1 \
  || fail "seeding failed: $(tail -3 "$RUN/seed.log")"
seed_secs=$(python3 -c "import time; print(f'{time.time() - $seed_start:.0f}')")
TOKEN=$(cat "$RUN/hub-data/bench-admin-token")

echo "==> Hub (release) on the seeded store"
API_PORT=$(free_port); METRICS_PORT=$(free_port)
"$BIN/hawser-hub" --data-dir "$RUN/hub-data" --api-address "127.0.0.1:$API_PORT" --agent-address "127.0.0.1:0" \
  --metrics-address "127.0.0.1:$METRICS_PORT" --poll-interval 86400 >"$RUN/hub.out" 2>"$RUN/hub.log" &
HUB_PID=$!
URL="http://127.0.0.1:$API_PORT"
start=$(date +%s.%N)
for _ in $(seq 1 300); do curl -sf "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "$URL/readyz" >/dev/null || fail "the hub did not become ready"
# The hub re-reads Git for every app when it starts; measure after that, as in steady state.
for _ in $(seq 1 1200); do
  n=$(curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | awk -F' ' '/^hawser_render_duration_seconds_count/ {s += $2} END {print s + 0}')
  [ "$n" -ge "$APPS" ] && break
  sleep 0.5
done
[ "$n" -ge "$APPS" ] || fail "the hub's startup refresh did not finish ($n of $APPS renders)"
refresh_secs=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
rss_idle=$(kb "$HUB_PID" VmRSS)

declare -a NAMES PATHS MODES RESULTS
add() { NAMES+=("$1"); PATHS+=("$2"); MODES+=("$3"); }
add "Summary (counts by project and cluster)" "/api/v1/summary" bearer
add "List, first page of 100, no filter" "/api/v1/applications?limit=100" bearer
add "List, first page, project + sync filter" "/api/v1/applications?limit=100&project=team-3&sync=OutOfSync" bearer
add "List, first page, cluster + health filter" "/api/v1/applications?limit=100&cluster=cluster-1&health=Degraded" bearer
add "List, first page, label selector" "/api/v1/applications?limit=100&selector=tier%3Dapi" bearer
add "Web UI applications page (project filter)" "/ui/applications?project=team-3" cookie
add "Web UI dashboard" "/ui/" cookie
for i in "${!NAMES[@]}"; do
  echo "==> ${NAMES[$i]}: ${PATHS[$i]}"
  flag=""; [ "${MODES[$i]}" = cookie ] && flag="--cookie"
  RESULTS[$i]=$("$BIN/hawser-benchtool" load --url "$URL${PATHS[$i]}" --token "$TOKEN" $flag --requests "$REQUESTS" --warmup 50) \
    || fail "load on ${PATHS[$i]} failed"
  echo "    ${RESULTS[$i]}"
done
rss_after=$(kb "$HUB_PID" VmRSS); hwm=$(kb "$HUB_PID" VmHWM)

export RUN DOC APPS REQUESTS seed_secs refresh_secs rss_idle rss_after hwm ROOT SWIFT
printf '%s\n' "${NAMES[@]}" >"$RUN/names"; printf '%s\n' "${PATHS[@]}" >"$RUN/paths"; printf '%s\n' "${RESULTS[@]}" >"$RUN/results"
python3 - <<'PY'
import datetime, json, os, subprocess
e = os.environ
names = open(f"{e['RUN']}/names").read().splitlines()
paths = open(f"{e['RUN']}/paths").read().splitlines()
results = [json.loads(l) for l in open(f"{e['RUN']}/results").read().splitlines()]
def sh(*a):
    try: return subprocess.run(a, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as x: return f"? ({x})"
commit = sh("git", "-C", e["ROOT"], "rev-parse", "--short", "HEAD")
if sh("git", "-C", e["ROOT"], "status", "--porcelain", "--untracked-files=no"): commit += " + uncommitted changes"
goals = {"/api/v1/summary": 20.0}
rows = []
for n, p, r in zip(names, paths, results):
    goal = goals.get(p, 50.0 if p.startswith("/api/v1/applications?") else None)
    met = "" if goal is None else ("met" if r["p99_ms"] < goal else "**NOT met**")
    rows.append(f"| {n} | `{p}` | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['mean_ms']:.1f} | {r['max_ms']:.1f} | {r['bytes']:,} | "
                f"{'' if goal is None else f'p99 < {goal:.0f} ms'} | {met} |")
mb = lambda k: f"{int(k)/1024:.1f} MB"
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
figures = f"""Run of {now} on `{commit}`; {sh('nproc')} cores; `BENCH_APPS={e['APPS']}`, {e['REQUESTS']} timed requests each after 50 warm-up.

Seeding took {e['seed_secs']} s; the hub's startup refresh of every app from Git (release build) took {e['refresh_secs']} s.

| Request | Path | p50 ms | p99 ms | mean ms | max ms | Response bytes | Goal | Met? |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |
""" + "\n".join(rows) + f"""

Hub memory: VmRSS {mb(e['rss_idle'])} after the startup refresh, {mb(e['rss_after'])} after all requests; peak (VmHWM) {mb(e['hwm'])}."""
print(figures)
import sys
sys.path.insert(0, f"{e['ROOT']}/scripts")
from bench_doc import write_section
write_section(e["DOC"], "api", "Figures: the API at 10,000 applications", figures)
PY
