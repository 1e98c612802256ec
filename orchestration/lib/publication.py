"""Write-audit-publish on DuckDB files.

Every step of a run writes the candidate file. Publication copies the published schemas of a
validated candidate into a fresh file beside the warehouse and renames it over the published
one: a rename is atomic, so a reader that opens the warehouse read-only sees either the
previous complete set or the new one, never a half-written file, and the pipeline never holds
a lock on the file readers open. The set it replaces stays as `<warehouse>.previous.duckdb`
(a hard link, so keeping it costs no copy) for `onefunnel rollback`.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# What readers get: the published marts and the facts they are built from. Raw landing rows and
# staging (where contact details still live) stay in the candidate.
PUBLISHED_SCHEMAS = ("marts", "core")

PUBLICATION_DDL = """
create table audit.publication (
    run_id varchar,
    published_at timestamp,
    as_of date,
    timezone varchar,
    base_currency varchar,
    landing varchar,
    tables varchar
)
"""


class PublicationError(RuntimeError):
    """Publication refused or impossible; the published warehouse is untouched."""


@dataclass(frozen=True)
class PublicationRecord:
    run_id: str
    as_of: str
    timezone: str
    base_currency: str
    landing: str


def publication_row(record: PublicationRecord, tables: list[str]) -> list:
    """The values of the one row of `audit.publication` (PUBLICATION_DDL's columns)."""
    return [
        record.run_id,
        datetime.now(UTC).replace(tzinfo=None),
        record.as_of,
        record.timezone,
        record.base_currency,
        record.landing,
        json.dumps(tables),
    ]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_database_file(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _copy_published_schemas(con: duckdb.DuckDBPyConnection) -> list[str]:
    tables = con.execute(
        "select table_schema, table_name, table_type from information_schema.tables"
        " where table_catalog = 'candidate' and table_schema in"
        f" ({', '.join('?' for _ in PUBLISHED_SCHEMAS)})"
        " order by table_schema, table_name",
        list(PUBLISHED_SCHEMAS),
    ).fetchall()
    copied = []
    for schema in PUBLISHED_SCHEMAS:
        con.execute(f'create schema if not exists "{schema}"')
    for schema, table, table_type in tables:
        if table_type != "BASE TABLE":
            raise PublicationError(
                f"{schema}.{table} is a {table_type.lower()}: published relations must be tables"
            )
        con.execute(
            f'create table "{schema}"."{table}" as select * from candidate."{schema}"."{table}"'
        )
        copied.append(f"{schema}.{table}")
    return copied


def publish(
    candidate: Path,
    warehouse: Path,
    previous: Path,
    record: PublicationRecord,
    check_results: list[dict],
) -> list[str]:
    """Publish the candidate's marts and facts as `warehouse`; return the tables published.

    `check_results` (one dict per check evaluated on the candidate) are published with the
    marts in `audit.check_results`, so a reader can see what the numbers passed.
    """
    if not candidate.exists():
        raise PublicationError(f"no candidate warehouse at {candidate}: run the pipeline first")
    staging = warehouse.with_name(f".{warehouse.name}.publishing")
    _remove_database_file(staging)
    try:
        with duckdb.connect(str(staging)) as con:
            con.execute("attach ? as candidate (read_only)", [str(candidate)])
            tables = _copy_published_schemas(con)
            if not any(name.startswith("marts.") for name in tables):
                raise PublicationError(f"the candidate {candidate} holds no marts")
            con.execute("detach candidate")
            con.execute("create schema audit")
            con.execute(PUBLICATION_DDL)
            con.execute(
                "insert into audit.publication values (?, ?, ?, ?, ?, ?, ?)",
                publication_row(record, tables),
            )
            _write_check_results(con, check_results)
            con.execute("checkpoint")
            parquet_set = _export_parquet(con, warehouse, record.run_id, tables)
        _fsync(staging)
        if warehouse.exists():
            _link_over(warehouse, previous)
        os.replace(staging, warehouse)
        _fsync(warehouse.parent)
        _publish_parquet(warehouse, parquet_set)
    finally:
        _remove_database_file(staging)
    return tables


def parquet_dir(warehouse: Path, *, previous: bool = False) -> Path:
    """The published marts as Parquet files, one per mart, for tools that read files."""
    stem = warehouse.name.removesuffix(warehouse.suffix)
    return warehouse.with_name(stem + (".previous.parquet" if previous else ".parquet"))


def _parquet_sets(warehouse: Path) -> Path:
    return warehouse.with_name(f".{parquet_dir(warehouse).name}-sets")


def _export_parquet(con: duckdb.DuckDBPyConnection, warehouse: Path, run_id: str, tables) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = _parquet_sets(warehouse) / f"{stamp}-{run_id[:8]}"
    target.mkdir(parents=True)
    for name in tables:
        schema, table = name.split(".")
        if schema == "marts":
            path = str(target / f"{table}.parquet").replace("'", "''")
            con.execute(f'copy "{schema}"."{table}" to \'{path}\' (format parquet)')
    return target


def _point(link: Path, target: Path) -> None:
    """Make `link` a symlink to `target` (relative, beside it), replacing it atomically."""
    temporary = link.with_name(f".{link.name}.linking")
    temporary.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, link.parent), temporary)
    os.replace(temporary, link)


