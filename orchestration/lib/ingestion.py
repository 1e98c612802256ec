"""Landing files → `raw` schema of the DuckDB warehouse, bad rows → `raw.quarantine`.

Every row keeps the file it came from and its line (header = line 1; for Parquet the row
number from 1). Structurally broken CSV lines are caught by DuckDB's reject tables, bad values
by one SQL pass of checks; both end in quarantine with a reason, and the run goes on:
rows read = rows staged + rows quarantined. Replacement of re-sent records (a later file wins)
happens in staging, over the good rows only, so a quarantined row never replaces anything.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.lib.entities import Entity, Kind
from orchestration.lib.landing import (
    IngestionError,
    LandingFile,
    check_required_columns,
    discover,
    read_csv_header,
)

LINEAGE_COLUMNS = ("_landing_file", "_landing_line", "_landing_file_rank", "_loaded_at")

QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    entity varchar,
    landing_file varchar,
    landing_line bigint,
    column_name varchar,
    reason varchar,
    raw_text varchar,
    loaded_at timestamp
)
"""

INGESTION_LOG_DDL = """
create table if not exists raw.ingestion_log (
    entity varchar,
    files integer,
    rows_read bigint,
    rows_staged bigint,
    rows_quarantined bigint,
    rows_replaced bigint,
    records bigint,
    seconds double,
    loaded_at timestamp
)
"""

CSV_OPTIONS = "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"'"


@dataclass(frozen=True)
class EntityLoad:
    """What ingestion did with one entity; `rows_replaced` are good rows of a record that a
    later file (or a later line) sends again."""

    entity: str
    files: int
    rows_read: int
    rows_staged: int
    rows_quarantined: int
    rows_replaced: int
    records: int
    seconds: float


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _value_checks(entity: Entity, enum_values: dict[str, tuple[str, ...]]):
    """(column, reason, SQL condition that is true for a bad value), in reporting order."""
    for col in entity.columns:
        v = f"trim({quote_ident(col.name)})"
        if col.name in entity.key:
            yield col.name, "empty key", f"nullif({v}, '') is null"
        elif col.required:
            yield col.name, "missing required value", f"nullif({v}, '') is null"
        present = f"nullif({v}, '') is not null and "
        match col.kind:
            case Kind.TIMESTAMP:
                yield (
                    col.name,
                    "unparseable timestamp",
                    present + f"try_cast({v} as timestamptz) is null",
                )
            case Kind.DATE:
                yield (
                    col.name,
                    "unparseable date",
                    present + f"try_strptime({v}, '%Y-%m-%d') is null",
                )
            case Kind.MONTH:
                yield col.name, "unparseable month", present + f"try_strptime({v}, '%Y-%m') is null"
            case Kind.MONEY | Kind.RATE | Kind.DECIMAL:
                number = f"try_cast({v} as decimal(38, 10))"
                yield col.name, "unparseable number", present + f"{number} is null"
                if col.kind is Kind.MONEY:
                    yield col.name, "negative amount", f"{number} < 0"
                if col.kind is Kind.RATE:
                    yield col.name, "non-positive rate", f"{number} <= 0"
            case Kind.MICROS | Kind.COUNT:
                number = f"try_cast({v} as hugeint)"
                yield col.name, "unparseable whole number", present + f"{number} is null"
                yield (
                    col.name,
                    "negative amount" if col.kind is Kind.MICROS else "negative count",
                    (f"{number} < 0"),
                )
            case Kind.CURRENCY:
                yield (
                    col.name,
                    "invalid currency code",
                    (present + f"not regexp_full_match({v}, '[A-Za-z]{{3}}')"),
                )
            case Kind.ENUM:
                allowed = enum_values.get(col.name) or col.values
                listed = ", ".join(quote_literal(value) for value in allowed)
                yield (
                    col.name,
                    f"unknown {col.name} value",
                    present + f"lower({v}) not in ({listed})",
                )


