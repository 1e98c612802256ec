"""Whether the tables another engine built equal DuckDB's, row for row and value for value.

Rows are compared as multisets (no engine promises an order without `order by`, and NULLs and
text sort differently across engines). Values are compared exactly, without a tolerance: a
decimal as its value (`Decimal('25.00') == Decimal('25.0')`; the scale of the column is
compared with the types), a double as the same double, dates and timestamps as such.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

# The five tables of SPEC §3: a difference in any of them fails the check.
CONTRACT_MARTS = (
    "sql_by_handover_monthly",
    "revenue_by_payment_monthly",
    "attribution_transition_monthly",
    "channel_economics_monthly",
    "plan_vs_fact_monthly",
)
# Every schema dbt builds, marts first; staging is views on both engines.
COMPARED_SCHEMAS = ("marts", "core", "intermediate", "staging", "seeds")

# (schema, table) -> (column names, rows)
Fetch = Callable[[str, str], tuple[list[str], list[tuple]]]


@dataclass
class TableComparison:
    schema: str
    table: str
    rows: int
    other_rows: int | None
    problems: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.problems

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    def line(self) -> str:
        verdict = "equal" if self.equal else "DIFFERENT"
        head = f"{verdict:9} {self.name} ({self.rows} rows"
        if self.other_rows is not None and self.other_rows != self.rows:
            head += f", {self.other_rows} on the other engine"
        head += ")"
        return "\n".join([head, *(f"          {p}" for p in self.problems)])


def canonical(value: object) -> object:
    """A value both engines' drivers can return, in one comparable, hashable form."""
    if isinstance(value, Decimal):
        # normalize() drops trailing zeros so that 25.00 and 25.0 are one value
        return ("number", value.normalize() if value else Decimal(0))
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("number", Decimal(value))
    if isinstance(value, float):
        return ("double", value)
    if isinstance(value, dt.datetime):
        return ("timestamp", value)
    if isinstance(value, dt.date):
        return ("date", value)
    return (type(value).__name__, value)


def _sort_key(row: tuple) -> tuple:
    return tuple((value is None, repr(value)) for value in row)


def compare_rows(
    schema: str,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple],
    other_columns: Sequence[str],
    other_rows: Iterable[tuple],
    show: int = 5,
) -> TableComparison:
    ours = Counter(tuple(canonical(v) for v in row) for row in rows)
    theirs = Counter(tuple(canonical(v) for v in row) for row in other_rows)
    result = TableComparison(schema, table, sum(ours.values()), sum(theirs.values()))
    if [c.lower() for c in columns] != [c.lower() for c in other_columns]:
        result.problems.append(f"columns differ: {list(columns)} vs {list(other_columns)}")
        return result
    only_ours = sorted((ours - theirs).elements(), key=_sort_key)
    only_theirs = sorted((theirs - ours).elements(), key=_sort_key)
    for label, missing in (("only on DuckDB", only_ours), ("only on the other", only_theirs)):
        for row in missing[:show]:
            shown = ", ".join(f"{c}={v[1]!r}" for c, v in zip(columns, row, strict=True))
            result.problems.append(f"{label}: {shown}")
        if len(missing) > show:
            result.problems.append(f"{label}: … {len(missing) - show} more")
    return result


def duckdb_tables(warehouse: Path, schemas: Sequence[str]) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in schemas)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_schema in ({placeholders})"
            " and table_type in ('BASE TABLE', 'VIEW')",
            list(schemas),
        ).fetchall()
    return sorted(tables, key=lambda t: (list(schemas).index(t[0]), t[1]))


def duckdb_fetch(warehouse: Path) -> Fetch:
    def fetch(schema: str, table: str) -> tuple[list[str], list[tuple]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            cursor = con.execute(f'select * from "{schema}"."{table}"')
            return [d[0] for d in cursor.description], cursor.fetchall()

    return fetch


def postgres_fetch(pg_connection) -> Fetch:
    def fetch(schema: str, table: str) -> tuple[list[str], list[tuple]]:
        with pg_connection.cursor() as cursor:
            cursor.execute(f'select * from "{schema}"."{table}"')
            return [d[0] for d in cursor.description], cursor.fetchall()

    return fetch


def spark_fetch(spark_session) -> Fetch:
    """Rows of a Spark table or view, timestamps as the naive UTC values DuckDB returns."""
    from orchestration.lib.engines.spark import naive_utc_columns

    def fetch(schema: str, table: str) -> tuple[list[str], list[tuple]]:
        frame = spark_session.table(f"`{schema}`.`{table}`")
        selected = naive_utc_columns(frame)
        return list(frame.columns), [tuple(row) for row in frame.selectExpr(*selected).collect()]

    return fetch


def compare_tables(
    tables: Iterable[tuple[str, str]], reference: Fetch, other: Fetch
) -> list[TableComparison]:
    """Each table fetched from DuckDB (`reference`) and from the other engine, compared."""
    results = []
    for schema, table in tables:
        columns, rows = reference(schema, table)
        try:
            other_columns, other_rows = other(schema, table)
        except Exception as exc:  # a table the other engine did not build is a difference
            result = TableComparison(schema, table, len(rows), None)
            result.problems.append(f"not readable on the other engine: {exc}".strip())
            results.append(result)
            continue
        results.append(compare_rows(schema, table, columns, rows, other_columns, other_rows))
    return results
