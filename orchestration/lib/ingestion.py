"""Landing files → `raw` schema of the DuckDB warehouse, bad rows → `raw.quarantine`.

Every row keeps the file it came from and its line (header = line 1; for Parquet the row
number from 1). Structurally broken CSV lines are caught by DuckDB's reject tables, bad values
by one SQL pass of checks; both end in quarantine with a reason, and the run goes on:
rows read = rows staged + rows quarantined. Replacement of re-sent records (a later file wins)
happens in staging, over the good rows only, so a quarantined row never replaces anything.
"""

from __future__ import annotations

import codecs
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.lib.entities import Entity, Kind
from orchestration.lib.landing import (
    UTF8,
    IngestionError,
    LandingFile,
    check_header,
    discover,
    encoding_hint,
    read_csv_header,
)
from orchestration.lib.pii import hash_expressions

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

CSV_OPTIONS = "all_varchar = true, header = true, quote = '\"', escape = '\"'"


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


# Money, rates and plan values must stay below this many major units: enough for any real
# amount (a quadrillion), and small enough that converting at any real rate and summing stay
# within the warehouse's decimal(38, 6) instead of failing the run with an overflow.
AMOUNT_LIMIT = 10**15
ISO_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
# Whole numbers as exported: digits, or a float column's `12.0` (pandas writes those).
WHOLE_NUMBER = "[+-]?[0-9]+(\\.0*)?"


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
                # The date part must be YYYY-MM-DD: DuckDB would also take `2026/01/10`,
                # `epoch` or `infinity`, and day-first or month-first dates are ambiguous.
                yield (
                    col.name,
                    "unparseable timestamp",
                    present + f"(not regexp_matches({v}, '^{ISO_DATE}([T ]|$)')"
                    f" or try_cast({v} as timestamptz) is null)",
                )
            case Kind.DATE:
                yield (
                    col.name,
                    "unparseable date",
                    present + f"(not regexp_full_match({v}, '{ISO_DATE}')"
                    f" or try_strptime({v}, '%Y-%m-%d') is null)",
                )
            case Kind.MONTH:
                yield (
                    col.name,
                    "unparseable month",
                    present + f"(not regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}')"
                    f" or try_strptime({v}, '%Y-%m') is null)",
                )
            case Kind.MONEY | Kind.RATE | Kind.DECIMAL:
                number = f"try_cast({v} as decimal(38, 10))"
                # NaN and infinity read as doubles but are no amount; a finite number that
                # does not fit decimal(38, 10) is too large rather than unreadable.
                as_double = f"try_cast({v} as double)"
                yield (
                    col.name,
                    "unparseable number",
                    present + f"{number} is null and not coalesce(isfinite({as_double}), false)",
                )
                yield (
                    col.name,
                    "number out of range",
                    present + f"({number} is null or abs({number}) >= {AMOUNT_LIMIT})",
                )
                if col.kind is Kind.MONEY:
                    yield col.name, "negative amount", f"{number} < 0"
                if col.kind is Kind.RATE:
                    yield col.name, "non-positive rate", f"{number} <= 0"
            case Kind.MICROS | Kind.COUNT:
                # Staging casts these to bigint; a larger value would fail the run there.
                number = f"try_cast({v} as bigint)"
                yield (
                    col.name,
                    "unparseable whole number",
                    present + f"not regexp_full_match({v}, '{WHOLE_NUMBER}')",
                )
                yield col.name, "number out of range", present + f"{number} is null"
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


def _read_files(
    con: duckdb.DuckDBPyConnection, entity: Entity, files: list[LandingFile], scratch: Path
):
    """Read every file into temp table `landed` (all VARCHAR, with file and line) and the
    structurally broken CSV lines into temp table `malformed`.

    Files are read in groups of the same layout: CSV by header and delimiter, Parquet by
    column names and types (DuckDB reads a list of Parquet files with the first one's types).
    A CSV file in another encoding is read from a UTF-8 copy in `scratch`."""
    groups: dict[tuple, list[LandingFile]] = defaultdict(list)
    read_paths: dict[LandingFile, str] = {}
    for file in files:
        if file.format == "csv":
            utf8_path = None if file.encoding == UTF8 else _transcode(file, scratch)
            header = read_csv_header(file, utf8_path)
            check_header(file, entity, header.columns)
            groups[("csv", header.columns, header.delimiter)].append(file)
            read_paths[file] = str(utf8_path or file.path)
        else:
            schema = _parquet_schema(con, file)
            check_header(file, entity, tuple(name for name, _ in schema))
            groups[("parquet", schema)].append(file)
            read_paths[file] = str(file.path)

    con.execute(
        "create or replace temp table landing_files (path varchar, relative varchar, rank integer)"
    )
    con.executemany(
        "insert into landing_files values (?, ?, ?)",
        [(read_paths[f], f.relative, f.rank) for f in files],
    )
    con.execute(
        "create or replace temp table malformed (path varchar, line bigint, column_name varchar,"
        " reason varchar, raw_text varchar)"
    )
    parts = []
    for group, (layout, group_files) in enumerate(groups.items()):
        table = f"landed_{group}"
        paths = {f: read_paths[f] for f in group_files}
        if layout[0] == "csv":
            _read_csv_group(con, table, paths, layout[2], group)
        else:
            _read_parquet_group(con, table, paths, layout[1])
        parts.append(f"select * from {table}")
    con.execute("create or replace temp table landed as " + " union all by name ".join(parts))
    for group in range(len(groups)):
        con.execute(f"drop table if exists landed_{group}")


