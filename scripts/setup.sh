#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh Debian 12 machine.
# As root it installs missing Debian packages; otherwise it names them and goes on,
# so that the tests that need them skip with a stated reason.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a command it provides, or an absolute path it installs (used to tell whether it
# is present). lua5.1 and gopher-lua (built with golang-go, offline, from Debian's Go sources) are
# the two VMs the Argo CD health checks are tested in.
declare -A wanted=(
  [prometheus]=prometheus
  [stress-ng]=stress-ng
  [nftables]=nft
  [iproute2]=ip
  [iputils-ping]=ping
  [git]=git
  [lua5.1]=lua5.1
  [golang-go]=go
  [golang-github-yuin-gopher-lua-dev]=/usr/share/gocode/src/github.com/yuin/gopher-lua
)
missing=()
for pkg in "${!wanted[@]}"; do
  probe="${wanted[$pkg]}"
  if [ "${probe:0:1}" = / ]; then
    [ -e "$probe" ] || missing+=("$pkg")
  else
    command -v "$probe" >/dev/null 2>&1 || [ -x "/usr/sbin/$probe" ] || [ -x "/usr/bin/$probe" ] || missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The Debian prometheus package starts a system service; the tests start their own.
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
  else
    echo "setup: not root, so these Debian packages are not installed: ${missing[*]}"
    echo "setup: tests that need them will skip and say so; run 'sudo make test' to run everything."
  fi
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
