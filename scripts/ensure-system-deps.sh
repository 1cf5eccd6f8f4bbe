#!/usr/bin/env bash
# The system toolchains and packages the test tiers need — the one place they are listed:
#   kcat (the librdkafka CLI users have; compat tier), chromium (Playwright drives it), ripgrep, libkrb5-dev and a
#   C++ toolchain (code-server's native addons), python3 with the venv module (the compat tier's Python clients
#   live in a venv from PyPI: scripts/ensure-python-clients.sh, called at the end), a JDK and Maven
#   (openjdk-17-jdk-headless, maven: the JVM tier), and Go at least as new as test/compat/go/go.mod's `go` line
#   (the compat tier builds its Sarama program as a Go module; the first suitable `go` on PATH or
#   /usr/local/go/bin/go; Debian's golang-go is installed only when no `go` is suitable and Debian's is new enough).
# npm test (scripts/test-all.mjs) and scripts/setup-code-server.sh both call it. Installs the missing Debian
# packages with apt when run as root; otherwise names them and fails. A toolchain apt cannot provide is named
# with how to get it, and fails: a tier never silently skips.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
need=()
command -v kcat >/dev/null 2>&1 || need+=(kcat)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
for tool in make g++; do command -v "$tool" >/dev/null 2>&1 || { need+=(build-essential); break; }; done
if ! command -v python3 >/dev/null 2>&1; then
  need+=(python3 python3-venv)
elif ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need+=(python3-venv)
fi
{ command -v java && command -v javac; } >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)

# Go: the version the Sarama module asks for, from the first candidate that has it
go_need="$(sed -n 's/^go[[:space:]]\+\([0-9.]\+\)[[:space:]]*$/\1/p' "$ROOT/test/compat/go/go.mod")"
[ -n "$go_need" ] || { echo "test/compat/go/go.mod has no go line" >&2; exit 1; }
ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
find_go() {
  local seen=() c v
  while IFS= read -r c; do
    [ -x "$c" ] || continue
    v="$(GOTOOLCHAIN=local "$c" env GOVERSION 2>/dev/null || true)"
    if [ -n "$v" ] && ver_ge "${v#go}" "$go_need"; then
      go_found="$c ($v)"
      return 0
    fi
    seen+=("$c (${v:-unknown version})")
  done < <({ type -ap go || true; echo /usr/local/go/bin/go; } | awk '!seen[$0]++')
  go_seen="$(printf '%s, ' "${seen[@]}")"
  go_seen="${go_seen%, }"
  [ ${#seen[@]} -gt 0 ] || go_seen="no go on PATH"
  return 1
}
go_found=""
go_seen=""
go_missing=""
if ! find_go; then
  debian_go="$(apt-cache policy golang-go 2>/dev/null | awk '/Candidate:/ {print $2}' | sed 's/^[0-9]*://; s/[~+-].*//')"
  if [ -n "$debian_go" ] && [ "$debian_go" != "(none)" ] && ver_ge "$debian_go" "$go_need"; then
    need+=(golang-go)
  else
    go_missing="Go >= $go_need (test/compat/go/go.mod, for github.com/IBM/sarama) is missing: found $go_seen; \
Debian's golang-go is ${debian_go:-not available} here, too old. Put Go >= $go_need first on PATH, e.g. the official \
linux tarball unpacked into /usr/local/go with PATH=/usr/local/go/bin:\$PATH"
  fi
fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing system packages: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
    [ -z "$go_missing" ] || echo "$go_missing" >&2
    exit 1
  fi
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
  [ -n "$go_missing" ] || [[ " ${need[*]} " != *" golang-go "* ]] || find_go || go_missing="Debian's golang-go installed but no Go >= $go_need found: $go_seen"
fi
[ -z "$go_missing" ] || { echo "$go_missing" >&2; exit 1; }
echo "system packages: all present (kcat, chromium, ripgrep, libkrb5-dev, build tools, python3 + venv, JDK, Maven; Go: $go_found)"

bash "$ROOT/scripts/ensure-python-clients.sh"
