"""The report as a response: HTML page, PDF or one chart's CSV, for the organisers' API
and the dashboard alike (both print the same suppressed figures of trailapp.report)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template

from .. import charts, report
from ..domain import MUNICIPALITIES
from ..errors import Unprocessable
from ..pdf import html_to_pdf
from . import models
from .dashboard_session import translations

CSP = ("default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def build(store: Any, who: Any, query: models.ReportQuery) -> report.Report:
    """The report a query asks for (errors name the query parameter)."""
    if query.format == "csv" and query.chart is None:
        raise Unprocessable("chart", "is required with format=csv")
    examples = query.examples.split(",") if query.examples else []
    return report.build(store, who, query.municipality, query.from_, query.to, query.lang,
                        examples)


def context(built: report.Report) -> dict[str, Any]:
    """What the report's templates need: its figures, charts and words."""
    t = translations(built.lang)
    images = {}
    for section in built.sections:
        for table in section.tables:
            svg = (charts.place_map(table, t.gettext) if table.key == "by_place"
                   else charts.bars(table, t.gettext))
            images[table.key] = charts.data_uri(svg)
    points = []
    for table in (t for s in built.sections for t in s.tables if t.key == "by_place"):
        where = {p["place_id"]: p for p in table.points}
        points = [{"lat": where[pid]["lat"], "lon": where[pid]["lon"],
                   "label": table.row_labels[i], "text": table.cells[i][0].text(t.gettext)}
                  for i, pid in enumerate(table.rows) if pid in where]
    return {"report": built, "images": images, "rt": t.gettext, "points": points,
            "report_lang": built.lang, "municipalities": MUNICIPALITIES}


def respond(built: report.Report, fmt: str, chart: str | None, name: str,
            page: str = "report/page.html", **extra: Any) -> Response:
    """The report as HTML, PDF or one chart's CSV (attachments named after `name`)."""
    if fmt == "csv":
        body = report.table_csv(built.table(chart or ""), translations(built.lang).gettext)
        response = Response("\ufeff" + body, mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}-{chart}.csv"'
    elif fmt == "pdf":
        html = render_template("report/print.html", **context(built))
        response = Response(html_to_pdf(html), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        response = Response(render_template(page, **context(built), **extra),
                            mimetype="text/html")
        response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def file_name(built: report.Report) -> str:
    """trailapp-report-<municipalities>-<from>-<to>."""
    return (f"trailapp-report-{'-'.join(built.municipalities)}-{built.start.isoformat()}"
            f"-{built.end.isoformat()}")
