#!/usr/bin/env bash
# `make bench`, part 3: Git at fleet scale. One repository with 10 directories, 1,000
# applications spread over 50 clusters, each cluster with a connected agent (`hawser-benchtool
# fanout`: real TLS links and frames, nothing applied). One commit changes every directory and
# one signed push webhook announces it; measured: the time from the webhook to every agent
# holding the new commit for each of its apps, how many fetches and renders the hub did for it
# (goal: 1 fetch, one render per distinct directory), the bytes sent, the hub's memory, and the
# hub's fetch against `git fetch` of the same commit into a copy of the hub's mirror.
# Rewrites the section between the bench:git markers of docs/benchmarks.md. Environment:
# SWIFT, BENCH_DOC, BENCH_SKIP_BUILD=1, BENCH_CONFIG (release), BENCH_FANOUT_APPS (1000), BENCH_FANOUT_CLUSTERS (50).
set -euo pipefail
BENCH_NAME=git
. "$(dirname "$0")/bench-common.sh"
APPS=${BENCH_FANOUT_APPS:-1000}
CLUSTERS=${BENCH_FANOUT_CLUSTERS:-50}
PATHS=10

gitc() { git -c user.name="Hawser Bench" -c user.email=bench@hawser.invalid "$@"; }

REPO="$RUN/repo"
for p in $(seq 0 $((PATHS - 1))); do
  mkdir -p "$REPO/p-$p"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-%s\ndata:\n  round: "1"\n' "$p" >"$REPO/p-$p/settings.yaml"
  cat >"$REPO/p-$p/web.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-$p
spec:
  replicas: 2
  selector:
    matchLabels: {app: web-$p}
  template:
    metadata:
      labels: {app: web-$p}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/pause:3.10
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: web-$p
spec:
  selector: {app: web-$p}
  ports: [{port: 80, targetPort: 8080}]
YAML
done
git -C "$REPO" init -q -b main
git -C "$REPO" add -A
gitc -C "$REPO" commit -qm "bench: round 1"

SECRET="bench-$(date +%s%N)"
printf '%s' "$SECRET" >"$RUN/webhook-secret"
start_hub() {  # $1: data directory
  API_PORT=$(free_port); METRICS_PORT=$(free_port); AGENT_PORT=$(free_port)
  "$BIN/hawser-hub" --data-dir "$1" --api-address "127.0.0.1:$API_PORT" --agent-address "127.0.0.1:$AGENT_PORT" \
    --metrics-address "127.0.0.1:$METRICS_PORT" --poll-interval 86400 --git-webhook-secret "github=$RUN/webhook-secret" \
    >"$1.out" 2>"$1.log" &
  HUB_PID=$!
  URL="http://127.0.0.1:$API_PORT"
  for _ in $(seq 1 300); do curl -sf "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "$URL/readyz" >/dev/null || fail "the hub did not become ready"
  TOKEN=$(awk '/Admin token:/ {print $3}' "$1.out")
  [ -n "$TOKEN" ] || fail "no admin token in the hub's output"
}
stop_hub() {
  kill -TERM "$HUB_PID" 2>/dev/null || true
  wait "$HUB_PID" 2>/dev/null || true
  HUB_PID=""
}

echo "==> Hub (release)"
start_hub "$RUN/hub-data"

echo "==> $CLUSTERS clusters with agents, $APPS single-cluster applications, one push"
RESULT=$("$BIN/hawser-benchtool" fanout --api "$URL" --token "$TOKEN" --work-dir "$RUN/agents" --repo "$REPO" --webhook-secret "$SECRET" \
  --apps "$APPS" --clusters "$CLUSTERS" --paths "$PATHS" --metrics "http://127.0.0.1:$METRICS_PORT/metrics" 2>"$RUN/fanout.log") \
  || fail "fanout failed: $(tail -3 "$RUN/fanout.log")"
echo "    $RESULT"
rss=$(kb "$HUB_PID" VmRSS); hwm=$(kb "$HUB_PID" VmHWM)
MIRROR=$(ls -d "$RUN/hub-data/repos/"*.git | head -1)
cp -a "$MIRROR" "$RUN/mirror-saved"
stop_hub

echo "==> The same as $((APPS / CLUSTERS)) fleet applications (a cluster selector each), one push"
start_hub "$RUN/hub-fleet"
FLEET=$("$BIN/hawser-benchtool" fanout --fleet --api "$URL" --token "$TOKEN" --work-dir "$RUN/agents-fleet" --repo "$REPO" --webhook-secret "$SECRET" \
  --apps "$APPS" --clusters "$CLUSTERS" --paths "$PATHS" --metrics "http://127.0.0.1:$METRICS_PORT/metrics" 2>"$RUN/fanout-fleet.log") \
  || fail "fleet fanout failed: $(tail -3 "$RUN/fanout-fleet.log")"
