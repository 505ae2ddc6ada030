#!/usr/bin/env bash
# Debian packages the test suite needs: espeak-ng and sox render the test consultations to audio;
# docker-compose (v1, client only) validates docker-compose.yml;
# chromium is the browser Playwright drives in the EHR review app tests (tests/service/ehr/);
# postgresql and redis-server provide initdb/pg_ctl and redis-server for the private servers that the fault
# tests (tests/hostile/test_faults.py) stop and restart.
# (The service itself needs none: PyAV brings its own FFmpeg.)
# With arguments, those packages instead: `make bench` passes wrk and hey (HTTP load for benchmarks/api_load.py).
set -euo pipefail
packages=(espeak-ng sox docker-compose chromium postgresql redis-server)
[ $# -gt 0 ] && packages=("$@")
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
