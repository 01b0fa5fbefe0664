"""Error pages for people: a browser that asks an OGC resource (/, /conformance,
/collections/...) for HTML (f=html, or an Accept header that prefers text/html) and
gets a 4xx or 5xx sees a readable page in Swedish or English, in the layout of the
other pages, with the same status code. Every other client keeps the one JSON error
shape (responses.error_response)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request

from .. import i18n
from ..errors import ApiError
from ..features import GEOJSON, JSON
from .context import base_url, language
from .dashboard import asset
from .dashboard_session import translations
from .html_pages import CSP, alternates, here
from .responses import HTML, error_response


def N_(message: str) -> str:  # noqa: N802 - the usual name for "translate later"
    """Mark a message for translation where it is shown."""
    return message


#: What the page's heading says for a status (others: by its class, 4xx or 5xx).
HEADINGS = {
    400: N_("The request is not right"), 401: N_("You need to sign in"),
    403: N_("Not yours to see"), 404: N_("Not found"), 405: N_("Not allowed here"),
    406: N_("Not available in that format"), 410: N_("Gone"),
    429: N_("Too many requests"), 503: N_("The service is busy"),
}
CLIENT_ERROR = N_("The request is not right")
SERVER_ERROR = N_("Something went wrong on our side")


def is_ogc_resource(path: str) -> bool:
    """The landing page, conformance, and everything under /collections."""
    return path in ("/", "/conformance", "/collections") or path.startswith("/collections/")


def wants_html() -> bool:
    """f=html, or (without f=) an Accept header that prefers HTML to JSON."""
    if not is_ogc_resource(request.path):
        return False
    if "f" in request.args:
        return request.args["f"] == "html"
    if not request.headers.get("Accept"):
        return False
    return request.accept_mimetypes.best_match([JSON, GEOJSON, HTML]) == HTML


def _asked_language() -> str | None:
    """lang= when it is one the service speaks (a bad one may be the error itself)."""
    asked = request.args.get("lang")
    return asked if asked in i18n.LANGS else None


def _page_url(path: str, **args: Any) -> str:
    """A link to another page: f=html, and lang= when a valid one was asked."""
    asked = _asked_language()
    query = {**({"lang": asked} if asked else {}), **args, "f": "html"}
    return f"{base_url()}{path}?{urlencode(query)}"


def error_answer(error: ApiError) -> Response:
    """The error as an HTML page for a browser on an OGC resource, else as JSON."""
    if not wants_html():
        response = error_response(error)
    else:
        response = error_page(error)
    if is_ogc_resource(request.path):  # the same URL answers HTML or JSON
        response.vary.update(("Accept", "Accept-Language"))
    return response


def error_page(error: ApiError) -> Response:
    """A page saying what went wrong and where to go, with the error's status."""
    lang = language(_asked_language())
    t = translations(lang)
    heading = HEADINGS.get(error.status,
                           SERVER_ERROR if error.status >= 500 else CLIENT_ERROR)
    title = t.gettext(heading)
    body = render_template(
        "ogc/error.html", _=t.gettext, lang=lang, ui_lang="sv" if lang == "sv" else "en",
        title=title, crumbs=[(t.gettext("Home"), _page_url("/")), (title, None)],
        formats=alternates(JSON), map_data=None, tiles=None, asset=asset,
        page_url=_page_url, lang_url=lambda code: here(lang=code), error=error)
    response = Response(body, status=error.status, mimetype=HTML)
    for name, value in error.headers.items():
        response.headers[name] = value
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP.format(tiles="")
    return response
