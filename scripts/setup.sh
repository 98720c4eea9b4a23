#!/usr/bin/env bash
# Creates .venv and installs the Python requirements (idempotent). Sourced by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
REQ=${1:-requirements.txt}
STAMP=".venv/.installed-$(sha1sum "$REQ" requirements.txt | sha1sum | cut -c1-12)"
if [ ! -f "$STAMP" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r "$REQ"
  touch "$STAMP"
fi
