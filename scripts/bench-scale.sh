#!/usr/bin/env bash
# `make bench`, part 4: agents at scale. `hawser-benchtool loadgen` runs the release hub as a
# child process and N simulated agents in one process (each registered with a real token and
# CSR, on its own mutual-TLS connection, speaking the real protocol through the agent's own
# link code). Measured, first with the 1,000 fan-out agents connected: fan-out latency and status
# fan-in; then with all N = 10,000: connections held, the hub's memory per connection, fan-out again;
# fan-out latency (a commit to an app on 1,000 clusters, from the refresh until each agent holds
# it); status frames per second stored (1,000 agents sending as fast as the hub acknowledges);
# reconnect storm (the hub killed with SIGKILL and restarted with 1,000 agents connected).
# Rewrites the section between the bench:scale markers of docs/benchmarks.md. Environment:
# SWIFT, BENCH_DOC, BENCH_SKIP_BUILD=1, BENCH_CONFIG (release), BENCH_AGENTS (10000),
# BENCH_FANOUT_AGENTS (1000), BENCH_STORM_AGENTS (1000), BENCH_STATUS_SECONDS (10).
set -euo pipefail
BENCH_NAME=scale
. "$(dirname "$0")/bench-common.sh"
AGENTS=${BENCH_AGENTS:-10000}
FANOUT=${BENCH_FANOUT_AGENTS:-1000}
STORM=${BENCH_STORM_AGENTS:-1000}
SECONDS_FANIN=${BENCH_STATUS_SECONDS:-10}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "==> $AGENTS simulated agents (open-file limit $(ulimit -n)); this takes a few minutes"
RESULT=$("$BIN/hawser-benchtool" loadgen --hub-binary "$BIN/hawser-hub" --work-dir "$RUN/loadgen" --agents "$AGENTS" \
  --fanout-agents "$FANOUT" --storm-agents "$STORM" --status-seconds "$SECONDS_FANIN" 2> >(tee "$RUN/loadgen.log" >&2)) \
  || fail "loadgen failed: $(tail -3 "$RUN/loadgen.log")"
echo "    $RESULT"

export RUN DOC RESULT ROOT
python3 - <<'PY'
import datetime, json, os, subprocess, sys
e = os.environ
r = json.loads(e["RESULT"])
def sh(*a):
    try: return subprocess.run(a, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as x: return f"? ({x})"
commit = sh("git", "-C", e["ROOT"], "rev-parse", "--short", "HEAD")
if sh("git", "-C", e["ROOT"], "status", "--porcelain", "--untracked-files=no"): commit += " + uncommitted changes"
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
def met(ok): return "met" if ok else "**NOT met**"
n, fo, st = int(r["agents"]), int(r["fanout_agents"]), int(r["storm_agents"])
figures = f"""Run of {now} on `{commit}`; {sh('nproc')} cores, {sh('sh', '-c', "free -g | awk '/Mem:/ {print $2}'")} GiB; the hub and all simulated agents share the machine (the agents' TLS and JSON cost the same CPU the hub needs).

| Figure | Measured | Goal | Met? |
| --- | ---: | --- | --- |
| Agent connections held (mutual TLS, heartbeats every 10 s) | {r['connections_held']:.0f} of {n} | {n:,} | {met(r['connections_held'] >= n)} |
| Hub resident memory with them connected (idle hub: {r['hub_rss_idle_mb']:.0f} MB) | {r['hub_rss_held_mb']:.0f} MB | under 1 GB at 10,000 | {met(r['hub_rss_held_mb'] < 1024 and n >= 10000)} |
| Hub memory per connection | {r['hub_rss_per_connection_kb']:.0f} kB | | |
| Hub peak resident memory over the whole run | {r['hub_rss_peak_mb']:.0f} MB | | |
| Registering the clusters (token + join each, 8 at a time) / connecting the last {n - fo:,} | {r['register_seconds']:.0f} s / {r['connect_seconds']:.1f} s | | |
| Fan-out to {fo:,} clusters with {fo:,} agents connected (refresh → each agent holds the new commit), p50 / p99 / max over {int(r['fanout_samples'])} deliveries | {r['fanout_p50_ms']:.0f} / {r['fanout_p99_ms']:.0f} / {r['fanout_max_ms']:.0f} ms | p99 under 2 s at 1,000 | {met(r['fanout_p99_ms'] < 2000 and fo >= 1000)} |
| The same fan-out with all {n:,} agents connected, p50 / p99 | {r['fanout_all_connected_p50_ms']:.0f} / {r['fanout_all_connected_p99_ms']:.0f} ms | | |
| Status frames stored per second ({fo:,} agents, {int(r.get('window', 16))} unacknowledged each) | {r['status_stored_per_second']:,.0f} /s | at least 20,000 /s | {met(r['status_stored_per_second'] >= 20000)} |
| Reconnect storm, {st:,} agents: hub killed (SIGKILL) and restarted; all back after the restarted hub was ready | {r['storm_all_back_after_ready_seconds']:.1f} s ({r['storm_all_back_after_kill_seconds']:.1f} s after the kill) | within 30 s at 1,000 | {met(r['storm_all_back_after_kill_seconds'] < 30 and st >= 1000)} |
| Reconnect storm: peak connections accepted in one second (full-jitter backoff spreads them) | {r['storm_peak_connections_per_second']:.0f} /s | | |"""
print(figures)
sys.path.insert(0, f"{e['ROOT']}/scripts")
from bench_doc import write_section
write_section(e["DOC"], "scale", "Figures: 10,000 agents on one hub", figures,
              intro="Command: `make bench` (this part: `scripts/bench-scale.sh`; `BENCH_SKIP_BUILD=1 scripts/bench-scale.sh` after a first run).\n\n")
PY
