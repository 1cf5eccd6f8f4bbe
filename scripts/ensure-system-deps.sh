#!/usr/bin/env bash
# The system packages the test tiers need: kcat, python3-kafka and python3-confluent-kafka (kafka-python and
# librdkafka clients for the compat tier, run under /usr/bin/python3), golang-go and golang-github-shopify-sarama-dev
# (the Sarama Go client, built by the compat tier in GOPATH mode), chromium (Playwright
# drives it), ripgrep, libkrb5-dev and a C++ toolchain (code-server's native addons). The one place they are
# listed: npm test and scripts/setup-code-server.sh both call it. Installs the missing ones with apt when run as root;
# otherwise names them and fails, so a tier never silently skips.
set -euo pipefail
need=()
command -v kcat >/dev/null 2>&1 || need+=(kcat)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
for pkg in python3-kafka python3-confluent-kafka golang-go golang-github-shopify-sarama-dev; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
for tool in make g++ python3; do command -v "$tool" >/dev/null 2>&1 || { need+=(build-essential python3); break; }; done
[ ${#need[@]} -eq 0 ] && { echo "system packages: all present (kcat, python3-kafka, python3-confluent-kafka, golang-go, sarama, chromium, ripgrep, libkrb5-dev, build tools)"; exit 0; }
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}"
