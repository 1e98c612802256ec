"""Landing files → `raw` schema of the DuckDB warehouse, bad rows → `raw.quarantine`.

Every row keeps the file it came from and its line (header = line 1; for Parquet the row
number from 1). A daily run reads only the files it has not loaded before: `raw.landing_files`
records each loaded file with its checksum, and an entity whose loaded files all stand unchanged
gets its new files appended. A changed or removed file, a new file that sorts before a loaded
one (and so would not replace it), or changed row rules reload the entity from all its files. Structurally broken CSV lines are caught by DuckDB's reject tables, bad values
by one SQL pass of checks; both end in quarantine with a reason, and the run goes on:
rows read = rows staged + rows quarantined. Replacement of re-sent records (a later file wins)
happens in staging, over the good rows only, so a quarantined row never replaces anything.
"""

from __future__ import annotations

import codecs
import hashlib
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
    mode varchar,
    reason varchar,
    files_read integer,
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

# One row per landing file whose rows are in raw, so a later run can tell what is new.
LANDING_FILES_DDL = """
create table if not exists raw.landing_files (
    entity varchar,
    landing_file varchar,
    bytes bigint,
    sha256 varchar,
    rows_read bigint,
    rules varchar,
    loaded_at timestamp
)
"""

FULL, APPENDED, UNCHANGED = "full", "appended", "unchanged"

CSV_OPTIONS = "all_varchar = true, header = true, quote = '\"', escape = '\"'"


@dataclass(frozen=True)
class EntityLoad:
    """What ingestion did with one entity; `rows_replaced` are good rows of a record that a
    later file (or a later line) sends again. Counts cover every file of the entity in raw;
    `files_read` are those read in this load, `mode` says how (full, appended, unchanged)."""

    entity: str
    mode: str
    reason: str
    files_read: int
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
) -> list[str]:
    """Read every file into temp tables (all VARCHAR, with the file's path), one per layout, and
    the structurally broken CSV lines into temp table `malformed`; temp view `landed` shows
    every row read with its line. Returns the names of the tables read.

    Files are read in groups of the same layout: CSV by header and delimiter, Parquet by
    column names and types (DuckDB reads a list of Parquet files with the first one's types).
    A CSV file in another encoding is read from a UTF-8 copy in `scratch`. Rows are copied
    once, when read: line numbers, checks and the write to raw are computed over that copy."""
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
    con.execute(
        "insert into landing_files select unnest(?), unnest(?), unnest(?)",
        [[read_paths[f] for f in files], [f.relative for f in files], [f.rank for f in files]],
    )
    con.execute(
        "create or replace temp table malformed (path varchar, line bigint, column_name varchar,"
        " reason varchar, raw_text varchar)"
    )
    views, tables = [], []
    for group, (layout, group_files) in enumerate(groups.items()):
        view = f"landed_{group}"
        paths = {f: read_paths[f] for f in group_files}
        if layout[0] == "csv":
            _read_csv_group(con, view, paths, layout[2], group)
        else:
            _read_parquet_group(con, view, paths, layout[1])
        views.append(f"select * from {view}")
        tables.append(f"{view}_read")
    con.execute("create or replace temp view landed as " + " union all by name ".join(views))
    return tables


def _read_parquet_group(
    con: duckdb.DuckDBPyConnection, table: str, paths: dict[LandingFile, str], schema: tuple
) -> None:
    columns = ", ".join(
        f"cast({quote_ident(name)} as varchar) as {quote_ident(name)}" for name, _ in schema
    )
    _create_or_name_the_file(
        con,
        lambda listed: (
            f"create or replace temp table {table}_read as select {columns},"
            " _landing_path, file_row_number + 1 as _landing_line"
            f" from read_parquet({listed}, filename = '_landing_path', file_row_number = true)"
        ),
        paths,
        "cannot be read as Parquet",
    )
    con.execute(f"create or replace temp view {table} as select * from {table}_read")


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
    _number_lines(con, table, group)
    con.execute(f"drop table if exists {rejects}")
    con.execute(f"drop table if exists {scans}")