echo "    $FLEET"
fleet_rss=$(kb "$HUB_PID" VmRSS); fleet_hwm=$(kb "$HUB_PID" VmHWM)
stop_hub

echo "==> git fetch of one commit into a copy of the hub's mirror"
MIRROR="$RUN/mirror-saved"
GIT_TIMES=()
for i in 1 2 3 4 5; do
  rm -rf "$RUN/mirror-copy"; cp -a "$MIRROR" "$RUN/mirror-copy"
  printf 'round: "%s"\n' "$i" >"$REPO/p-0/extra.yaml.txt"
  git -C "$REPO" add -A; gitc -C "$REPO" commit -qm "bench: git round $i"
  t0=$(date +%s%N)
  git -C "$RUN/mirror-copy" fetch -q --prune "$REPO" '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*'
  t1=$(date +%s%N)
  GIT_TIMES+=($(( (t1 - t0) / 1000 )))
done

export RUN DOC RESULT FLEET rss hwm fleet_rss fleet_hwm ROOT
export GIT_FETCH_US="${GIT_TIMES[*]}"
python3 - <<'PY'
import datetime, json, os, statistics, subprocess
e = os.environ
r = json.loads(e["RESULT"])
f = json.loads(e["FLEET"])
def sh(*a):
    try: return subprocess.run(a, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as x: return f"? ({x})"
commit = sh("git", "-C", e["ROOT"], "rev-parse", "--short", "HEAD")
if sh("git", "-C", e["ROOT"], "status", "--porcelain", "--untracked-files=no"): commit += " + uncommitted changes"
git_ms = [int(x) / 1000 for x in e["GIT_FETCH_US"].split()]
hub_fetch_ms = 1000 * r["fetch_seconds_push"] / max(r["fetches_push"], 1)
paths = int(r["paths"])
ok_fetch = "met" if r["fetches_push"] == 1 else "**NOT met**"
ok_render = "met" if r["renders_push"] == paths else "**NOT met**"
mb = lambda k: f"{int(k)/1024:.1f} MB"
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
def met(ok): return "met" if ok else "**NOT met**"
figures = f"""Run of {now} on `{commit}`; {sh('nproc')} cores; {int(r['apps'])} deployments on {int(r['clusters'])} clusters (one connected agent each), {paths} directories of one repository. Left: {int(r['apps'])} single-cluster applications; right: {int(r['apps']) // int(r['clusters'])} fleet applications (a cluster selector each), the same {int(r['apps'])} deployments. Each hub starts empty.

| Figure | {int(r['apps'])} apps | {int(r['apps']) // int(r['clusters'])} fleet apps | Goal | Met? |
| --- | ---: | ---: | --- | --- |
| Push webhook → every agent holds the new commit for every deployment | {r['push_to_all_assigned_ms']:.0f} ms | {f['push_to_all_assigned_ms']:.0f} ms | seconds, not minutes | {met(max(r['push_to_all_assigned_ms'], f['push_to_all_assigned_ms']) < 10000)} |
| Fetches for the push | {r['fetches_push']:.0f} | {f['fetches_push']:.0f} | 1 | {met(r['fetches_push'] == 1 and f['fetches_push'] == 1)} |
| Renders for the push (cache misses) | {r['renders_push']:.0f} | {f['renders_push']:.0f} | {paths} (one per directory) | {met(r['renders_push'] == paths and f['renders_push'] == paths)} |
| Renders shared through the cache | {r['render_cache_hits_push']:.0f} | {f['render_cache_hits_push']:.0f} | | |
| Assignments sent for the push | {r['assignments_push']:.0f} ({r['assignment_bytes_push']/1e6:.2f} MB) | {f['assignments_push']:.0f} ({f['assignment_bytes_push']/1e6:.2f} MB) | | |
| Creating the applications through the API | {r['create_seconds']:.1f} s | {f['create_seconds']:.1f} s | | |
| Hub memory after the run, VmRSS / peak VmHWM | {mb(e['rss'])} / {mb(e['hwm'])} | {mb(e['fleet_rss'])} / {mb(e['fleet_hwm'])} | | |

Fetch cost: the hub's fetch of the pushed commit took {hub_fetch_ms:.0f} ms (libgit2, from `hawser_git_fetch_duration_seconds`); `git fetch` of one commit from the same repository into a copy of the hub's mirror took {statistics.median(git_ms):.0f} ms (median of 5, git {sh('git', '--version').split()[-1]})."""
print(figures)
import sys
sys.path.insert(0, f"{e['ROOT']}/scripts")
from bench_doc import write_section
write_section(e["DOC"], "git", "Figures: Git fan-out, 1 repository, 1,000 applications, 50 clusters", figures,
              intro="Command: `make bench` (this part: `scripts/bench-git.sh`).\n\n")
PY
