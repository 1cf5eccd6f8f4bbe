#!/usr/bin/env bash
# The system packages the test tiers need: kcat (librdkafka client for the compat tier), chromium (Playwright
# drives it), ripgrep and libkrb5-dev (code-server). Installs the missing ones with apt when run as root;
# otherwise names them and fails, so a tier never silently skips.
set -euo pipefail
need=()
command -v kcat >/dev/null 2>&1 || need+=(kcat)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
[ ${#need[@]} -eq 0 ] && { echo "system packages: all present (kcat, chromium, ripgrep, libkrb5-dev)"; exit 0; }
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}"
