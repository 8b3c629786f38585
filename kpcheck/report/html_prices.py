"""The HTML report's picture of US$ per carat per HS code: every line against the median band.

One inline SVG per HS code: a histogram of the lines' US$/ct on a logarithmic axis (every
line counted, in 120 bins, bar heights by square root so that a few lines still show), the
batch median as a line, the band XREF-03 accepts (median / ratio to median x ratio) shaded,
and the lines of submissions XREF-03 reported that lie outside the band marked as red dots
(each with its submission in a tooltip). The ratio and the minimum number of lines come from
the XREF-03 rule file (``options["price_rule"]``: its ``id`` and parameters; the rule whose lets
call ``xref_price_outliers``); without that rule no band is drawn.

Prices are US$/ct in millionths (integers, as the XREF index keeps them); the chart holds
8 bytes per line and at most ``MAX_MARKS`` marked outliers per HS code.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable
from html import escape
from typing import Any

from kpcheck.results import Result

BINS, WIDTH, HEIGHT, LEFT, RIGHT, TOP, AXIS = 120, 1000, 120, 8, 8, 14, 22
MAX_MARKS = 300


def e(value: object) -> str:
    return escape(str(value), quote=True)


def money(millionths: float, lang: str) -> str:
    """A US$ amount for people: whole dollars with thousands separated, cents below 100."""
    dollars = millionths / 1e6
    text = f"{dollars:,.0f}" if dollars >= 100 else f"{dollars:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang != "en" else text


def median(values: list[int]) -> float:
    n = len(values)
    return float(values[n // 2]) if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


class PriceChart:
    def __init__(self, rule: dict[str, Any] | None):
        self.ratio = float(rule["ratio"]) if rule and rule.get("ratio") else None
        self.min_lines = int(rule.get("min_lines", 0)) if rule else 0
        self.rule_id = rule.get("id") if rule else None  # the rule reporting outliers (XREF-03)
        self.values: dict[str, array[int]] = {}
        self.flagged: dict[str, list[tuple[int, str]]] = {}  # hs -> (price, submission) of XREF-03 results

    def add(self, result: Result) -> None:
        reported = self.rule_id is not None and any(f.rule == self.rule_id for f in result.findings)
        for hs, _, price in result.prices:
            self.values.setdefault(hs, array("q")).append(price)
            if reported:
                self.flagged.setdefault(hs, []).append((price, result.submission or result.source))

    def html(self, _: Callable[[str], str], lang: str) -> str:
        if not self.values:
            return f'<p class="empty">{e(_("No line with carats and a value."))}</p>'
        return "".join(self.one(hs, _, lang) for hs in sorted(self.values))

    def one(self, hs: str, _: Callable[[str], str], lang: str) -> str:
        values = sorted(self.values[hs])
        mid = median(values)
        banded = self.ratio is not None and len(values) >= self.min_lines and mid > 0
        low, high = (mid / self.ratio, mid * self.ratio) if banded and self.ratio else (mid, mid)
        outliers = [(p, s) for p, s in self.flagged.get(hs, []) if banded and (p < low or p > high)]
        lo = math.floor(math.log10(max(min([v for v in values if v > 0] + [low or 1]), 1)))
        hi = math.ceil(math.log10(max(values[-1], high, 10) + 1))
        hi = max(hi, lo + 1)
        x = lambda v: LEFT + (WIDTH - LEFT - RIGHT) * (math.log10(max(v, 10**lo)) - lo) / (hi - lo)  # noqa: E731
        parts = [
            self.band(x, low, high, mid) if banded else "",
            self.histogram(values, x, lo, hi),
            self.marks(outliers, x, _, lang),
            self.axis(lo, hi, x, lang),
        ]
        svg = (
            f'<svg viewBox="0 0 {WIDTH} {HEIGHT + AXIS}" role="img" aria-label="{e(hs)}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
        )
        return f'<h3>{e(_("HS code"))} {e(hs)}</h3>{svg}<p class="cap">{self.caption(values, mid, banded, outliers, _, lang)}</p>'

    def caption(
        self, values: list[int], mid: float, banded: bool, outliers: list[tuple[int, str]], _: Callable[[str], str], lang: str
    ) -> str:
        parts = [_("{n} lines").replace("{n}", f"{len(values):,}"), _("median US$/ct {value}").replace("{value}", money(mid, lang))]
        if banded:
            parts.append(
                _("band {low} to {high}")
                .replace("{low}", money(mid / (self.ratio or 1), lang))
                .replace("{high}", money(mid * (self.ratio or 1), lang))
            )
            parts.append(_("{n} outliers reported by XREF-03").replace("{n}", f"{len(outliers):,}"))
        elif self.ratio is not None:
            parts.append(_("fewer than {n} lines: XREF-03 does not compare this code").replace("{n}", str(self.min_lines)))
        return e(" · ".join(parts))

    def band(self, x: Callable[[float], float], low: float, high: float, mid: float) -> str:
        return (
            f'<rect x="{x(low):.1f}" y="{TOP - 8}" width="{x(high) - x(low):.1f}" height="{HEIGHT - TOP + 8}" '
            f'fill="#dcfce7"/><line x1="{x(mid):.1f}" x2="{x(mid):.1f}" y1="{TOP - 8}" y2="{HEIGHT}" '
            'stroke="#15803d" stroke-width="2"/>'
        )

    def histogram(self, values: list[int], x: Callable[[float], float], lo: int, hi: int) -> str:
        counts = [0] * BINS
        for v in values:
            position = (math.log10(max(v, 10**lo)) - lo) / (hi - lo)
            counts[min(BINS - 1, max(0, int(position * BINS)))] += 1
        top = math.sqrt(max(counts)) or 1
        step = (WIDTH - LEFT - RIGHT) / BINS
        bars = []
        for i, n in enumerate(counts):
            if n:
                h = (HEIGHT - TOP - 20) * math.sqrt(n) / top
                bars.append(
                    f'<rect x="{LEFT + i * step:.1f}" y="{HEIGHT - h:.1f}" width="{max(step - 1, 1):.1f}" '
                    f'height="{h:.1f}" fill="#64748b"><title>{n:,}</title></rect>'
                )
        return "".join(bars)

    def marks(self, outliers: list[tuple[int, str]], x: Callable[[float], float], _: Callable[[str], str], lang: str) -> str:
        out = []
        for i, (price, submission) in enumerate(outliers[:MAX_MARKS]):
            y = TOP + (i * 7) % 24
            out.append(
                f'<circle cx="{x(price):.1f}" cy="{y}" r="4" fill="#dc2626" stroke="#fff">'
                f"<title>{e(submission)}: US$/ct {e(money(price, lang))}</title></circle>"
            )
        return "".join(out)

    def axis(self, lo: int, hi: int, x: Callable[[float], float], lang: str) -> str:
        out = [f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT}" y2="{HEIGHT}" stroke="#9ca3af"/>']
        for power in range(lo, hi + 1):
            at = x(10**power)
            anchor = "start" if power == lo else "end" if power == hi else "middle"
            out.append(
                f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{HEIGHT}" y2="{HEIGHT + 4}" stroke="#9ca3af"/>'
                f'<text x="{at:.1f}" y="{HEIGHT + 17}" font-size="12" fill="#6b7280" text-anchor="{anchor}">'
                f"{e(money(10**power, lang))}</text>"
            )
        return "".join(out)