def _number_lines(con: duckdb.DuckDBPyConnection, table: str, group: int) -> None:
    """Temp view `table`: the rows of `{table}_read` with the line each came from.

    DuckDB keeps the file order of rows in a table it creates, so a row's position among the
    good records of its file is its rowid less the file's first; the lines of rejected records
    in between are added back to reach the line number in the file (header = line 1)."""
    offsets, steps = f"line_offsets_{group}", f"rejected_steps_{group}"
    con.execute(
        f"""
        create or replace temp table {offsets} as
        select _landing_path, min(rowid) as first_rowid,
            max(rowid) - min(rowid) + 1 = count(*) as contiguous
        from {table}_read group by _landing_path
        """
    )
    contiguous = con.execute(f"select coalesce(bool_and(contiguous), true) from {offsets}")
    read = f"{table}_read"
    if contiguous.fetchone()[0]:
        good_line = f"{read}.rowid - {offsets}.first_rowid + 2"
    else:  # not seen, but then the position is counted rather than assumed
        good_line = (
            f"row_number() over (partition by {read}._landing_path order by {read}.rowid) + 1"
        )
    con.execute(
        f"""
        create or replace temp table {steps} as
        with rejected as (
            select path, line - row_number() over (partition by path order by line) + 1 as first_good_line_after,
                row_number() over (partition by path order by line) as rejected_before
            from malformed
        )
        select path, first_good_line_after, max(rejected_before) as rejected_before
        from rejected group by all
        """
    )
    con.execute(
        f"""
        create or replace temp view {table} as
        with numbered as (
            select {table}_read.*, {good_line} as _good_line
            from {table}_read
            join {offsets} on {offsets}._landing_path = {table}_read._landing_path
        )
        select numbered.* exclude (_good_line),
            numbered._good_line + coalesce({steps}.rejected_before, 0) as _landing_line
        from numbered
        asof left join {steps}
            on numbered._landing_path = {steps}.path
            and numbered._good_line >= {steps}.first_good_line_after
        """
    )


@dataclass(frozen=True)
class LoadPlan:
    """Which of an entity's landing files to read, and whether they replace or extend raw."""

    mode: str
    reason: str
    files: list[LandingFile]


def file_checksum(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def plan_load(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    files: list[LandingFile],
    checksums: dict[LandingFile, str],
    rules: str,
    incremental: bool,
) -> LoadPlan:
    """Append the files not loaded yet when that gives what reading every file would."""
    if not incremental:
        return LoadPlan(FULL, "full refresh asked for", files)
    target_exists = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'raw' and table_name = ?",
        [entity.table],
    ).fetchone()[0]
    loaded = dict(
        con.execute(
            "select landing_file, sha256 from raw.landing_files where entity = ?", [entity.path]
        ).fetchall()
    )
    loaded_rules = {
        row[0]
        for row in con.execute(
            "select distinct rules from raw.landing_files where entity = ?", [entity.path]
        ).fetchall()
    }
    if not target_exists or not loaded:
        return LoadPlan(FULL, "first load", files)
    if loaded_rules != {rules}:
        return LoadPlan(FULL, "row rules changed (stage map, columns or contact salt)", files)
    current = {f.relative: f for f in files}
    removed = sorted(set(loaded) - set(current))
    if removed:
        return LoadPlan(FULL, f"{removed[0]} was loaded before and is gone", files)
    changed = [name for name, checksum in loaded.items() if checksums[current[name]] != checksum]
    if changed:
        return LoadPlan(FULL, f"{sorted(changed)[0]} changed since it was loaded", files)
    new = [f for f in files if f.relative not in loaded]
    if not new:
        return LoadPlan(UNCHANGED, "no new file", [])
    last_loaded = max(loaded)
    if new[0].relative < last_loaded:
        # Its records would have to be replaced by those of later files already in raw.
        return LoadPlan(
            FULL, f"{new[0].relative} is new but sorts before {last_loaded}, loaded before", files
        )
    return LoadPlan(APPENDED, f"{len(new)} new file{'s' if len(new) > 1 else ''}", new)


def load_entity(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    entity: Entity,
    enum_values: dict[str, tuple[str, ...]] | None = None,
    loaded_at: datetime | None = None,
    pii_salt: str = "",
    incremental: bool = False,
) -> EntityLoad:
    """Load the good rows of the entity's landing files into `raw.<source>__<entity>` and the
    bad ones into `raw.quarantine`: all files, or with `incremental` only the files not loaded
    before when the files loaded before stand unchanged. Contact columns get a salted hash
    beside them (`email_hash`, …), the only form in which they go past staging."""
    started = time.perf_counter()
    loaded_at = (loaded_at or datetime.now(UTC)).replace(tzinfo=None)
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema if not exists raw")
    con.execute(QUARANTINE_DDL)
    _ensure_ingestion_log(con)
    con.execute(LANDING_FILES_DDL)
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
        con.execute("delete from raw.quarantine where entity = ?", [entity.path])
        con.execute("delete from raw.landing_files where entity = ?", [entity.path])
        load = EntityLoad(
            entity.path, FULL, "no landing file", files_read=0, files=0, rows_read=0,
            rows_staged=0, rows_quarantined=0, rows_replaced=0, records=0,
            seconds=time.perf_counter() - started,
        )  # fmt: skip
        _record(con, entity, load, loaded_at)
        return load

    checks = list(_value_checks(entity, enum_values or {}))
    checksums = {f: file_checksum(f.path) for f in files}
    rules = _rules_fingerprint(checks, pii_salt)
    plan = plan_load(con, entity, files, checksums, rules, incremental)
    columns = _read_and_check(con, entity, plan, checks) if plan.mode != UNCHANGED else ([], [])
    # The writes of one entity are one transaction: a run killed midway leaves raw, the
    # quarantine and the record of loaded files as the last complete load left them, so the
    # next run neither skips nor appends twice what this one read.
    con.execute("begin transaction")
    try:
        load = _write_and_count(
            con,
            entity,
            files,
            plan,
            checksums,
            checks,
            rules,
            columns,
            loaded_at,
            pii_salt,
            started,
        )
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
    return load


