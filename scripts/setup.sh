#!/usr/bin/env bash
# Installs what building, running and testing Strata needs on a Debian machine, when missing.
# Idempotent: a second run installs nothing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# Debian packages: libsnappy-dev (remote-write compression), zlib1g-dev (gzip API responses),
# libre2-dev (linear-time regexes of label matchers and label_replace),
# prometheus + promtool (the real remote-write client, PromQL reference and block checker in tests),
# etcd-server (the ring's KV store in a cluster, started by the ring tests).
# memcached (the shared results, index and chunk cache of a cluster, started by the cache tests).
packages=(libsnappy-dev zlib1g-dev libre2-dev prometheus etcd-server memcached)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# moto_server (PyPI moto[server]): the S3-compatible server the object-storage tests start.
if ! command -v moto_server >/dev/null 2>&1; then
    echo "setup: installing moto[server] from PyPI" >&2
    python3 -m pip install --quiet 'moto[server]' 2>/dev/null \
        || python3 -m pip install --quiet --user --break-system-packages 'moto[server]'
    if ! command -v moto_server >/dev/null 2>&1; then
        for d in "$HOME/.local/bin" "$(python3 -m site --user-base 2>/dev/null)/bin"; do
            if [ -x "$d/moto_server" ]; then export PATH="$d:$PATH"; break; fi
        done
    fi
    command -v moto_server >/dev/null 2>&1 || { echo "setup: moto_server not found after installing moto[server]" >&2; exit 1; }
fi

if ! command -v swift >/dev/null 2>&1; then
    for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        if [ -x "$d/swift" ]; then export PATH="$d:$PATH"; break; fi
    done
fi
command -v swift >/dev/null 2>&1 || { echo "setup: the Swift 6 toolchain is required (swift not found on PATH)" >&2; exit 1; }