def _read_parquet_group(
    con: duckdb.DuckDBPyConnection, table: str, paths: dict[LandingFile, str], schema: tuple
) -> None:
    columns = ", ".join(
        f"cast({quote_ident(name)} as varchar) as {quote_ident(name)}" for name, _ in schema
    )
    _create_or_name_the_file(
        con,
        lambda listed: (
            f"create or replace temp table {table} as select {columns},"
            " _landing_path, file_row_number + 1 as _landing_line"
            f" from read_parquet({listed}, filename = '_landing_path', file_row_number = true)"
        ),
        paths,
        "cannot be read as Parquet",
    )


def _parquet_schema(con: duckdb.DuckDBPyConnection, file: LandingFile) -> tuple:
    try:
        rows = con.execute("describe select * from read_parquet(?)", [str(file.path)]).fetchall()
    except duckdb.Error as exc:
        raise IngestionError(
            f"{file.relative}: cannot be read as Parquet ({_first_line(exc, file.path, file)})"
        ) from exc
    return tuple((row[0], row[1]) for row in rows)


def _transcode(file: LandingFile, scratch: Path) -> Path:
    """A UTF-8 copy of a CSV file in its declared encoding, decoded in 1 MiB chunks."""
    target = scratch / f"{file.rank}.csv"
    decoder = codecs.getincrementaldecoder(file.encoding)(errors="strict")
    offset = 0
    with file.path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as copy:
        try:
            while chunk := source.read(1 << 20):
                copy.write(decoder.decode(chunk))
                offset += len(chunk)
            copy.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise IngestionError(
                f"{file.relative}: not valid {file.encoding} text ({exc.reason} at byte "
                f"{offset + exc.start}), though {file.encoding} is declared for it"
            ) from exc
    return target


def _first_line(exc: Exception, read_path, file: LandingFile) -> str:
    """DuckDB's message, first line only, with the file named as people know it."""
    return str(exc).strip().splitlines()[0].replace(str(read_path), file.relative)


def _create_or_name_the_file(
    con: duckdb.DuckDBPyConnection,
    sql: Callable[[str], str],
    paths: dict[LandingFile, str],
    problem: str,
) -> None:
    """Run `sql(paths)` over the group's files; when DuckDB cannot read them, find the file to name
    by reading each alone (the group's message names at most a path DuckDB chose)."""
    listed = "[" + ", ".join(quote_literal(p) for p in paths.values()) + "]"
    try:
        con.execute(sql(listed))
        return
    except duckdb.Error as exc:
        error = exc
    if len(paths) > 1:
        for file, path in paths.items():
            try:
                con.execute(sql(quote_literal(path)))
            except duckdb.Error as exc:
                raise IngestionError(
                    f"{file.relative}: {problem} ({_first_line(exc, path, file)})"
                ) from exc
    message = str(error).strip().splitlines()[0]
    for file, path in paths.items():
        message = message.replace(path, file.relative)
    names = ", ".join(f.relative for f in paths)
    raise IngestionError(f"{names}: {problem} ({message})") from error


def _read_csv_group(
    con: duckdb.DuckDBPyConnection,
    table: str,
    paths: dict[LandingFile, str],
    delimiter: str,
    group: int,
) -> None:
    rejects, scans = f"rejects_{group}", f"reject_scans_{group}"
    con.execute(f"drop table if exists {rejects}")
    con.execute(f"drop table if exists {scans}")
    _create_or_name_the_file(
        con,
        lambda listed: (
            f"create or replace temp table {table}_read as select * from read_csv({listed}, "
            f"{CSV_OPTIONS}, delim = {quote_literal(delimiter)}, filename = '_landing_path', "
            f"store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{scans}')"
        ),
        paths,
        "cannot be parsed as CSV",
    )
    # Bytes that are not UTF-8 mean the whole file is in another encoding (or damaged):
    # quarantining only the lines that happen to hold such bytes would stage the rest
    # without them, so the file is refused instead.
    invalid = con.execute(
        f"""
        select s.file_path, min(r.line)
        from {rejects} as r
        join {scans} as s on s.scan_id = r.scan_id and s.file_id = r.file_id
        where cast(r.error_type as varchar) = 'INVALID ENCODING'
        group by s.file_path order by s.file_path limit 1
        """
    ).fetchone()
    if invalid:
        file = next(f for f, path in paths.items() if path == invalid[0])
        raise IngestionError(
            f"{file.relative}: not valid UTF-8 text (line {invalid[1]}){encoding_hint(file)}"
        )
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
    pii_salt: str = "",
) -> EntityLoad:
    """Replace `raw.<source>__<entity>` with the good rows of every landing file of the entity
    and its quarantine rows with the bad ones. Contact columns get a salted hash beside them
    (`email_hash`, …), the only form in which they go past staging."""
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

    with tempfile.TemporaryDirectory(prefix="onefunnel-landing-") as scratch:
        _read_files(con, entity, files, Path(scratch))
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
    hashes = "".join(f", {e}" for e in hash_expressions(entity.path, landed_columns))
    con.execute(
        f"""
        create or replace table {target} as
        select * exclude (_bad_column, _bad_reason, _landing_path){hashes},
            cast({quote_literal(loaded_at.isoformat(sep=" "))} as timestamp) as _loaded_at
        from checked
        where _bad_column is null
        order by _landing_file_rank, _landing_line
        """,
        {"salt": pii_salt} if "$salt" in hashes else None,
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
