"""Charts drawn on the server as SVG, each beside the table of its numbers.

`{% bar_chart result %}` draws one horizontal bar per row of an indicator's result; in a
right-to-left language the bars grow from the right. Suppressed cells get no bar, and the
table says so. No script is needed, and the same markup prints in PDF documents.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language_bidi

from kinlink.reports.indicators import Result

register = template.Library()

WIDTH = 320
BAR_HEIGHT = 18
GAP = 6
LABEL = 0  # labels are in the table beside the chart; the chart carries the bars and values


@register.inclusion_tag("reports/partials/bar_chart.html")
def bar_chart(result: Result, chart_id: str = "") -> dict[str, Any]:
    rows = list(result.rows)
    values = [r.value for r in rows if isinstance(r.value, int | float)]
    top = max(values, default=0) or 1
    rtl = get_language_bidi()
    usable = WIDTH - 40
    bars = []
    for index, row in enumerate(rows):
        length = 0 if row.value is None else round(usable * float(row.value) / top)
        y = index * (BAR_HEIGHT + GAP)
        x = WIDTH - length if rtl else 0
        text_x = WIDTH - length - 4 if rtl else length + 4
        bars.append(
            {
                "row": row,
                "x": x,
                "y": y,
                "width": length,
                "text_x": text_x,
                "text_y": y + BAR_HEIGHT - 4,
            }
        )
    return {
        "result": result,
        "bars": bars,
        "width": WIDTH,
        "height": max(1, len(rows)) * (BAR_HEIGHT + GAP),
        "rtl": rtl,
        "chart_id": chart_id or result.indicator.code,
    }


@register.filter
def cell(value: Any) -> str:
    """A number as a table shows it: suppressed cells are named, not shown."""
    from django.utils.translation import gettext

    if value is None:
        return gettext("hidden (<5)")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
