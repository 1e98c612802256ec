#!/usr/bin/env bash
# Creates .venv when missing, installs the project into it, then runs the linters
# (scripts/lint.sh: ruff and sqlfluff), the tests, and the PostgreSQL lane (and in CI the Spark
# lane).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
scripts/lint.sh
# The report test opens the HTML in headless Chromium: in CI it must run, never skip.
if [ "${CI:-}" = "true" ] && ! command -v chromium >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/dbt parse --warn-error --quiet --profiles-dir . --project-dir .
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: failing" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    exit "$status"
fi
# The same models on PostgreSQL, their marts compared with DuckDB's (a throwaway server on
# 127.0.0.1; installed from Debian's packages when missing).
scripts/test-engines.sh postgres
# And on Spark, in CI: a local Spark in a temporary folder (pyspark and, as root, Java 17 are
# installed when missing). It takes minutes for a few dozen rows, each node being a Spark job,
# so a local run leaves it to `scripts/test-engines.sh spark`.
if [ "${CI:-}" = "true" ]; then
    scripts/test-engines.sh spark
fi
