#!/usr/bin/env bash
# Builds the models on another engine and checks that its marts equal DuckDB's, row for row.
#   scripts/test-engines.sh postgres|spark
# Both run `python -m orchestration.lib.engines <engine>`: the hand-computed landing set of
# tests/test_marts.py through the DuckDB pipeline, its raw tables loaded into the other engine,
# `dbt seed` + `dbt build --target <engine>`, every table compared.
# postgres: starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 (a free port, a temporary
# folder, removed on exit), then runs the check above; then the pytest tests of
# `onefunnel run --target postgres` (tests/test_postgres_target.py) against the same server,
# which must run: a skipped test fails the script. Needs the project's .venv with the postgres
# extra (created here when missing) and, when the PostgreSQL binaries are missing, root to
# install them from the Debian packages.
# spark: a local Spark inside the processes of the check (dbt-spark's `session` method), its
# warehouse and metastore in a temporary folder, removed on exit; then the pytest tests of
# `onefunnel run --target spark` (tests/test_spark_target.py), which must run: a skipped test
# fails the script. Needs the spark extra (installed here when missing) and Java 17 or later;
# without `java`, root installs Debian's openjdk-17-jre-headless.
set -euo pipefail
cd "$(dirname "$0")/.."

# The engine is set up when this is called: a test of FILE that still skips would pass CI
# without having run. Fails unless FILE's JUnit report REPORT ran tests and skipped none.
require_no_skips() {
    local report=$1 file=$2 engine=$3
    .venv/bin/python - "$report" "$file" "$engine" <<'PY'
import sys
import xml.etree.ElementTree as ElementTree

report, file, engine = sys.argv[1:]
suites = ElementTree.parse(report).getroot().iter("testsuite")
counts = [(int(s.get("tests", 0)), int(s.get("skipped", 0))) for s in suites]
ran, skipped = sum(c[0] for c in counts), sum(c[1] for c in counts)
if ran == 0 or skipped:
    sys.exit(f"{file}: {skipped} of {ran} tests skipped on {engine}")
PY
}
engine=${1:-}
case "$engine" in
    postgres | spark) ;;
    *)
        echo "usage: scripts/test-engines.sh postgres|spark" >&2
        exit 2
        ;;
esac

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi

if [ "$engine" = spark ]; then
    if ! command -v java >/dev/null 2>&1; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "Java is not installed: run as root, or apt-get install openjdk-17-jre-headless" >&2
            exit 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    fi
    # `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_392").
    java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)[.".].*/\1/p' | head -n 1)
    if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
        echo "Spark 4 needs Java 17 or later; found: $(java -version 2>&1 | head -n 1)" >&2
        exit 1
    fi
    if ! .venv/bin/python -c 'import dbt.adapters.spark, pyspark' 2>/dev/null; then
        .venv/bin/python -m pip install --quiet -e '.[dev,spark]'
    fi
    # Spark picks the address of the host name, which a fresh machine may not resolve.
    export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
    .venv/bin/python -m orchestration.lib.engines spark
    results=$(mktemp -d -t onefunnel-spark.XXXXXX)
    trap 'rm -rf "$results"' EXIT
    ONEFUNNEL_SPARK_TESTS=1 .venv/bin/python -m pytest -q -rs -p no:cacheprovider \
        tests/test_spark_target.py --junitxml="$results/spark-target.xml"
    require_no_skips "$results/spark-target.xml" tests/test_spark_target.py Spark
    exit 0
fi

if ! .venv/bin/python -c 'import dbt.adapters.postgres' 2>/dev/null; then
    .venv/bin/python -m pip install --quiet -e '.[dev,postgres]'
fi

pg_bin=${ONEFUNNEL_PG_BIN:-}
if [ -z "$pg_bin" ]; then
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "PostgreSQL is not installed: run as root, or apt-get install postgresql" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# The server refuses to run as root: as root, the cluster belongs to the `postgres` OS user.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    as_owner=(runuser -u postgres --)
fi

cluster=$(mktemp -d -t onefunnel-pg.XXXXXX)
chmod 755 "$cluster"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$cluster"
fi
stop_cluster() {
    if [ -f "$cluster/data/postmaster.pid" ]; then
        "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$cluster"
}
trap stop_cluster EXIT

port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_owner[@]}" "$pg_bin/initdb" -D "$cluster/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; exit 1; }
# A server time zone other than UTC on purpose: no model may depend on the session's zone.
"${as_owner[@]}" "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $cluster -c timezone=Asia/Kolkata -c fsync=off" start >/dev/null \
    || { cat "$cluster/server.log" >&2; exit 1; }
"${as_owner[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres onefunnel

export ONEFUNNEL_PG_HOST=127.0.0.1 ONEFUNNEL_PG_PORT=$port ONEFUNNEL_PG_USER=postgres
export ONEFUNNEL_PG_PASSWORD="" ONEFUNNEL_PG_DBNAME=onefunnel
.venv/bin/python -m orchestration.lib.engines postgres

.venv/bin/python -m pytest -q -rs -p no:cacheprovider tests/test_postgres_target.py \
    --junitxml="$cluster/postgres-target.xml"
require_no_skips "$cluster/postgres-target.xml" tests/test_postgres_target.py PostgreSQL
