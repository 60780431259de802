#!/usr/bin/env bash
# `make bench`: Hawser against `kubectl apply --server-side`, side by side, on one KubeSim.
#
#   1. first apply of 500 objects (Deployments, Services, ConfigMaps in 10 namespaces),
#   2. a no-op re-sync of the same objects,
#   3. a re-sync after 50 of them (10%) changed,
#
# each once for Hawser (namespaces bench-h-0..9, an auto-sync app `bench`) and once for kubectl
# (bench-k-0..9, the same objects), and the agent's resident memory during the no-op re-sync.
# Hawser's time is the agent's own operation record (finishedAt - startedAt); the script also
# reports end to end (CLI command issued -> the hub shows the finished operation).
#
# Release builds, real processes, everything on 127.0.0.1. Prints a table and rewrites the
# figures section of docs/benchmarks.md (between the bench:figures markers). Exits non-zero
# when a step fails, not when a goal is missed. Logs and inputs stay in the run directory
# (printed). Environment: SWIFT (swift), BENCH_DOC (docs/benchmarks.md), BENCH_SKIP_BUILD=1
# (use the existing release build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SWIFT=${SWIFT:-swift}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
PRODUCTS=(hawser-kubesim hawser-hub hawser-agent hawser)

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "==> Release build of ${PRODUCTS[*]} (waits for any other build holding .build)"
  build_start=$(date +%s)
  # One product per invocation: given several --product flags, swift build builds only the last.
  # Statically linked Swift runtime, as deploy/ ships the agent: one self-contained binary.
  for p in "${PRODUCTS[@]}"; do "$SWIFT" build -c release --static-swift-stdlib --product "$p"; done
  echo "    release build took $(( $(date +%s) - build_start )) s"
fi
BIN=$("$SWIFT" build -c release --show-bin-path)
for p in "${PRODUCTS[@]}"; do
  [ -x "$BIN/$p" ] || { echo "error: $BIN/$p is missing; run without BENCH_SKIP_BUILD" >&2; exit 1; }
done
KUBECTL=$(command -v kubectl || true)
[ -n "$KUBECTL" ] || KUBECTL="$ROOT/.venv/bin/kubectl"
[ -x "$KUBECTL" ] || { echo "error: no kubectl on PATH or in .venv (run make deps)" >&2; exit 1; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/hawser-bench.XXXXXX")
export HAWSER_CONFIG="$RUN/cli.json"
pids=()
PY_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -z "$PY_PID" ] || kill -TERM "$PY_PID" 2>/dev/null || true
  # Only the processes this script started, by PID: TERM, a grace period, then KILL.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ $rc != 0 ]; then
    echo "error: the benchmark failed (exit $rc); logs and inputs are in $RUN" >&2
  else
    echo "Logs and inputs: $RUN"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "error: $*; logs in $RUN" >&2; exit 1; }
