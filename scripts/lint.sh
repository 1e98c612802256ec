#!/usr/bin/env bash
# Lint Python (ruff check + format) and SQL (sqlfluff, dbt templater) in one go.
#   scripts/lint.sh          everything (what CI runs)
#   scripts/lint.sh --fix    apply the fixes ruff and sqlfluff know how to make
# Run from anywhere; uses the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
# macros are not linted on their own: the dbt templater lints them where models call them.
sql_paths=(models tests/dbt)
# The dbt templater opens a connection while compiling; lint never touches a real warehouse.
export ONEFUNNEL_CANDIDATE=:memory:
if [ "${1:-}" = "--fix" ]; then
    "$bin/ruff" check --fix orchestration tests
    "$bin/ruff" format orchestration tests
    "$bin/sqlfluff" fix --processes 2 "${sql_paths[@]}"
    exit 0
fi
status=0
"$bin/ruff" check orchestration tests || status=1
"$bin/ruff" format --check orchestration tests || status=1
# The whole project takes under a minute on two processes, so CI and local runs lint it all.
"$bin/sqlfluff" lint --processes 2 --disable-progress-bar --nocolor "${sql_paths[@]}" || status=1
exit "$status"