def _read_files(con: duckdb.DuckDBPyConnection, entity: Entity, files: list[LandingFile]):
    """Read every file into temp table `landed` (all VARCHAR, with file and line) and the
    structurally broken CSV lines into temp table `malformed`."""
    headers: dict[tuple[str, tuple[str, ...]], list[LandingFile]] = defaultdict(list)
    for file in files:
        if file.format == "csv":
            header = read_csv_header(file)
        else:
            try:
                header = tuple(
                    row[0]
                    for row in con.execute(
                        "describe select * from read_parquet(?)", [str(file.path)]
                    ).fetchall()
                )
            except duckdb.Error as exc:
                raise IngestionError(f"{file.relative}: cannot be read as Parquet ({exc})") from exc
        check_required_columns(file, entity, header)
        headers[(file.format, header)].append(file)

    con.execute(
        "create or replace temp table landing_files (path varchar, relative varchar, rank integer)"
    )
    con.executemany(
        "insert into landing_files values (?, ?, ?)",
        [(str(f.path), f.relative, f.rank) for f in files],
    )
    con.execute(
        "create or replace temp table malformed (path varchar, line bigint, column_name varchar,"
        " reason varchar, raw_text varchar)"
    )
    parts = []
    for group, ((fmt, header), group_files) in enumerate(headers.items()):
        paths = "[" + ", ".join(quote_literal(str(f.path)) for f in group_files) + "]"
        table = f"landed_{group}"
        if fmt == "csv":
            _read_csv_group(con, table, paths, group)
        else:
            columns = ", ".join(
                f"cast({quote_ident(c)} as varchar) as {quote_ident(c)}" for c in header
            )
            try:
                con.execute(
                    f"create or replace temp table {table} as select {columns},"
                    " _landing_path, file_row_number + 1 as _landing_line"
                    f" from read_parquet({paths}, filename = '_landing_path', file_row_number = true)"
                )
            except duckdb.Error as exc:
                names = ", ".join(f.relative for f in group_files)
                raise IngestionError(f"{names}: cannot be read as Parquet ({exc})") from exc
        parts.append(f"select * from {table}")
    con.execute("create or replace temp table landed as " + " union all by name ".join(parts))
    for group in range(len(headers)):
        con.execute(f"drop table if exists landed_{group}")


def _read_csv_group(con: duckdb.DuckDBPyConnection, table: str, paths: str, group: int) -> None:
    rejects, scans = f"rejects_{group}", f"reject_scans_{group}"
    try:
        con.execute(
            f"create or replace temp table {table}_read as select * from read_csv({paths}, "
            f"{CSV_OPTIONS}, filename = '_landing_path', store_rejects = true, "
            f"rejects_table = '{rejects}', rejects_scan = '{scans}')"
        )
    except duckdb.Error as exc:
        raise IngestionError(f"cannot parse CSV {paths}: {exc}") from exc
    con.execute(
        f"""
        insert into malformed
        select s.file_path, r.line,
            string_agg(distinct r.column_name, ', ' order by r.column_name),
            'malformed line: ' || lower(cast(min(r.error_type) as varchar)),
            min(r.csv_line)
        from {rejects} as r
        join {scans} as s on s.scan_id = r.scan_id and s.file_id = r.file_id
        group by s.file_path, r.line
        """
    )
    # DuckDB keeps the file order of rows in a table it creates, so rowid is the record's
    # position among the good records of its file; the lines of rejected records in between
    # are added back to reach the line number in the file.
    con.execute(
        f"""
        create or replace temp table {table} as
        with numbered as (
            select *, row_number() over (partition by _landing_path order by rowid) + 1 as _good_line
            from {table}_read
        ),
        rejected as (
            select path, line - row_number() over (partition by path order by line) + 1 as first_good_line_after,
                row_number() over (partition by path order by line) as rejected_before
            from malformed
        ),
        rejected_steps as (
            select path, first_good_line_after, max(rejected_before) as rejected_before
            from rejected group by all
        )
        select numbered.* exclude (_good_line),
            numbered._good_line + coalesce(rejected_steps.rejected_before, 0) as _landing_line
        from numbered
        asof left join rejected_steps
            on numbered._landing_path = rejected_steps.path
            and numbered._good_line >= rejected_steps.first_good_line_after
        """
    )
    con.execute(f"drop table {table}_read")
    con.execute(f"drop table if exists {rejects}")
    con.execute(f"drop table if exists {scans}")