wait_for() { # seconds what command...
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what did not happen within ${secs}s"
    sleep 0.1
  done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The measuring and reporting half, in Python (stdlib only).
cat >"$RUN/bench.py" <<'PY'
import datetime, json, os, re, subprocess, sys, threading, time, urllib.request

RUN = os.environ["RUN"]; BIN = os.environ["BIN"]; KUBECTL = os.environ["KUBECTL"]
KCFG = os.path.join(RUN, "kubeconfig"); REPO = os.path.join(RUN, "repo")
KDIR = os.path.join(RUN, "kubectl"); NSDIR = os.path.join(RUN, "namespaces")
KCACHE = os.path.join(RUN, "kubectl-cache")   # discovery cache, primed by the namespace apply
NAMESPACES, DEPLOYMENTS, SERVICES, CONFIGMAPS = 10, 17, 17, 16   # 10 x 50 = 500 objects

def log(msg): print(msg, flush=True)
def die(msg):
    print(f"error: {msg}; logs in {RUN}", file=sys.stderr, flush=True); sys.exit(1)

# ---- manifests -------------------------------------------------------------------------
def changed(kind, i):
    """The 10% change: 3 Deployments and 2 ConfigMaps in every namespace (50 objects)."""
    return (kind == "Deployment" and i < 3) or (kind == "ConfigMap" and i < 2)

def manifests(ns, rev):
    """(file name, YAML) for the 50 objects of one namespace; `rev` 2 carries the change."""
    out = []
    def labels(kind, i, name, indent):
        r = rev if changed(kind, i) else 1
        pad = " " * indent
        return (f"{pad}app.kubernetes.io/name: {name}\n{pad}app.kubernetes.io/part-of: bench\n"
                f"{pad}bench.hawser.io/revision: \"{r}\"\n")
    for i in range(DEPLOYMENTS):
        name = f"web-{i:02d}"
        out.append((f"deploy-{name}.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels:
{labels("Deployment", i, name, 4)}spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
        app.kubernetes.io/part-of: bench
    spec:
      containers:
      - name: app
        image: registry.k8s.io/pause:3.10
        ports:
        - containerPort: 8080
          name: http
        resources:
          requests:
            cpu: 10m
            memory: 16Mi
"""))
    for i in range(SERVICES):
        name = f"web-{i:02d}"
        out.append((f"svc-{name}.yaml", f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
  labels:
{labels("Service", i, name, 4)}spec:
  selector:
    app.kubernetes.io/name: {name}
  ports:
  - name: http
    port: 80
    targetPort: http
    protocol: TCP
"""))
    for i in range(CONFIGMAPS):
        name = f"config-{i:02d}"
        r = rev if changed("ConfigMap", i) else 1
        out.append((f"cm-{name}.yaml", f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: {ns}
  labels:
{labels("ConfigMap", i, name, 4)}data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "search,checkout"
  config.yaml: |
    listen: ":8080"
    revision: {r}
"""))
    return out

def write_tree(base, prefix, rev):
    n = 0
    for k in range(NAMESPACES):
        d = os.path.join(base, f"{prefix}-{k}"); os.makedirs(d, exist_ok=True)
        for fname, text in manifests(f"{prefix}-{k}", rev):
            with open(os.path.join(d, fname), "w") as f: f.write(text)
            n += 1
    return n

def cmd_generate():
    os.makedirs(NSDIR, exist_ok=True)
    for prefix in ("bench-h", "bench-k"):
        for k in range(NAMESPACES):
            with open(os.path.join(NSDIR, f"{prefix}-{k}.yaml"), "w") as f:
                f.write(f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {prefix}-{k}\n")
    h = write_tree(os.path.join(REPO, "hawser"), "bench-h", 1)
    k = write_tree(KDIR, "bench-k", 1)
    assert h == k == 500, (h, k)
    log(f"    {h} objects for Hawser in {REPO}/hawser, {k} for kubectl in {KDIR}")

# ---- helpers ---------------------------------------------------------------------------
def run(args, timeout, what, env=None):
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        die(f"{what} did not finish within {timeout}s")
    with open(os.path.join(RUN, "commands.log"), "a") as f:
        f.write(f"$ {' '.join(args)}\n{p.stdout}{p.stderr}(exit {p.returncode})\n\n")
    if p.returncode != 0:
        die(f"{what} failed (exit {p.returncode}): {p.stderr.strip()[-2000:]}")
    return p.stdout

def hawser(*args, timeout=60):
    return run([os.path.join(BIN, "hawser"), *args], timeout, "hawser " + " ".join(args))

def kubectl_apply(path, what):
    """Wall time of one `kubectl apply --server-side -f PATH -R`."""
    args = [KUBECTL, "--kubeconfig", KCFG, "--cache-dir", KCACHE, "apply", "--server-side", "-f", path, "-R"]
    t0 = time.monotonic()
    out = run(args, 300, what)
    dt = time.monotonic() - t0
    return dt, out.count("serverside-applied")

CLI = None
def app_view():
    global CLI
    if CLI is None:
        with open(os.environ["HAWSER_CONFIG"]) as f: CLI = json.load(f)
    req = urllib.request.Request(CLI["server"].rstrip("/") + "/api/v1/applications/bench",
                                 headers={"Authorization": "Bearer " + CLI["token"]})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)

def ts(s): return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))

class AgentLog:
    """Follows agent.log: a new `status` line is the agent reporting to the hub."""
    def __init__(self):
        self.path = os.path.join(RUN, "agent.log"); self.pos = os.path.getsize(self.path)
    def new_status(self):
        with open(self.path) as f:
            f.seek(self.pos); text = f.read(); self.pos = f.tell()
        return "[AgentRuntime] status" in text

def wait_operation(what, timeout, pred, log_follower):
    """Waits until the app's last operation satisfies pred and has finished; returns the app
    view and the monotonic time the agent reported it (its `status` log line, checked every
    10 ms). The app view (about 250 kB with 500 objects, ~0.1 s of hub CPU) is fetched only
    after such a line (every 50 ms until the hub shows it) or once a second as a fallback, so
    waiting does not load the hub."""
    deadline = time.monotonic() + timeout
    last_get, reported_at, op = 0.0, None, None
    while True:
        now = time.monotonic()
        if log_follower.new_status():
            reported_at = now
        if now - last_get > (0.05 if reported_at is not None else 1.0):
            last_get = now
            try:
                v = app_view()
            except Exception:
                v = None
            op = (v or {}).get("operation")
            if op and pred(op) and op.get("finishedAt") and op.get("phase") not in ("Running", None):
                if op["phase"] != "Succeeded":
                    die(f"{what}: operation {op['phase']}: {op.get('message')}")
                return v, (reported_at if reported_at is not None else now)
            if reported_at is not None and now - reported_at > 1.0:
                reported_at = None   # that report was not the finished operation
        if now > deadline:
            die(f"{what}: no finished operation within {timeout}s (last operation: {json.dumps(op)[:500]})")
        time.sleep(0.01)

def cpu_ticks(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])          # utime + stime
    return total

def wait_quiet(what, app=False, timeout=90):
    """Until KubeSim, hub and agent together use under 5% of a core for a whole second (no
    rechecks, watches or reports still running) and, with app, the app is Synced and Healthy."""
    pids = [int(os.environ[k]) for k in ("KUBESIM_PID", "HUB_PID", "AGENT_PID")]
    hz = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + timeout
    while True:
        ok = True
        if app:   # first: fetching the view costs the hub CPU
            v = app_view(); ok = v.get("sync") == "Synced" and v.get("health") == "Healthy"
        a = cpu_ticks(pids); time.sleep(1.0); b = cpu_ticks(pids)
        if ok and (b - a) < 0.05 * hz: return
        if time.monotonic() > deadline:
            die(f"the system did not settle ({what}) within {timeout}s")

class RSSSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True); self.pid = pid; self.stop = threading.Event()
        self.max_kb = 0; self.samples = 0; self.max_anon_kb = 0; self.file_at_max_kb = 0
    def run(self):
        while not self.stop.is_set():
            kb = status_kb(self.pid, "VmRSS")
            if kb > self.max_kb:
                self.file_at_max_kb = status_kb(self.pid, "RssFile")
            self.max_kb = max(self.max_kb, kb); self.samples += 1
            self.max_anon_kb = max(self.max_anon_kb, status_kb(self.pid, "RssAnon"))
            self.stop.wait(0.02)

def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"): return int(line.split()[1])
    die(f"no {field} in /proc/{pid}/status")

def git(*args):
    return run(["git", "-C", REPO, *args], 60, "git " + " ".join(args)).strip()

def op_seconds(op): return (ts(op["finishedAt"]) - ts(op["startedAt"])).total_seconds()

def op_summary(op):
    counts = {}
    for r in op.get("resources", []):
        key = f"{r['status']}:{r.get('message') or ''}"
        counts[key] = counts.get(key, 0) + 1
    return counts

# ---- the measurements ------------------------------------------------------------------
def cmd_measure():
    agent = int(os.environ["AGENT_PID"]); res = {"rows": []}
    with open("/proc/loadavg") as f: res["loadavg_start"] = " ".join(f.read().split()[:3])
    res["rss_idle_kb"] = status_kb(agent, "VmRSS")   # connected, no application yet
    head = git("rev-parse", "HEAD")

    log("==> (1) first apply of 500 objects")
    wait_quiet("before kubectl first apply")
    k1, n = kubectl_apply(KDIR, "kubectl first apply")
    if n != 500: die(f"kubectl applied {n} objects, expected 500")
    log(f"    kubectl: {k1:.3f} s")
    wait_quiet("before hawser first apply")
    follower = AgentLog(); t0 = time.monotonic()
    hawser("app", "create", "bench", "--repo", REPO, "--path", "hawser", "--cluster", "bench",
           "--namespace", "bench-h-0", "--auto-sync"); cli = time.monotonic() - t0
    v, seen = wait_operation("first apply", 240, lambda op: op["revision"] == head, follower)
    op1 = v["operation"]; e1 = seen - t0; h1 = op_seconds(op1)
    synced = sum(1 for r in op1["resources"] if r["status"] == "Synced")
    if synced != 500: die(f"the first operation synced {synced} objects, expected 500: {op_summary(op1)}")
    log(f"    hawser: operation {h1:.3f} s, end to end {e1:.3f} s (CLI {cli:.3f} s; {op_summary(op1)})")
    res["rows"].append(dict(op="First apply", objects=500, hawser=h1, hawser_e2e=e1, hawser_cli=cli, kubectl=k1,
                            detail=op_summary(op1)))
    wait_quiet("after the first apply", app=True, timeout=120)

    log("==> (2) no-op re-sync")
    k2, n = kubectl_apply(KDIR, "kubectl no-op apply")
    log(f"    kubectl: {k2:.3f} s")
    wait_quiet("before the no-op sync", app=True)
    before = ts(app_view()["operation"]["startedAt"])
    rss_before = status_kb(agent, "VmRSS")
    sampler = RSSSampler(agent); sampler.start()
    follower = AgentLog(); t0 = time.monotonic()
    hawser("app", "sync", "bench"); cli = time.monotonic() - t0
    v, seen = wait_operation("no-op re-sync", 180, lambda op: ts(op["startedAt"]) > before, follower)
    sampler.stop.set(); sampler.join()
    op2 = v["operation"]; e2 = seen - t0; h2 = op_seconds(op2)
    log(f"    hawser: operation {h2:.3f} s, end to end {e2:.3f} s (CLI {cli:.3f} s; {op_summary(op2)})")
    log(f"    agent VmRSS: {rss_before} kB before, max {sampler.max_kb} kB over {sampler.samples} samples")
    res["rows"].append(dict(op="No-op re-sync", objects=500, hawser=h2, hawser_e2e=e2, hawser_cli=cli, kubectl=k2,
                            detail=op_summary(op2)))
    res["rss_before_kb"] = rss_before; res["rss_max_kb"] = sampler.max_kb; res["rss_samples"] = sampler.samples
    res["anon_max_kb"] = sampler.max_anon_kb; res["file_at_max_kb"] = sampler.file_at_max_kb
    if v.get("sync") != "Synced": die(f"after the no-op sync the app is {v.get('sync')}")
    wait_quiet("after the no-op sync", app=True)

    log("==> (3) re-sync after 10% of the objects changed (50 objects)")
    write_tree(KDIR, "bench-k", 2)
    k3, n = kubectl_apply(KDIR, "kubectl apply of the change")
    log(f"    kubectl: {k3:.3f} s")
    write_tree(os.path.join(REPO, "hawser"), "bench-h", 2)
    files = git("status", "--porcelain").splitlines()
    if len(files) != 50: die(f"the change touches {len(files)} files, expected 50")
    git("-c", "user.name=Hawser Bench", "-c", "user.email=bench@hawser.invalid", "commit", "-qam", "bench: change 50 objects")
    head = git("rev-parse", "HEAD")
    wait_quiet("before the change", app=True)
    follower = AgentLog(); t0 = time.monotonic()
    hawser("app", "refresh", "bench"); cli = time.monotonic() - t0
    v, seen = wait_operation("re-sync after the change", 180, lambda op: op["revision"] == head, follower)
    op3 = v["operation"]; e3 = seen - t0; h3 = op_seconds(op3)
    log(f"    hawser: operation {h3:.3f} s, end to end {e3:.3f} s (CLI {cli:.3f} s; {op_summary(op3)})")
    res["rows"].append(dict(op="Re-sync, 10% changed", objects=50, hawser=h3, hawser_e2e=e3, hawser_cli=cli, kubectl=k3,
                            detail=op_summary(op3)))
    # Both copies really carry the change.
    for ns in ("bench-h-9", "bench-k-9"):
        got = run([KUBECTL, "--kubeconfig", KCFG, "--cache-dir", KCACHE, "get", "configmap", "config-01", "-n", ns, "-o",
                   "jsonpath={.metadata.labels.bench\\.hawser\\.io/revision}"], 30, "kubectl get").strip()
        if got != "2": die(f"configmap config-01 in {ns} has revision label {got!r}, expected '2'")
    with open("/proc/loadavg") as f: res["loadavg_end"] = " ".join(f.read().split()[:3])
    res["hwm_kb"] = status_kb(agent, "VmHWM")
    res["rss_end_kb"] = status_kb(agent, "VmRSS")
    with open(os.path.join(RUN, "results.json"), "w") as f: json.dump(res, f, indent=2)

# ---- the report ------------------------------------------------------------------------
def cmd_report():
    with open(os.path.join(RUN, "results.json")) as f: res = json.load(f)
    env = json.loads(os.environ["BENCH_ENV"])
    MB = 1024.0
    def yes(b): return "yes" if b else "**no**"
    lines = []
    lines.append(f"Run of {env['date']} on `{env['commit']}`; machine: {env['machine']}.")
    lines.append("")
    lines.append("| Operation | Objects | Hawser (agent operation) | Hawser (end to end) | kubectl | Hawser/kubectl (operation) | Hawser/kubectl (end to end) | Goal | Met? (operation / end to end) |")
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for r in res["rows"]:
        ro = r["hawser"] / r["kubectl"]; re_ = r["hawser_e2e"] / r["kubectl"]
        if r["op"] == "No-op re-sync":
            goal = "≤ 0.5× kubectl"; met = f"{yes(ro <= 0.5)} / {yes(re_ <= 0.5)}"
        else:
            goal = "—"; met = "—"
        lines.append(f"| {r['op']} | {r['objects']} | {r['hawser']:.3f} s | {r['hawser_e2e']:.3f} s | {r['kubectl']:.3f} s | {ro:.2f} | {re_:.2f} | {goal} | {met} |")
    lines.append("")
    lines.append("| Agent memory | Value | Goal | Met? |")
    lines.append("| --- | ---: | --- | --- |")
    lines.append(f"| VmRSS, maximum during the no-op re-sync ({res['rss_samples']} samples, 20 ms apart) | {res['rss_max_kb']/MB:.1f} MB | < 30 MB | {yes(res['rss_max_kb'] < 30*MB)} |")
    lines.append(f"| … of which mapped from the binary and libraries (RssFile at that sample) | {res['file_at_max_kb']/MB:.1f} MB | | |")
    lines.append(f"| RssAnon (heap, stacks, written pages), maximum during the no-op re-sync | {res['anon_max_kb']/MB:.1f} MB | | |")
    lines.append(f"| VmRSS connected to the hub, before the application existed | {res['rss_idle_kb']/MB:.1f} MB | | |")
    lines.append(f"| VmRSS just before the no-op re-sync | {res['rss_before_kb']/MB:.1f} MB | | |")
    lines.append(f"| VmHWM (peak RSS over the agent's life, at the end) | {res['hwm_kb']/MB:.1f} MB | | |")
    lines.append("")
    lines.append("Per step, what the agent's operation recorded per resource (status:message count):")
    lines.append("")
    for r in res["rows"]:
        detail = ", ".join(f"{k} {n}" for k, n in sorted(r["detail"].items())) or "none"
        lines.append(f"- {r['op']}: {detail}; the `hawser` command itself returned after {r['hawser_cli']:.3f} s")
    lines.append("")
    lines.append("Environment:")
    lines.append("")
    for k in ("nproc", "cpu", "memory", "kernel", "swift", "kubectl", "kubesim"):
        lines.append(f"- {k}: {env[k]}")
    lines.append(f"- load average (1, 5, 15 min) when measuring started: {res['loadavg_start']}; at the end: {res['loadavg_end']}")
    figures = "\n".join(lines)

    # Terminal table.
    print()
    print(f"{'operation':<22}{'objects':>8}{'hawser op':>12}{'hawser e2e':>12}{'kubectl':>10}{'ratio op':>10}{'ratio e2e':>11}")
    for r in res["rows"]:
        print(f"{r['op']:<22}{r['objects']:>8}{r['hawser']:>11.3f}s{r['hawser_e2e']:>11.3f}s{r['kubectl']:>9.3f}s"
              f"{r['hawser']/r['kubectl']:>10.2f}{r['hawser_e2e']/r['kubectl']:>11.2f}")
    noop = res["rows"][1]
    print(f"no-op goal (<= 0.5x kubectl): operation {'met' if noop['hawser']/noop['kubectl'] <= 0.5 else 'NOT met'}, "
          f"end to end {'met' if noop['hawser_e2e']/noop['kubectl'] <= 0.5 else 'NOT met'}")
    print(f"agent VmRSS max during no-op {res['rss_max_kb']/MB:.1f} MB (goal < 30 MB: "
          f"{'met' if res['rss_max_kb'] < 30*MB else 'NOT met'}), VmHWM {res['hwm_kb']/MB:.1f} MB")

    sys.path.insert(0, os.environ["BENCH_SCRIPTS"])
    from bench_doc import write_section
    write_section(os.environ["DOC"], "figures", "Figures", figures)

{"generate": cmd_generate, "measure": cmd_measure, "report": cmd_report}[sys.argv[1]]()
PY
BENCH_SCRIPTS="$ROOT/scripts"
export RUN BIN KUBECTL DOC BENCH_SCRIPTS
# In the background and waited for, so INT/TERM reach the trap at once (and stop it too).
bench() {
  python3 "$RUN/bench.py" "$@" &
  PY_PID=$!
  local rc=0
  wait "$PY_PID" || rc=$?
  PY_PID=""
  return $rc
}

echo "==> Run directory $RUN"
echo "==> Generating 2 x 500 objects"
bench generate
git -C "$RUN/repo" init -q -b main
git -C "$RUN/repo" add -A
git -C "$RUN/repo" -c user.name="Hawser Bench" -c user.email=bench@hawser.invalid commit -qm "bench: 500 objects"

echo "==> KubeSim"
"$BIN/hawser-kubesim" --port 0 --kubeconfig "$RUN/kubeconfig" >"$RUN/kubesim.out" 2>"$RUN/kubesim.log" &
KUBESIM_PID=$!; pids+=($KUBESIM_PID)
wait_for 30 "KubeSim start" grep -q "listening on" "$RUN/kubesim.out"
echo "    $(head -1 "$RUN/kubesim.out")"
"$KUBECTL" --kubeconfig "$RUN/kubeconfig" --cache-dir "$RUN/kubectl-cache" apply --server-side -f "$RUN/namespaces" >>"$RUN/commands.log" 2>&1 \
  || fail "kubectl apply --server-side of the 20 namespaces failed"

echo "==> Hub"
API_PORT=$(free_port); AGENT_PORT=$(free_port)
"$BIN/hawser-hub" --data-dir "$RUN/hub-data" --api-address "127.0.0.1:$API_PORT" --agent-address "127.0.0.1:$AGENT_PORT" \
  --poll-interval 3600 >"$RUN/hub.out" 2>"$RUN/hub.log" &
HUB_PID=$!; pids+=($HUB_PID)
wait_for 30 "hub start (admin token)" grep -q "Admin token" "$RUN/hub.out"
TOKEN=$(awk '/Admin token:/ {print $3}' "$RUN/hub.out")
"$BIN/hawser" login --server "http://127.0.0.1:$API_PORT" --token "$TOKEN" >/dev/null || fail "hawser login failed"

echo "==> Agent (cluster 'bench', resync every hour so only the measured operations run)"
JOIN=$("$BIN/hawser" cluster add bench | awk '/hawser-agent join/ {sub(/^ +/, ""); print}') || fail "hawser cluster add failed"
[ -n "$JOIN" ] || fail "hawser cluster add printed no join command"
read -r -a join_args <<<"${JOIN#hawser-agent join }"
hub="" token="" ca=""
for ((i = 0; i < ${#join_args[@]}; i++)); do
  case "${join_args[$i]}" in
    --hub) hub=${join_args[$((i + 1))]} ;;
    --token) token=${join_args[$((i + 1))]} ;;
    --ca-sha256) ca=${join_args[$((i + 1))]} ;;
  esac
done
timeout 60 "$BIN/hawser-agent" join --hub "$hub" --token "$token" --ca-sha256 "$ca" --state-dir "$RUN/agent-state" \
  >"$RUN/join.log" 2>&1 || fail "hawser-agent join failed"
"$BIN/hawser-agent" run --state-dir "$RUN/agent-state" --kubeconfig "$RUN/kubeconfig" --resync-interval 3600 \
  >"$RUN/agent.log" 2>&1 &
AGENT_PID=$!; pids+=($AGENT_PID)
wait_for 60 "agent connection" sh -c "'$BIN/hawser' cluster list | grep -q Connected"
export KUBESIM_PID HUB_PID AGENT_PID

bench measure

# The machine and tool versions for the report.
BENCH_ENV=$(python3 - "$KUBECTL" "$BIN" "$ROOT" "$SWIFT" <<'PY'
import json, os, subprocess, sys, datetime
kubectl, bin_, root, swift = sys.argv[1:]
def sh(*a):
    try: return subprocess.run(a, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e: return f"? ({e})"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = sh("free", "-h").splitlines()[1].split()[1] if len(sh("free", "-h").splitlines()) > 1 else "?"
kv = sh(kubectl, "version", "--client", "-o", "json")
try: kv = json.loads(kv)["clientVersion"]["gitVersion"]
except Exception: pass
commit = sh("git", "-C", root, "rev-parse", "--short", "HEAD")
if sh("git", "-C", root, "status", "--porcelain", "--untracked-files=no"): commit += " + uncommitted changes"
kubesim = open(os.path.join(os.environ["RUN"], "kubesim.out")).readline().split(" listening")[0]
print(json.dumps({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "commit": commit,
    "nproc": sh("nproc"), "cpu": cpu, "memory": f"{mem} total (free -h)",
    "kernel": sh("uname", "-sr"),
    "swift": sh(swift, "--version").splitlines()[0] if sh(swift, "--version") else "?",
    "kubectl": f"{kv} ({os.path.realpath(kubectl)})",
    "kubesim": kubesim,
    "machine": f"{sh('nproc')} cores, {mem} RAM, {sh('uname', '-r')}",
}))
PY
) || fail "collecting the environment failed"
export BENCH_ENV
bench report