def _write_and_count(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    files: list[LandingFile],
    plan: LoadPlan,
    checksums: dict[LandingFile, str],
    checks: list[tuple[str, str, str]],
    rules: str,
    columns: tuple[list[str], list[str]],
    loaded_at: datetime,
    pii_salt: str,
    started: float,
) -> EntityLoad:
    target = f"raw.{quote_ident(entity.table)}"
    if plan.mode != UNCHANGED:
        _write_checked(con, entity, plan, target, *columns, checks, loaded_at, pii_salt)
        con.execute(
            """
            insert into raw.landing_files
            select $entity, loaded.relative, loaded.bytes, loaded.sha256,
                coalesce(read_counts.rows_read, 0), $rules, $loaded_at
            from (
                select unnest($relative) as relative, unnest($bytes) as bytes,
                    unnest($sha256) as sha256
            ) as loaded
            left join read_counts on read_counts.path = loaded.relative
            """,
            {
                "entity": entity.path,
                "relative": [f.relative for f in plan.files],
                "bytes": [f.path.stat().st_size for f in plan.files],
                "sha256": [checksums[f] for f in plan.files],
                "rules": rules,
                "loaded_at": loaded_at,
            },
        )
        _drop_scratch(con)
    key_columns = ", ".join(f"trim({quote_ident(c)})" for c in entity.key)
    rows_staged, records = con.execute(
        f"select count(*), count(distinct ({key_columns})) from {target}"
    ).fetchone()
    rows_quarantined = con.execute(
        "select count(*) from raw.quarantine where entity = ?", [entity.path]
    ).fetchone()[0]
    rows_read = con.execute(
        "select coalesce(sum(rows_read), 0) from raw.landing_files where entity = ?",
        [entity.path],
    ).fetchone()[0]
    load = EntityLoad(
        entity=entity.path,
        mode=plan.mode,
        reason=plan.reason,
        files_read=len(plan.files),
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


def _rules_fingerprint(checks: list[tuple[str, str, str]], pii_salt: str) -> str:
    """Rows judged or hashed by other rules must be loaded again: a digest of the checks and
    the contact salt (never the salt itself)."""
    digest = hashlib.sha256()
    for column, reason, condition in checks:
        digest.update(f"{column}\0{reason}\0{condition}\0".encode())
    digest.update(pii_salt.encode())
    return digest.hexdigest()[:16]


def _read_and_check(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    plan: LoadPlan,
    checks: list[tuple[str, str, str]],
) -> tuple[list[str], list[str]]:
    """Read `plan.files` (temp view `landed`), put the rows with a bad value into temp table
    `bad` with the first check each fails, and the per-file row counts into temp `read_counts`;
    return the columns read and those beyond the contract."""
    spec_columns = [c.name for c in entity.columns]
    with tempfile.TemporaryDirectory(prefix="onefunnel-landing-") as scratch:
        tables_read = _read_files(con, entity, plan.files, Path(scratch))
    paths_read = " union all ".join(f"select _landing_path as path from {t}" for t in tables_read)
    con.execute(
        f"""
        create or replace temp table read_counts as
        select landing_files.relative as path, count(*) as rows_read
        from ({paths_read} union all select path from malformed) as read_rows
        join landing_files on landing_files.path = read_rows.path
        group by landing_files.relative
        """
    )
    landed_columns = [row[0] for row in con.execute("describe landed").fetchall()]
    extra_columns = [
        c
        for c in landed_columns
        if c not in spec_columns and c not in ("_landing_path", "_landing_line")
    ]
    # A check of a column the files lack would judge NULLs, which pass every check.
    failed_check = " ".join(
        f"when {condition} then {number}"
        for number, (column, _, condition) in enumerate(checks, start=1)
        if column in landed_columns
    )
    failed_check = f"case {failed_check} end" if failed_check else "cast(null as integer)"
    record = ", ".join(
        f"{quote_literal(c)}: {_landed_value(c, landed_columns)}"
        for c in [*spec_columns, *extra_columns]
    )
    con.execute(
        f"""
        create or replace temp table bad as
        select _landing_path, _landing_line, _failed_check,
            cast(to_json({{{record}}}) as varchar) as raw_text
        from (select *, {failed_check} as _failed_check from landed) as landed
        where _failed_check is not null
        """
    )
    return landed_columns, extra_columns


def _landed_value(column: str, landed_columns: list[str]) -> str:
    if column in landed_columns:
        return f"landed.{quote_ident(column)}"
    return "cast(null as varchar)"


def _write_checked(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    plan: LoadPlan,
    target: str,
    landed_columns: list[str],
    extra_columns: list[str],
    checks: list[tuple[str, str, str]],
    loaded_at: datetime,
    pii_salt: str,
) -> None:
    """The rows of `landed` not in `bad` into raw (replacing the entity's rows, or after them
    when appending), the bad and malformed ones into the quarantine."""
    spec_columns = [c.name for c in entity.columns]
    hashes = "".join(f", {e}" for e in hash_expressions(entity.path, landed_columns))
    columns = ", ".join(
        f"{_landed_value(c, landed_columns)} as {quote_ident(c)}"
        for c in [*spec_columns, *extra_columns]
    )
    good_rows = f"""
        select {columns},
            landing_files.relative as _landing_file,
            landed._landing_line,
            landing_files.rank as _landing_file_rank{hashes},
            cast({quote_literal(loaded_at.isoformat(sep=" "))} as timestamp) as _loaded_at
        from landed
        join landing_files on landing_files.path = landed._landing_path
        anti join bad
            on bad._landing_path = landed._landing_path
            and bad._landing_line = landed._landing_line
    """
    parameters = {"salt": pii_salt} if "$salt" in hashes else None
    if plan.mode == APPENDED:
        # A column the new files bring (SPEC §1: extra columns are kept) is added first;
        # a column they lack stays NULL on their rows.
        present = {row[0] for row in con.execute(f"describe {target}").fetchall()}
        for column in extra_columns:
            if column not in present:
                con.execute(f"alter table {target} add column {quote_ident(column)} varchar")
        con.execute(f"insert into {target} by name {good_rows}", parameters)
    else:
        con.execute(f"create or replace table {target} as {good_rows}", parameters)
        con.execute("delete from raw.quarantine where entity = ?", [entity.path])
        con.execute("delete from raw.landing_files where entity = ?", [entity.path])
    check_columns = "[" + ", ".join(quote_literal(column) for column, _, _ in checks) + "]"
    check_reasons = "[" + ", ".join(quote_literal(reason) for _, reason, _ in checks) + "]"
    con.execute(
        f"""
        insert into raw.quarantine
        select ?, landing_files.relative, bad._landing_line,
            {check_columns}[bad._failed_check], {check_reasons}[bad._failed_check],
            bad.raw_text, ?
        from bad join landing_files on landing_files.path = bad._landing_path
        union all
        select ?, landing_files.relative, malformed.line, malformed.column_name,
            malformed.reason, malformed.raw_text, ?
        from malformed join landing_files on landing_files.path = malformed.path
        """,
        [entity.path, loaded_at, entity.path, loaded_at],
    )


# What one entity's load leaves on its connection, dropped when the load is written.
SCRATCH_TABLES = ("bad", "malformed", "landing_files", "read_counts")
SCRATCH_PREFIXES = ("landed_", "line_offsets_", "rejected_steps_")


def _drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    def scratch(name: str) -> bool:
        return name in SCRATCH_TABLES or name == "landed" or name.startswith(SCRATCH_PREFIXES)

    views = con.execute("select view_name from duckdb_views() where temporary").fetchall()
    for (view,) in views:
        if scratch(view):
            con.execute(f"drop view if exists {quote_ident(view)}")
    tables = con.execute("select table_name from duckdb_tables() where temporary").fetchall()
    for (table,) in tables:
        if scratch(table):
            con.execute(f"drop table if exists {quote_ident(table)}")


def _ensure_ingestion_log(con: duckdb.DuckDBPyConnection) -> None:
    """The log as this version writes it; a log of another shape (an older candidate) goes."""
    columns = [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'raw' and table_name = 'ingestion_log'"
            " order by ordinal_position"
        ).fetchall()
    ]
    if columns and columns[1:2] != ["mode"]:
        con.execute("drop table raw.ingestion_log")
    con.execute(INGESTION_LOG_DDL)


def _record(con: duckdb.DuckDBPyConnection, entity: Entity, load: EntityLoad, loaded_at) -> None:
    con.execute("delete from raw.ingestion_log where entity = ?", [entity.path])
    con.execute(
        "insert into raw.ingestion_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load.entity,
            load.mode,
            load.reason,
            load.files_read,
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
