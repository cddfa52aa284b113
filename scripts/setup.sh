#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh Debian 12 machine.
# As root it installs missing Debian packages; otherwise it names them and goes on,
# so that the tests that need them skip with a stated reason.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a command it provides (used to tell whether it is present).
declare -A wanted=(
  [prometheus]=prometheus
  [stress-ng]=stress-ng
  [nftables]=nft
  [iproute2]=ip
  [iputils-ping]=ping
  [git]=git
  [lua5.4]=lua5.4
)
missing=()
for pkg in "${!wanted[@]}"; do
  command -v "${wanted[$pkg]}" >/dev/null 2>&1 || [ -x "/usr/sbin/${wanted[$pkg]}" ] || [ -x "/usr/bin/${wanted[$pkg]}" ] || missing+=("$pkg")
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
