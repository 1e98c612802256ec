"""The report's charts as inline SVG: no script, no font or file to fetch, so the HTML is one
self-contained file that renders the same offline, in a mail client or in a headless browser."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape

INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
CURRENT = "#2563eb"
PREVIOUS = "#b6c7e6"
PLAN = "#d97706"
GOOD = "#15803d"
BAD = "#b91c1c"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 12,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
) -> str:
    weight = ' font-weight="600"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}"{weight}>{escape(text)}</text>'
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _nice_max(value: float) -> float:
    """A round number a little above `value`, for an axis end."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value * 1.05:
            return step * magnitude
    return 10.0 * magnitude


def _legend(x: float, current: str, previous: str) -> list[str]:
    """Two legend entries in a row, the second after the first one's text (about 7 px a
    character at 12 px)."""
    second = x + 18 + 7 * len(current) + 24
    return [
        f'<rect x="{_n(x)}" y="8" width="12" height="12" fill="{CURRENT}"/>',
        _text(x + 18, 18, current, size=12),
        f'<rect x="{_n(second)}" y="8" width="12" height="12" fill="{PREVIOUS}"/>',
        _text(second + 18, 18, previous, size=12),
    ]


@dataclass(frozen=True)
class FunnelStage:
    label: str
    count: int
    previous: int
    conversion: str  # from the stage before, already formatted ("" for the first)


def funnel_chart(stages: Sequence[FunnelStage], current: str, previous: str) -> str:
    """Horizontal bars per stage: the current period solid, the comparison period pale."""
    width, label_w, right = 760, 150, 150
    row_h, top = 46, 34
    height = top + row_h * len(stages) + 10
    scale_max = max([s.count for s in stages] + [s.previous for s in stages] + [1])
    bar_w = width - label_w - right
    body = _legend(label_w, current, previous)
    for i, stage in enumerate(stages):
        y = top + i * row_h
        w_now = bar_w * stage.count / scale_max
        w_before = bar_w * stage.previous / scale_max
        body += [
            _text(label_w - 10, y + 20, stage.label, anchor="end"),
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{_n(max(w_now, 1))}" '
            f'height="20" fill="{CURRENT}"/>',
            f'<rect class="bar" x="{label_w}" y="{y + 27}" width="{_n(max(w_before, 1))}" '
            f'height="8" fill="{PREVIOUS}"/>',
            _text(label_w + w_now + 6, y + 19, f"{stage.count:,}", size=13, bold=True),
        ]
        if stage.conversion:
            body.append(
                _text(
                    width - 8,
                    y + 19,
                    f"{stage.conversion} of previous stage",
                    size=11,
                    anchor="end",
                    fill=MUTED,
                )
            )
    return _svg(width, height, f"Funnel: {current} against {previous}", body)


