#!/usr/bin/env bash
# Creates .venv and installs the Python requirements (idempotent). Sourced by run.sh and test.sh.
# constraints.txt pins every indirect dependency too, so a fresh machine installs exactly what
# the tests ran with; the install stamp changes whenever a requirements or constraints file does.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
REQ=${1:-requirements.txt}
STAMP=".venv/.installed-$(cat "$REQ" requirements.txt constraints.txt | sha1sum | cut -c1-12)"
if [ ! -f "$STAMP" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r "$REQ" -c constraints.txt
  touch "$STAMP"
fi
