"""The cost chart of a decision page: bars computed here, drawn as inline SVG by the template.

Server-side, so the chart needs no JavaScript and shows in any browser, a printout or a ticket
that embeds the page. Bars are scaled to the dearest plane; labels carry the figures, so the
chart reads without colour and a screen reader gets the same numbers from the table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.adr import amount
from engine.cost import Estimate

WIDTH = 640  #: the SVG's own coordinate width; it scales to the page
LABEL = 200  #: room for the plane's name on the left
BAR_SPACE = WIDTH - LABEL - 120  #: room for the longest bar, leaving space for its figure
ROW = 34


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  #: the figure written at the end of the bar
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL
    width: int = WIDTH


def monthly_cost(estimate: Estimate) -> Chart:
    """One bar per data plane: what its proxies cost a month (USD); a plane the estimate's
    basis has no figure for gets no bar and says "n/a"."""
    known = [p.monthly_usd for p in estimate.planes if p.monthly_usd is not None]
    top = max(known, default=0.0) or 1.0
    bars = [
        Bar(
            label=plane.name,
            value=plane.monthly_usd or 0.0,
            text=f"{amount(plane.monthly_usd)} USD" if plane.monthly_usd is not None else "n/a",
            y=index * ROW,
            width=round(BAR_SPACE * (plane.monthly_usd or 0.0) / top, 1),
        )
        for index, plane in enumerate(estimate.planes)
    ]
    return Chart(
        f"Data-plane cost per month (USD), {estimate.basis} figures", bars, len(bars) * ROW
    )
