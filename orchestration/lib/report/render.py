"""The report as Markdown (a chat thread: text and tables) and as one self-contained HTML file
(the same text and tables plus the charts as inline SVG; no script, nothing fetched)."""

from __future__ import annotations

import re
from html import escape

from orchestration.lib.report.content import DASH, Report, Table

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
       color: #1f2933; background: #fff; margin: 24px auto; max-width: 1120px; padding: 0 16px;
       line-height: 1.45; }
h1 { font-size: 24px; margin-bottom: 2px; }
.subtitle { color: #7b8794; margin-top: 0; }
h2 { font-size: 19px; border-bottom: 2px solid #e4e7eb; padding-bottom: 4px; margin-top: 32px; }
table { border-collapse: collapse; margin: 10px 0 4px; font-size: 13px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 4px 10px; }
th { background: #f5f7fa; text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: #7b8794; font-size: 12px; margin: 2px 0 14px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin: 8px 0; }
.pos { color: #15803d; } .neg { color: #b91c1c; }
code { background: #f5f7fa; padding: 0 3px; border-radius: 3px; }
"""

NUMERIC = re.compile(r"^[+-]?[\d,]+(\.\d+)?( %| pp)?$")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(table: Table) -> list[str]:
    lines = [f"**{table.title}**", ""]
    if not table.rows:
        lines += ["_Nothing to show._", ""]
    else:
        align = [
            "---:" if all(NUMERIC.match(row[i]) or row[i] == DASH for row in table.rows) else "---"
            for i in range(len(table.header))
        ]
        lines += [
            "| " + " | ".join(_md_cell(h) for h in table.header) + " |",
            "| " + " | ".join(align) + " |",
            *("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows),
            "",
        ]
    if table.note:
        lines += [f"_{table.note}_", ""]
    return lines


def to_markdown(report: Report, html_name: str | None = None) -> str:
    lines = [f"# {report.title}", "", f"_{report.subtitle}_", ""]
    if html_name:
        lines += [f"Charts: `{html_name}` beside this file.", ""]
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        if section.bullets:
            lines += [f"- {b}" for b in section.bullets] + [""]
        for table in section.tables:
            lines += markdown_table(table)
    return "\n".join(lines).rstrip() + "\n"


def _inline(text: str) -> str:
    """Escaped text with `code` spans, as in the Markdown."""
    parts = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _html_cell(text: str, tag: str) -> str:
    if text == DASH and tag == "td":
        return f'<td class="num">{DASH}</td>'
    if tag == "th" or not NUMERIC.match(text):
        return f"<{tag}>{_inline(text)}</{tag}>"
    tone = ""
    if text.startswith("+"):
        tone = " pos"
    elif text.startswith("-"):
        tone = " neg"
    return f'<td class="num{tone}">{escape(text)}</td>'


def html_table(table: Table) -> str:
    if not table.rows:
        body = (
            f'<p class="note" id="{table.key}"><b>{escape(table.title)}</b>: nothing to show.</p>'
        )
    else:
        head = "".join(_html_cell(h, "th") for h in table.header)
        rows = "".join(
            "<tr>" + "".join(_html_cell(c, "td") for c in row) + "</tr>" for row in table.rows
        )
        body = (
            f'<table id="{table.key}"><caption>{escape(table.title)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )
    if table.note:
        body += f'<p class="note">{_inline(table.note)}</p>'
    return body


def to_html(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="subtitle">{escape(report.subtitle)}</p>',
    ]
    for section in report.sections:
        parts.append(f'<section id="{section.key}"><h2>{escape(section.title)}</h2>')
        if section.bullets:
            parts.append("<ul>" + "".join(f"<li>{_inline(b)}</li>" for b in section.bullets))
            parts.append("</ul>")
        if section.charts:
            parts.append('<div class="charts">' + "".join(section.charts) + "</div>")
        parts += [html_table(t) for t in section.tables]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
