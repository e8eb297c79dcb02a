#!/usr/bin/env bash
# Set up Sobre on a fresh machine: a virtual environment in .venv with the `sobre` command.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --dev    plus what the tests need (PostgreSQL server, Chromium, poppler-utils, dev packages)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Sobre needs Python >= 3.11")'

# Debian packages: WeasyPrint needs Pango; the tests need a PostgreSQL server, Chromium, pdftotext and Java.
need=()
ldconfig -p 2>/dev/null | grep -q libpangoft2 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "$dev" = 1 ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v pdftotext >/dev/null || need+=(poppler-utils)
  command -v java >/dev/null || need+=(openjdk-17-jre-headless)  # the Spark path of the ROT scan
  command -v rmlint >/dev/null || need+=(rmlint)  # the ROT benchmark compares with rmlint and fdupes
  command -v fdupes >/dev/null || need+=(fdupes)
  if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    need+=(postgresql)
  fi
  # Supervision's integration tests start their own Prometheus, node_exporter and Alertmanager.
  command -v prometheus >/dev/null || need+=(prometheus)
  command -v prometheus-node-exporter >/dev/null || need+=(prometheus-node-exporter)
  command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
  command -v smartctl >/dev/null || need+=(smartmontools)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Installing Prometheus and its exporters must not start them as system services: the tests start
    # their own on free ports.  policy-rc.d exit 101 tells Debian's maintainer scripts not to.
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    fi
    apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
    if [ -n "$policy" ]; then rm -f "$policy"; fi
  else
    echo "Please install these Debian packages: ${need[*]}" >&2
  fi
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
# Sobre's own modules compiled ahead (only those changed since): an environment that sets
# PYTHONDONTWRITEBYTECODE would otherwise compile them from source in every process (0.3 s of the web
# application's start).  A stale file is never used: Python checks each one against its source.
compile_sources() { .venv/bin/python -m compileall -q src >/dev/null; }
# A virtual environment already set up from this very pyproject.toml and script is left as it is: pip took
# 10-20 s to find that nothing needed installing. A change to either installs again (as does
# removing .venv/.sobre-setup). A --dev install also holds the runtime.
stamp=.venv/.sobre-setup
hash=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
installed=$(cat "$stamp" 2>/dev/null || true)
if [ "$installed" = "$dev $hash" ] || [ "$installed" = "1 $hash" ]; then
  compile_sources
  echo "Sobre is already installed: .venv/bin/sobre"
  exit 0
fi
rm -f "$stamp"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
if [ "$dev" = 1 ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
compile_sources
echo "$dev $hash" >"$stamp"
echo "Sobre is installed: .venv/bin/sobre"