def _publish_parquet(warehouse: Path, parquet_set: Path) -> None:
    # The folder readers open is a symlink switched in one rename, like the DuckDB file: a
    # reader lists either the previous set of files or the new one.
    current, previous = parquet_dir(warehouse), parquet_dir(warehouse, previous=True)
    replaced = current.resolve() if current.is_symlink() else None
    _point(current, parquet_set)
    if replaced is not None and replaced.exists():
        _point(previous, replaced)
    keep = {parquet_set.resolve(), previous.resolve() if previous.is_symlink() else None}
    for old in _parquet_sets(warehouse).iterdir():
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


# One check result as the candidate records it (with its run id) and the published set carries
# it (the run is in audit.publication): the same columns in both places.
CHECK_RESULT_COLUMNS = (
    ("check_name", "varchar"),
    ("asset", "varchar"),
    ("passed", "boolean"),
    ("severity", "varchar"),
    ("blocking", "boolean"),
    ("offending_rows", "bigint"),
    ("failed_expectations", "varchar"),
    ("examples", "varchar"),
    ("evaluated_at", "timestamp"),
)


def check_results_ddl(*leading: tuple[str, str]) -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in (*leading, *CHECK_RESULT_COLUMNS))
    return f"create table if not exists audit.check_results ({columns})"


def insert_check_results(con: duckdb.DuckDBPyConnection, results: list[dict], *leading) -> None:
    """Insert `results` (dicts keyed by column) after the `leading` values of each row."""
    if not results:
        return
    names = [name for name, _ in CHECK_RESULT_COLUMNS]
    marks = ", ".join("?" for _ in range(len(leading) + len(names)))
    con.executemany(
        f"insert into audit.check_results values ({marks})",
        [[*leading, *(r[name] for name in names)] for r in results],
    )


def _write_check_results(con: duckdb.DuckDBPyConnection, results: list[dict]) -> None:
    con.execute(check_results_ddl())
    insert_check_results(con, results)


def set_aside_unreadable_candidate(candidate: Path) -> Path | None:
    """Move a candidate DuckDB cannot open out of the way; return where it went.

    The candidate is rebuilt by every run, so a file an interrupted run left in a state DuckDB
    cannot recover is worth keeping for a look, never worth failing the next run over.
    """
    if not candidate.exists():
        return None
    try:
        with duckdb.connect(str(candidate)) as con:
            con.execute("select count(*) from information_schema.tables").fetchone()
        return None
    except duckdb.Error:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = candidate.with_name(f"{candidate.name}.damaged-{stamp}")
        os.replace(candidate, aside)
        wal = candidate.with_name(candidate.name + ".wal")
        if wal.exists():
            os.replace(wal, aside.with_name(aside.name + ".wal"))
        return aside


def _link_over(source: Path, target: Path) -> None:
    """Make `target` another name of `source`, replacing whatever `target` was, atomically."""
    temporary = target.with_name(f".{target.name}.linking")
    temporary.unlink(missing_ok=True)
    os.link(source, temporary)
    os.replace(temporary, target)


def rollback(warehouse: Path, previous: Path) -> None:
    """Swap the published set and the previous one; a second rollback undoes the first.

    The published name never disappears: readers see one set or the other throughout.
    """
    if not previous.exists():
        raise PublicationError(f"nothing to roll back to: {previous} does not exist")
    _swap_parquet(warehouse)
    if not warehouse.exists():
        os.replace(previous, warehouse)
        return
    current = warehouse.with_name(f".{warehouse.name}.rolling-back")
    current.unlink(missing_ok=True)
    os.link(warehouse, current)
    os.replace(previous, warehouse)
    os.replace(current, previous)
    _fsync(warehouse.parent)


def _swap_parquet(warehouse: Path) -> None:
    current, previous = parquet_dir(warehouse), parquet_dir(warehouse, previous=True)
    if current.is_symlink() and previous.is_symlink():
        current_target, previous_target = current.resolve(), previous.resolve()
        _point(current, previous_target)
        _point(previous, current_target)


def read_publication(warehouse: Path) -> dict | None:
    """The published set's record (run, as_of, settings), or None when nothing is published."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "select run_id, published_at, as_of, timezone, base_currency, landing"
            " from audit.publication"
        ).fetchone()
    keys = ("run_id", "published_at", "as_of", "timezone", "base_currency", "landing")
    return dict(zip(keys, row, strict=True)) if row else None
