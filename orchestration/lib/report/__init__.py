"""The weekly marketing–sales alignment report, written from the published warehouse.

`write_alignment_report` reads the published file read-only — never the candidate — and writes
`reports/alignment-<as_of>.html` and `.md` beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.report.content import Report, build_report
from orchestration.lib.report.figures import read_figures
from orchestration.lib.report.render import to_html, to_markdown


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    markdown: Path
    headline: dict[str, object]


def reports_dir(warehouse: Path) -> Path:
    return warehouse.parent / "reports"


def write_alignment_report(warehouse: Path, out_dir: Path | None = None) -> ReportFiles:
    report: Report = build_report(read_figures(warehouse))
    out_dir = reports_dir(warehouse) if out_dir is None else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"alignment-{report.headline['as_of']}"
    html, markdown = out_dir / f"{stem}.html", out_dir / f"{stem}.md"
    _write(html, to_html(report))
    _write(markdown, to_markdown(report, html.name))
    return ReportFiles(html=html, markdown=markdown, headline=report.headline)


def _write(path: Path, text: str) -> None:
    """Write beside and rename, so a reader never opens half a report."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
