"""`onefunnel`: run the daily pipeline, generate a landing directory, or do both as a demo."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from orchestration.lib.docs import DocsError
from orchestration.lib.olist import OlistError
from orchestration.lib.publication import PublicationError
from orchestration.lib.quality.runner import data_docs_index
from orchestration.lib.run_lock import RunLockedError
from orchestration.lib.settings import Settings, SettingsError, parse_as_of
from orchestration.lib.targets import TARGETS, TargetUnavailable, load_target

DEMO_DIR = Path("data")
# exit status of a run that found another run writing the same warehouse
BUSY = 3
# full loads nobody needs to be told about
ROUTINE_FULL_LOADS = ("first load", "full refresh asked for", "no landing file")

RUN_EXAMPLES = """examples:
  onefunnel run --landing data/landing --warehouse data/warehouse.duckdb
  onefunnel run --landing exports/ --warehouse wh.duckdb --timezone Europe/Moscow --as-of 2026-10-31
  ONEFUNNEL_LANDING=exports/ ONEFUNNEL_WAREHOUSE=wh.duckdb onefunnel run
  ONEFUNNEL_PG_HOST=db.internal ONEFUNNEL_PG_DBNAME=onefunnel onefunnel run --target postgres \\
      --landing exports/ --warehouse work/wh.duckdb
  onefunnel run --target spark --landing exports/ --warehouse wh.duckdb
"""
GENERATE_EXAMPLES = """examples:
  onefunnel generate --out data/landing
  onefunnel generate --out /tmp/big --leads 1000000 --months 12 --seed 8
"""
IMPORT_EXAMPLES = """examples:
  onefunnel import olist --from ../shared/datasets/olist_marketing_funnel --out data/olist
  onefunnel run --landing data/olist --warehouse data/olist.duckdb --as-of 2018-12-31 \\
      --base-currency BRL
