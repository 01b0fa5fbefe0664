"""The report's charts as SVG drawn on the server with pygal (no script: pygal's own
config script is removed, its JavaScript is never linked). Charts are drawn from the
report's counts after suppression: a hidden count is a gap, never a bar, and the axis
is labelled in steps of 5 from 5, so no label is a small number either."""

from __future__ import annotations

import base64
import re
import sys
from collections.abc import Callable

import pygal
from pygal.style import Style

from .domain import SMALL_NUMBER
from .report import Table

# pygal puts a legacy import hook (for its optional map plugins, unused here) on
# sys.meta_path; every later import then warns (ImportWarning: no find_spec). Taken off.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__module__ != "pygal"]

STYLE = Style(background="white", plot_background="white", foreground="#333",
              foreground_strong="#111", foreground_subtle="#ccc",
              font_family="DejaVu Sans, Arial, sans-serif",
              colors=("#2f6b45", "#c08a2e", "#4a6fa5", "#a5484a", "#7a5c8a"))
SCRIPT = re.compile(r"<script\b.*?</script>|<!--.*?-->", re.S)


def _axis(top: int) -> dict[str, object]:
    """A y axis from 0 with labels in steps of a multiple of 5, never below 5."""
    step = SMALL_NUMBER * max(1, -(-top // (SMALL_NUMBER * 5)))
    top = max(step, -(-top // step) * step)
    return {"range": (0, top), "y_labels": list(range(step, top + 1, step))}


def _svg(chart: pygal.graph.graph.Graph) -> str:
    return SCRIPT.sub("", chart.render(is_unicode=True))


def _options(title: str) -> dict[str, object]:
    return {"js": [], "disable_xml_declaration": True, "tooltip": False, "style": STYLE,
            "title": title, "width": 800, "height": 360, "legend_at_bottom": True,
            "x_label_rotation": 30, "print_values": False, "no_data_text": ""}


def bars(table: Table, gettext: Callable[[str], str] = str) -> str:
    """A table as bars per row (months), one colour per column: stacked when the
    columns are parts of one whole (Table.stacked), side by side when not."""
    shown = [c.value or 0 for row in table.cells for c in row]
    stacked = [sum(c.value or 0 for c in row) for row in table.cells]
    kind = pygal.StackedBar if table.stacked else pygal.Bar
    chart = kind(**_options(gettext(table.title)),
                 **_axis(max((stacked if table.stacked else []) + shown + [0])))
    chart.x_labels = [gettext(label) for label in table.row_labels]  # a kind is a word
    for j, label in enumerate(table.column_labels):
        chart.add(gettext(label), [row[j].value for row in table.cells])
    return _svg(chart)


def place_map(table: Table, gettext: Callable[[str], str] = str) -> str:
    """The places as dots on longitude/latitude axes (the PDF's static map): a bigger dot
    for more contributions; a place with a hidden count gets the smallest dot."""
    chart = pygal.XY(**{**_options(gettext(table.title)), "show_legend": False,
                        "show_x_labels": False, "show_y_labels": False, "stroke": False,
                        "print_labels": True,
                        "height": 420})
    by_id = {p["place_id"]: p for p in table.points}
    for i, place_id in enumerate(table.rows):
        point = by_id.get(place_id)
        if point is None:
            continue
        count = table.cells[i][0].value or 0
        size = 4 + min(16, count // SMALL_NUMBER * 2)
        chart.add(table.row_labels[i], [{"value": (point["lon"], point["lat"]),
                                         "label": table.row_labels[i]}], dots_size=size)
    return _svg(chart)


def data_uri(svg: str) -> str:
    """An SVG as an image URL (the page's CSP allows data: images, not inline styles)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
