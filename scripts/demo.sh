#!/usr/bin/env bash
# `make run`: a whole Hawser installation on loopback, in .run/:
#   KubeSim (an in-memory Kubernetes API server), the hub with its SQLite store, a sample Git
#   repository with Argo CD's guestbook, a registered agent, and the guestbook app deployed.
# Everything stops on Ctrl-C. Ports: API 8080, agents 8443, KubeSim 6443 (override with
# HAWSER_API_PORT, HAWSER_AGENT_PORT, KUBESIM_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=$("${SWIFT:-swift}" build --show-bin-path)
RUN="$ROOT/.run"
API_PORT=${HAWSER_API_PORT:-8080}
AGENT_PORT=${HAWSER_AGENT_PORT:-8443}
AGENT_METRICS_PORT=${HAWSER_AGENT_METRICS_PORT:-9469}
HUB_METRICS_PORT=${HAWSER_HUB_METRICS_PORT:-9468}
KUBESIM_PORT=${KUBESIM_PORT:-6443}

rm -rf "$RUN"
mkdir -p "$RUN"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "Stopping Hawser demo..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() { # what, command...
  local what=$1; shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "error: $what did not come up; see the logs in $RUN" >&2
  exit 1
}

echo "==> KubeSim on https://127.0.0.1:$KUBESIM_PORT"
"$BIN/hawser-kubesim" --port "$KUBESIM_PORT" --kubeconfig "$RUN/kubeconfig" --deployment-ready-delay 3 >"$RUN/kubesim.log" 2>&1 &
pids+=($!)
wait_for KubeSim test -s "$RUN/kubeconfig"

echo "==> Hub (data in $RUN/hub-data)"
"$BIN/hawser-hub" --data-dir "$RUN/hub-data" --api-address "127.0.0.1:$API_PORT" --agent-address "127.0.0.1:$AGENT_PORT" \
  --poll-interval 30 --metrics-address "127.0.0.1:$HUB_METRICS_PORT" >"$RUN/hub.out" 2>"$RUN/hub.log" &
pids+=($!)
wait_for "the hub" grep -q "Admin token" "$RUN/hub.out"
TOKEN=$(awk '/Admin token:/ {print $3}' "$RUN/hub.out")
export HAWSER_CONFIG="$RUN/cli.json"
"$BIN/hawser" login --server "http://127.0.0.1:$API_PORT" --token "$TOKEN" >/dev/null
# A password for the web UI's login form, new on every run.
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
"$BIN/hawser" account update-password --account admin --new-password "$PASSWORD" >/dev/null

echo "==> Sample Git repository with Argo CD's guestbook ($RUN/repo)"
mkdir -p "$RUN/repo/guestbook"
cp "$ROOT"/../shared/fixtures/argocd-example-apps/guestbook/*.yaml "$RUN/repo/guestbook/" 2>/dev/null \
  || cp "$ROOT"/scripts/sample/guestbook/*.yaml "$RUN/repo/guestbook/"
git -C "$RUN/repo" init -q -b main
git -C "$RUN/repo" add -A
git -C "$RUN/repo" -c user.name="Hawser Demo" -c user.email=demo@hawser.invalid commit -qm "guestbook"

echo "==> Registering cluster 'local' and joining its agent"
JOIN=$("$BIN/hawser" cluster add local --label env=demo | awk '/hawser-agent join/ {sub(/^ +/, ""); print}')
(cd "$RUN" && "$BIN/hawser-agent" ${JOIN#hawser-agent } >"$RUN/join.log" 2>&1) || { echo "error: join failed: $JOIN" >&2; exit 1; }
"$BIN/hawser-agent" run --state-dir "$RUN/hawser-agent-state" --kubeconfig "$RUN/kubeconfig" --resync-interval 5 \
  --metrics-address "127.0.0.1:$AGENT_METRICS_PORT" >"$RUN/agent.log" 2>&1 &
pids+=($!)
wait_for "the agent's connection" sh -c "'$BIN/hawser' cluster list | grep -q Connected"

echo "==> Creating application 'guestbook' (auto-sync, self-heal)"
"$BIN/hawser" app create guestbook --repo "$RUN/repo" --path guestbook --cluster local --namespace default --auto-sync --self-heal \
  --sync-option ServerSideApply=force >/dev/null
wait_for "guestbook to become Synced and Healthy" sh -c "'$BIN/hawser' app get guestbook | grep -q 'Health *Healthy'"

"$BIN/hawser" app get guestbook
KUBECTL=$(command -v kubectl || echo kubectl)
cat <<EOF

Hawser is running.

  Web UI:   http://127.0.0.1:$API_PORT/ui/   (log in as admin, password $PASSWORD)
  Metrics:  http://127.0.0.1:$HUB_METRICS_PORT/metrics (hub), http://127.0.0.1:$AGENT_METRICS_PORT/metrics (agent)

In another shell:

  export PATH="$BIN:\$PATH" HAWSER_CONFIG="$RUN/cli.json"
  hawser cluster list                      # the agent, its heartbeat and Kubernetes version
  hawser app list                          # every app with sync and health
  hawser app get guestbook                 # per-resource rows
  hawser proj list                         # projects (tenants); every hub has "default"
  hawser audit list                        # who did what, where and when
  hawser app history guestbook             # every deployment; \`hawser app rollback guestbook ID\`
  hawser app summary                       # counts by sync and health, per project and cluster
  hawser repo add $RUN/repo && hawser repo list
                                           # registered repositories, their last fetch and branches
  hawser app create guestbook-fleet --repo $RUN/repo --path guestbook --cluster-selector env=demo \\
    --namespace fleet --auto-sync --sync-option CreateNamespace=true
  hawser app get guestbook-fleet           # one row per cluster whose labels match env=demo
  hawser export -d $RUN/config             # every project and app as hawser.io/v1 YAML
  hawser apply -f $RUN/config              # read back: every object unchanged
  cd $RUN/config && git init -q && git add -A && git -c user.name=you -c user.email=you@example.com commit -qm config \
    && hawser config-repo add $RUN/config --name demo && hawser config-repo get demo
                                           # the hub's own configuration from Git: edit, commit, \`hawser config-repo refresh demo\`
  $KUBECTL --kubeconfig $RUN/kubeconfig get deploy,svc -n default
  $KUBECTL --kubeconfig $RUN/kubeconfig scale deploy guestbook-ui -n default --replicas 3
                                           # drift: self-heal puts it back within seconds
  cd $RUN/repo && sed -i 's/replicas: 1/replicas: 2/' guestbook/guestbook-ui-deployment.yaml \\
    && git -c user.name=you -c user.email=you@example.com commit -qam 'two replicas' && hawser app refresh guestbook
                                           # a new commit, applied right away

Admin token: $TOKEN   API: http://127.0.0.1:$API_PORT   Logs: $RUN/*.log
Press Ctrl-C to stop.
EOF
wait