def load_entity(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    entity: Entity,
    enum_values: dict[str, tuple[str, ...]] | None = None,
    loaded_at: datetime | None = None,
) -> EntityLoad:
    """Replace `raw.<source>__<entity>` with the good rows of every landing file of the entity
    and its quarantine rows with the bad ones."""
    started = time.perf_counter()
    loaded_at = (loaded_at or datetime.now(UTC)).replace(tzinfo=None)
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema if not exists raw")
    con.execute(QUARANTINE_DDL)
    con.execute(INGESTION_LOG_DDL)
    files = discover(landing, entity)
    target = f"raw.{quote_ident(entity.table)}"
    spec_columns = [c.name for c in entity.columns]

    if not files:
        if not entity.optional:
            raise IngestionError(
                f"{entity.path}: no landing file (expected {entity.path}.csv, "
                f"{entity.path}.parquet or a folder {entity.path}/ of them)"
            )
        columns = ", ".join(f"{quote_ident(c)} varchar" for c in spec_columns)
        con.execute(
            f"create or replace table {target} ({columns}, _landing_file varchar,"
            " _landing_line bigint, _landing_file_rank integer, _loaded_at timestamp)"
        )
        load = EntityLoad(entity.path, 0, 0, 0, 0, 0, 0, time.perf_counter() - started)
        _record(con, entity, load, loaded_at)
        return load

    _read_files(con, entity, files)
    rows_read = con.execute(
        "select (select count(*) from landed) + (select count(*) from malformed)"
    ).fetchone()[0]
    landed_columns = [row[0] for row in con.execute("describe landed").fetchall()]
    extra_columns = [
        c
        for c in landed_columns
        if c not in spec_columns and c not in ("_landing_path", "_landing_line")
    ]

    checks = list(_value_checks(entity, enum_values or {}))
    bad_column = (
        "case "
        + " ".join(
            f"when {condition} then {quote_literal(column)}" for column, _, condition in checks
        )
        + " end"
    )
    bad_reason = (
        "case "
        + " ".join(
            f"when {condition} then {quote_literal(reason)}" for _, reason, condition in checks
        )
        + " end"
    )
    select_columns = ", ".join(
        quote_ident(c) if c in landed_columns else f"cast(null as varchar) as {quote_ident(c)}"
        for c in [*spec_columns, *extra_columns]
    )
    con.execute(
        f"""
        create or replace temp table checked as
        select {select_columns},
            landing_files.relative as _landing_file,
            landed._landing_line,
            landing_files.rank as _landing_file_rank,
            {bad_column} as _bad_column,
            {bad_reason} as _bad_reason,
            landed._landing_path
        from landed
        join landing_files on landing_files.path = landed._landing_path
        """
    )
    key_columns = ", ".join(f"trim({quote_ident(c)})" for c in entity.key)
    con.execute(
        f"""
        create or replace table {target} as
        select * exclude (_bad_column, _bad_reason, _landing_path),
            cast({quote_literal(loaded_at.isoformat(sep=" "))} as timestamp) as _loaded_at
        from checked
        where _bad_column is null
        order by _landing_file_rank, _landing_line
        """
    )
    record_columns = ", ".join(
        f"{quote_literal(c)}: {quote_ident(c)}" for c in [*spec_columns, *extra_columns]
    )
    con.execute("delete from raw.quarantine where entity = ?", [entity.path])
    con.execute(
        f"""
        insert into raw.quarantine
        select ?, _landing_file, _landing_line, _bad_column, _bad_reason,
            cast(to_json({{{record_columns}}}) as varchar), ?
        from checked where _bad_column is not null
        union all
        select ?, landing_files.relative, malformed.line, malformed.column_name,
            malformed.reason, malformed.raw_text, ?
        from malformed join landing_files on landing_files.path = malformed.path
        """,
        [entity.path, loaded_at, entity.path, loaded_at],
    )
    rows_staged, records = con.execute(
        f"select count(*), count(distinct ({key_columns})) from {target}"
    ).fetchone()
    rows_quarantined = con.execute(
        "select count(*) from raw.quarantine where entity = ?", [entity.path]
    ).fetchone()[0]
    for table in ("landed", "checked", "malformed", "landing_files"):
        con.execute(f"drop table if exists {table}")
    load = EntityLoad(
        entity=entity.path,
        files=len(files),
        rows_read=rows_read,
        rows_staged=rows_staged,
        rows_quarantined=rows_quarantined,
        rows_replaced=rows_staged - records,
        records=records,
        seconds=time.perf_counter() - started,
    )
    _record(con, entity, load, loaded_at)
    return load


def _record(con: duckdb.DuckDBPyConnection, entity: Entity, load: EntityLoad, loaded_at) -> None:
    con.execute("delete from raw.ingestion_log where entity = ?", [entity.path])
    con.execute(
        "insert into raw.ingestion_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load.entity,
            load.files,
            load.rows_read,
            load.rows_staged,
            load.rows_quarantined,
            load.rows_replaced,
            load.records,
            load.seconds,
            loaded_at,
        ],
    )