"""


def _settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timezone", help="reporting time zone (env ONEFUNNEL_TIMEZONE; UTC)")
    parser.add_argument(
        "--base-currency", help="currency of every money column (env ONEFUNNEL_BASE_CURRENCY; USD)"
    )
    parser.add_argument(
        "--as-of",
        help="reporting date YYYY-MM-DD; later data is ignored (env ONEFUNNEL_AS_OF; today)",
    )


def _target_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        help=f"where dbt builds and the marts are published: {', '.join(TARGETS)} "
        "(env ONEFUNNEL_TARGET; duckdb). PostgreSQL's connection comes from ONEFUNNEL_PG_*; "
        "spark builds in a local Spark (Java 17+) and publishes the DuckDB file",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onefunnel",
        description="One set of numbers for marketing and sales: SQLs by handover month, "
        "revenue by payment month.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="ingest the landing directory and build the warehouse",
        description="Run the whole daily pipeline in-process through Dagster: ingest every "
        "landing file, then dbt seed and build. Exits 0 only when every step succeeded.",
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--landing", type=Path, help="landing directory (env ONEFUNNEL_LANDING)")
    run.add_argument("--warehouse", type=Path, help="DuckDB file (env ONEFUNNEL_WAREHOUSE)")
    _settings_arguments(run)
    _target_argument(run)
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="read every landing file again and rebuild every table (default: load only new "
        "files and update the tables by key)",
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="print a line as each step starts (default: when standard error is a terminal)",
    )

    generate = commands.add_parser(
        "generate",
        help="write a realistic landing directory",
        description="Write every landing entity of the contract from a seeded random "
        "generator: the same arguments give byte-identical files.",
        epilog=GENERATE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    generate.add_argument("--out", type=Path, required=True, help="landing directory to write")
    generate.add_argument("--leads", type=int, default=10_000, help="number of leads (10000)")
    generate.add_argument("--months", type=int, default=6, help="months of history (6)")
    generate.add_argument("--seed", type=int, default=7, help="random seed (7)")
    generate.add_argument(
        "--end", type=parse_as_of, help="last day of data (default: last day of last month)"
    )

    rollback = commands.add_parser(
        "rollback",
        help="put the previously published marts back",
        description="Swap the published warehouse with the set it replaced (kept as "
        "<warehouse>.previous.duckdb by every publication). Readers see one complete set or the "
        "other throughout; a second rollback undoes the first.",
        epilog="examples:\n  onefunnel rollback --warehouse data/warehouse.duckdb",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rollback.add_argument("--warehouse", type=Path, help="DuckDB file (env ONEFUNNEL_WAREHOUSE)")
    _target_argument(rollback)

    importer = commands.add_parser(
        "import",
        help="turn a public dataset into a landing directory",
        description="Write a landing directory from a public dataset (see the README, "
        "'Try it on real data').",
        epilog=IMPORT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    datasets = importer.add_subparsers(dest="dataset", required=True)
    olist = datasets.add_parser(
        "olist",
        help="the Olist Marketing Funnel (Kaggle, CC BY-NC-SA 4.0)",
        description="Map the Olist Marketing Funnel (MQLs and closed deals) onto the landing "
        "entities. Amounts are in BRL: run the pipeline with --base-currency BRL.",
        epilog=IMPORT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    olist.add_argument(
        "--from", dest="source", type=Path, required=True, help="folder of the two Olist CSVs"
    )
    olist.add_argument("--out", type=Path, required=True, help="landing directory to write")

    docs = commands.add_parser(
        "docs",
        help="generate and serve the dbt documentation site",
        description="Run dbt docs generate against the candidate warehouse "
        "(<warehouse>.candidate.duckdb, built by every run) into <warehouse>.dbt_docs/ and "
        "serve it on 127.0.0.1 until interrupted.",
        epilog="examples:\n  onefunnel docs --warehouse data/warehouse.duckdb --port 8081",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    docs.add_argument("--warehouse", type=Path, help="DuckDB file (env ONEFUNNEL_WAREHOUSE)")
    docs.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (8080)")
    docs.add_argument(
        "--no-serve", action="store_true", help="only generate the site, do not serve it"
    )

    ui = commands.add_parser(
        "ui",
        help="open the Dagster UI on 127.0.0.1 for a landing directory and warehouse",
        description="Start `dagster dev` for this project on 127.0.0.1 only, with the run settings "
        "in its environment and its run history kept in .dagster_home/ of the repository.",
        epilog="examples:\n  onefunnel ui\n  onefunnel ui --landing exports/ --warehouse wh.duckdb "
        "--port 3001",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ui.add_argument("--landing", type=Path, help="landing directory (env ONEFUNNEL_LANDING)")
    ui.add_argument("--warehouse", type=Path, help="DuckDB file (env ONEFUNNEL_WAREHOUSE)")
    _settings_arguments(ui)
    _target_argument(ui)
    ui.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (3000)")

    demo = commands.add_parser(
        "demo",
        help="generate data and run the pipeline into ./data/",
        description="generate + run into ./data/ (landing/ and warehouse.duckdb), then print "
        "the headline numbers and where everything is.",
        epilog="examples:\n  onefunnel demo\n  onefunnel demo --leads 100000 --seed 3",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--leads", type=int, default=10_000, help="number of leads (10000)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (7)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            return _generate(args.out, args.leads, args.months, args.seed, args.end)
        if args.command == "run":
            settings = Settings.resolve(
                landing=args.landing,
                warehouse=args.warehouse,
                timezone=args.timezone,
                base_currency=args.base_currency,
                as_of=args.as_of,
                target=args.target,
            )
            progress = sys.stderr.isatty() if args.progress is None else args.progress
            return _run(settings, progress=progress, full_refresh=args.full_refresh)
        if args.command == "import":
            return _import_olist(args.source, args.out)
        if args.command == "docs":
            return _docs(Settings.resolve(warehouse=args.warehouse), args.port, args.no_serve)
        if args.command == "rollback":
            return _rollback(Settings.resolve(warehouse=args.warehouse, target=args.target))
        if args.command == "ui":
            settings = Settings.resolve(
                landing=args.landing,
                warehouse=args.warehouse,
                timezone=args.timezone,
                base_currency=args.base_currency,
                as_of=args.as_of,
                target=args.target,
            )
            return _ui(settings, args.port)
        return _demo(args.leads, args.seed)
    except (
        SettingsError,
        TargetUnavailable,
        PublicationError,
        OlistError,
        DocsError,
        RunLockedError,
    ) as exc:
        print(f"onefunnel: {exc}", file=sys.stderr)
        return BUSY if isinstance(exc, RunLockedError) else 2


def describe_publication(publication: dict | None) -> str:
    if publication is None:
        return "nothing"
    return (
        f"run {publication['run_id']} as of {publication['as_of']}, "
        f"published {publication['published_at']:%Y-%m-%d %H:%M} UTC"
    )


def _rollback(settings: Settings) -> int:
    from orchestration.lib.run_lock import run_lock

    target = load_target(settings.target)
    with run_lock(settings.warehouse, "rollback"):
        before = target.read_publication(settings)
        target.rollback(settings)
        after = target.read_publication(settings)
    print(
        f"rolled back {target.published_location(settings)}\n  now:   {describe_publication(after)}\n  was:   {describe_publication(before)}"
    )
    replaced = target.previous_location(settings)
    print(f"  (the replaced set is now {replaced}; roll back again to restore it)")
    return 0


def _docs(settings: Settings, port: int, no_serve: bool) -> int:
    from orchestration.defs.dbt.project import dbt_executable
    from orchestration.lib.docs import docs_server, generate_docs

    site = generate_docs(settings, dbt_executable())
    print(f"dbt docs of {settings.candidate} written to {site}")
    if no_serve:
        return 0
    server = docs_server(site, port)
    host, port = server.server_address[:2]
    print(f"serving http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _ui(settings: Settings, port: int) -> int:
    import os

    from orchestration.lib.paths import PROJECT_DIR

    home = PROJECT_DIR / ".dagster_home"
    home.mkdir(exist_ok=True)
    environment = {**os.environ, **settings.environment(), "DAGSTER_HOME": str(home)}
    if settings.as_of is None:
        # `as_of` left open means "today" in every scheduled run, not the day the UI started
        environment.pop("ONEFUNNEL_AS_OF", None)
    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster), "dev", "--host", "127.0.0.1", "--port", str(port)]
    print(f"Dagster UI on http://127.0.0.1:{port}/ for {settings.warehouse} (Ctrl-C to stop)")
    sys.stdout.flush()
    os.chdir(PROJECT_DIR)
    os.execve(command[0], command, environment)


def _import_olist(source: Path, out: Path) -> int:
    from orchestration.lib.olist import ATTRIBUTION, import_olist

    summary = import_olist(source, out)
    print(f"landing directory {summary.out} from {source} ({ATTRIBUTION})")
    for path, rows in summary.rows.items():
        print(f"  {path:<26} {rows:>10,} rows")
    for deal_id in summary.won_moved_to_first_contact:
        print(f"  deal {deal_id}: won before its lead's first contact, won time moved to it")
    print("amounts are in BRL: run with --base-currency BRL")
    return 0


def _generate(out: Path, leads: int, months: int, seed: int, end: date | None) -> int:
    from orchestration.lib.generator import generate

    started = time.perf_counter()

    def progress(what: str) -> None:
        print(f"  {time.perf_counter() - started:6.1f} s  {what} …", file=sys.stderr, flush=True)

    summary = generate(
        out,
        leads=leads,
        months=months,
        seed=seed,
        end=end,
        progress=progress if sys.stderr.isatty() else None,
    )
    seconds = time.perf_counter() - started
    print(f"landing directory {summary.out} ({summary.start} … {summary.end}), {seconds:.1f} s")
    for path, rows in summary.rows.items():
        print(f"  {path:<26} {rows:>10,} rows")
    return 0


def _run(settings: Settings, progress: bool = False, full_refresh: bool = False) -> int:
    from orchestration.lib.run_lock import run_lock
    from orchestration.pipeline import run_pipeline

    # a target that cannot be reached fails here, with the reason, not as a step of the graph
    load_target(settings.target).prepare(settings)
    started = time.perf_counter()
    try:
        with run_lock(settings.warehouse, "onefunnel run"):
            report = run_pipeline(settings, progress=progress, full_refresh=full_refresh)
    except RunLockedError as exc:
        print(f"onefunnel: {exc}", file=sys.stderr)
        return BUSY
    print(format_report(report, time.perf_counter() - started))
    return 0 if report.succeeded else 1


def format_report(report, total_seconds: float) -> str:
    s = report.settings
    lines = [
        f"onefunnel run — landing {s.landing}",
        f"  warehouse {s.warehouse}  timezone {s.timezone}  base currency {s.base_currency}"
        f"  as of {s.reporting_date()}",
        "",
        f"  {'entity':<24}{'files':>6}{'new':>6}{'read':>11}{'staged':>11}{'quarantined':>13}"
        f"{'replaced':>10}{'records':>11}",
    ]
    for load in report.loads:
        lines.append(
            f"  {load.entity:<24}{load.files:>6}{load.files_read:>6}{load.rows_read:>11,}"
            f"{load.rows_staged:>11,}{load.rows_quarantined:>13,}{load.rows_replaced:>10,}"
            f"{load.records:>11,}"
        )
    lines += [
        f"  {load.entity} read again from all its files: {load.reason}"
        for load in report.loads
        if load.mode == "full" and load.reason not in ROUTINE_FULL_LOADS
    ]
    lines += ["", f"  {'step':<34}{'seconds':>8}"]
    for step, seconds in report.step_seconds.items():
        lines.append(f"  {step:<34}{seconds:>8.1f}")
    lines.append(f"  {'total':<34}{total_seconds:>8.1f}")
    if report.log_file is not None:
        lines.append(f"  dbt output: {report.log_file}")
    if report.checks:
        passed = sum(1 for c in report.checks if c["passed"])
        lines.append(
            f"\n  checks: {passed} passed, {len(report.warnings)} with warnings, "
            f"{len(report.failed_checks)} failed  (Data Docs: {data_docs_index(s)})"
        )
        lines += [f"  warning  {describe_check(c)}" for c in report.warnings]
        lines += [f"  FAILED   {describe_check(c)}" for c in report.failed_checks]
    if report.succeeded:
        lines.append(f"\npublished {load_target(s.target).published_location(s)}")
        if report.report is not None:
            lines.append(f"report    {report.report}")
        lines += [f"  not done: {failure}" for failure in report.failures]
    else:
        published = load_target(s.target).published_location(s)
        lines.append(f"\nFAILED — nothing published; {published} is unchanged")
        lines += [f"  {failure}" for failure in report.failures]
    return "\n".join(lines)


def describe_check(check: dict) -> str:
    examples = f" (e.g. {check['examples']})" if check["examples"] else ""
    return (
        f"{check['check_name']} on {check['asset']}: {check['offending_rows']} offending row(s)"
        f" — {check['failed_expectations']}{examples}"
    )


HEADLINE_SQL = """
with sqls as (
    select month, sum(sql_count_by_handover) as by_handover,
        sum(sql_count_by_creation) as by_creation
    from marts.attribution_transition_monthly group by month
),
revenue as (
    select month, sum(revenue) as revenue from marts.revenue_by_payment_monthly group by month
)
select coalesce(sqls.month, revenue.month) as month, coalesce(by_handover, 0),
    coalesce(by_creation, 0), coalesce(revenue.revenue, 0)
from sqls full join revenue on sqls.month = revenue.month
order by month desc limit 4
"""


def format_headline(settings: Settings) -> str:
    import duckdb

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        months = con.execute(HEADLINE_SQL).fetchall()
    lines = [
        f"headline ({settings.base_currency})",
        f"  {'month':<10}{'SQLs by handover':>18}{'by creation':>13}{'revenue':>16}",
    ]
    for month, by_handover, by_creation, revenue in reversed(months):
        lines.append(f"  {month:%Y-%m}    {by_handover:>18,}{by_creation:>13,}{revenue:>16,.2f}")
    return "\n".join(lines)


def _demo(leads: int, seed: int) -> int:
    landing = DEMO_DIR / "landing"
    warehouse = DEMO_DIR / "warehouse.duckdb"
    status = _generate(landing, leads, 6, seed, date.today())
    if status:
        return status
    settings = Settings.resolve(landing=landing, warehouse=warehouse)
    status = _run(settings, progress=sys.stderr.isatty())
    if status == 0:
        print("\n" + format_headline(settings))
    print(
        f"\nlanding files: {settings.landing}\nwarehouse:     {settings.warehouse}"
        "\nexplore it:    onefunnel ui   (then open http://127.0.0.1:3000/)"
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