def plan_chart(
    title: str,
    points: Sequence[tuple[date, Decimal]],
    days_in_month: int,
    forecast: Decimal | None,
    plan: Decimal | None,
    money: bool,
) -> str:
    """Cumulative fact by day of the month, the run-rate line from `as_of` to the month's end,
    and the plan as a horizontal line."""
    width, height = 520, 260
    left, right, top, bottom = 56, 16, 30, 34
    values = [float(v) for _, v in points] + [float(forecast or 0), float(plan or 0), 0.0]
    y_max, y_min = _nice_max(max(values)), min(values)
    y_min = -_nice_max(-y_min) if y_min < 0 else 0.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: float) -> float:
        return left + plot_w * (day - 0.0) / days_in_month

    def y(value: float) -> float:
        return top + plot_h * (y_max - value) / (y_max - y_min)

    fmt = (lambda v: f"{v:,.0f}") if money else (lambda v: _n(v))
    body = [_text(left, 18, title, size=13, bold=True)]
    ticks = {0.0, y_max / 2, y_max}
    if -y_min > 0.1 * (y_max - y_min):  # a small dip below zero gets no label of its own
        ticks.add(y_min)
    for tick in sorted(ticks):
        body += [
            f'<line x1="{left}" x2="{width - right}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" '
            f'stroke="{GRID}"/>',
            _text(left - 6, y(tick) + 4, fmt(tick), size=10, anchor="end", fill=MUTED),
        ]
    for day in sorted({1, 10, 20, days_in_month}):
        body.append(
            _text(x(day), height - bottom + 16, str(day), size=10, anchor="middle", fill=MUTED)
        )
    if plan is not None:
        body += [
            f'<line class="plan" x1="{left}" x2="{width - right}" y1="{_n(y(float(plan)))}" '
            f'y2="{_n(y(float(plan)))}" stroke="{PLAN}" stroke-width="2" stroke-dasharray="2 3"/>',
            _text(left + 4, y(float(plan)) - 5, f"plan {fmt(float(plan))}", size=10, fill=PLAN),
        ]
    line = [(0.0, 0.0)] + [(float(d.day), float(v)) for d, v in points]
    body.append(
        f'<polyline class="fact" fill="none" stroke="{CURRENT}" stroke-width="2.5" points="'
        + " ".join(f"{_n(x(d))},{_n(y(v))}" for d, v in line)
        + '"/>'
    )
    if points:
        last_day, last_value = float(points[-1][0].day), float(points[-1][1])
        body.append(
            f'<circle cx="{_n(x(last_day))}" cy="{_n(y(last_value))}" r="3.5" fill="{CURRENT}"/>'
        )
        if forecast is not None:
            body += [
                f'<line class="forecast" x1="{_n(x(last_day))}" y1="{_n(y(last_value))}" '
                f'x2="{_n(x(days_in_month))}" y2="{_n(y(float(forecast)))}" stroke="{CURRENT}" '
                f'stroke-width="2" stroke-dasharray="6 4"/>',
                _text(
                    x(days_in_month),
                    y(float(forecast)) - 8,
                    f"run rate {fmt(float(forecast))}",
                    size=10,
                    anchor="end",
                    fill=CURRENT,
                ),
            ]
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class RomiBar:
    channel: str
    current: Decimal | None
    previous: Decimal | None


def romi_chart(bars: Sequence[RomiBar], current: str, previous: str) -> str:
    """ROMI per channel, the current month and the previous one, around a zero line."""
    width, label_w, right = 760, 130, 70
    row_h, top = 40, 34
    height = top + row_h * max(len(bars), 1) + 10
    values = [float(v) for b in bars for v in (b.current, b.previous) if v is not None] or [0.0]
    hi, lo = max(max(values), 0.0), min(min(values), 0.0)
    span = (hi - lo) or 1.0
    plot_w = width - label_w - right

    def x(value: float) -> float:
        return label_w + plot_w * (value - lo) / span

    body = _legend(label_w, current, previous)
    for i, bar in enumerate(bars):
        y = top + i * row_h
        body.append(_text(label_w - 10, y + 20, bar.channel, anchor="end"))
        for offset, value, colour, h in (
            (3, bar.current, CURRENT, 16),
            (22, bar.previous, PREVIOUS, 10),
        ):
            if value is None:
                continue
            v = float(value)
            start, end = sorted((x(0.0), x(v)))
            fill = colour if v >= 0 or colour == PREVIOUS else BAD
            body.append(
                f'<rect class="bar" x="{_n(start)}" y="{y + offset}" '
                f'width="{_n(max(end - start, 1))}" height="{h}" fill="{fill}"/>'
            )
            if colour == CURRENT:
                label_x = end + 4 if v >= 0 else start - 4
                body.append(
                    _text(
                        label_x,
                        y + 16,
                        f"{v * 100:,.0f} %",
                        size=11,
                        anchor="start" if v >= 0 else "end",
                        fill=GOOD if v >= 0 else BAD,
                    )
                )
    zero = x(0.0)
    body.append(
        f'<line x1="{_n(zero)}" x2="{_n(zero)}" y1="{top - 4}" y2="{height - 6}" stroke="{INK}"/>'
    )
    return _svg(width, height, f"ROMI by channel: {current} and {previous}", body)
