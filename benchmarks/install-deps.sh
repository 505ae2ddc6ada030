#!/usr/bin/env bash
# Debian packages only the benchmarks need (`make bench` runs this; `make test` does not):
# wrk (closed-loop HTTP load, maximum throughput) and hey (HTTP load at a fixed rate) for benchmarks/api_load.py.
set -euo pipefail
packages=(wrk hey)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing Debian packages for the benchmarks: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
