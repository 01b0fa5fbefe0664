"""The organisers' dashboard: server-rendered pages to sign in, review the queue,
decide on contributions, read the audit log and the figures.

Thin like the rest of the HTTP layer: who is asking (the session), what they may
see (trailapp.policy), then a call to auth, moderation or stats. The session cookie
holds only the id from auth.start_session; every form post carries a CSRF token.

Longer than 300 lines because it is the dashboard's one blueprint: its hooks, pages
and the helpers its templates share read top to bottom in one place (the session
cookie and translations live in dashboard_session.py; the rules in review.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from pydantic import ValidationError

from .. import auth, editing, i18n, moderation, policy, ratelimit, review, stats
from ..audit import changes as audit_changes
from ..domain import CONTRIBUTION_ID, MUNICIPALITIES
from ..errors import ApiError, InvalidParameter, NotFound
from ..features import GEOJSON
from . import models, report_view
from .context import client_key, language, settings, state
from .dashboard_session import DashboardSessionInterface, translations
from .responses import error_response

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
csrf = CSRFProtect()
ACTOR = "dashboard"
CSP = ("default-src 'self'; img-src 'self' data:{tiles}; script-src 'self'; style-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
OPEN = {"dashboard.login"}  # reachable without signing in
# Answer 401, not a redirect to the sign-in page.
DATA = {"dashboard.export", "dashboard.survey_export"}
QUEUE_FIELDS = ("municipality", "kind", "status", "flagged", "reported", "offset")


def N_(message: str) -> str:  # noqa: N802 - the usual name for "translate later"
    """Mark a message for translation where it is shown."""
    return message


DONE = {"approve": N_("Approved and published."), "reject": N_("Rejected."),
        "withdraw": N_("Withdrawn: it is no longer public."),
        "restore": N_("Restored: it is public again."), "redact": N_("The text was changed."),
        "unchanged": N_("Nothing was changed.")}
STALE_FORM = N_("The form was out of date or did not come from this dashboard. Nothing was "
                "changed: go back, reload the page and try again.")


def link(endpoint: str, **values: Any) -> str:
    """url_for, keeping a language chosen with ?lang= across pages and forms."""
    if g.get("lang_param"):
        values.setdefault("lang", g.lang_param)
    return url_for(endpoint, **values)


def asset(filename: str) -> str:
    """A static file's URL, versioned by its modification time (cached a day)."""
    path = Path(current_app.static_folder or "") / filename
    version = int(path.stat().st_mtime) if path.is_file() else 0
    return url_for("static", filename=filename, v=version)


def _language() -> None:
    asked = request.args.get("lang")
    g.lang_param = asked if asked in i18n.LANGS else None
    g.lang = language(g.lang_param)  # ?lang=, else Accept-Language, else English
    g.translations = translations(g.lang)


@bp.before_request
def _before() -> Response | None:
    _language()
    if request.method == "POST":
        csrf.protect()  # CSRFError (400) before anything is read or changed
    g.organiser = auth.session_organiser(state().store, session.get("sid"))
    ended = g.organiser is None and bool(session.get("sid"))
    if ended:
        session.clear()  # ended or timed out: forget it in the browser too
    if g.organiser is not None or request.endpoint in OPEN:
        return None
    if request.endpoint in DATA:
        policy.signed_in(None)  # raises 401
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(link("dashboard.login", next=target, expired=1 if ended else None))


@bp.after_request
def _headers(response: Response) -> Response:
    from .html_pages import tile_origin  # here: html_pages imports this module

    origin = tile_origin(current_app.config["TILE_URL"])
    response.headers["Content-Security-Policy"] = CSP.format(
        tiles=f" {origin}" if origin else "")  # the maps' tiles: exactly that origin
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


def _when(value: str | None, municipality: str | None = None) -> str:
    """A stored UTC time as local time of the municipality, to the minute."""
    if not value:
        return ""
    municipality = municipality or (g.organiser.scope()[0] if g.get("organiser") else None)
    zone = MUNICIPALITIES[municipality].timezone if municipality in MUNICIPALITIES else "UTC"
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    if "translations" not in g:  # an app-wide check refused the request before _before
        _language()
    t = g.translations
    return {"_": t.gettext, "ngettext": t.ngettext, "who": g.get("organiser"),
            "link": link, "asset": asset, "when": _when, "municipalities": MUNICIPALITIES,
            "ui_lang": "sv" if g.lang == "sv" else "en", "lang_url": _lang_url,
            "map_tiles": _map_tiles()}


def _map_tiles() -> dict[str, str] | None:
    """The maps' background tiles (TRAILAPP_TILE_URL), or None: a plain background."""
    config = current_app.config
    if not config["TILE_URL"]:
        return None
    return {"url": config["TILE_URL"], "attribution": config["TILE_ATTRIBUTION"] or ""}


def _lang_url(code: str) -> str:
    args = {k: v for k, v in request.args.items() if k != "lang"}
    return url_for(request.endpoint or "dashboard.queue", **(request.view_args or {}), **args,
                   lang=code)


def render(template: str, code: int = 200, **context: Any) -> tuple[str, int]:
    """A dashboard page with its HTTP status code."""
    return render_template(f"dashboard/{template}", **context), code


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a dashboard page of this site, else the queue. A
    control character (CR/LF would split the Location header) is refused outright."""
    if target and any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        raise InvalidParameter("next", "holds a control character")
    if target and target.startswith("/dashboard") and "//" not in target and "\\" not in target:
        return target
    return link("dashboard.queue")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in form; a new session (and session id) at every sign-in."""
    notice = "expired" if request.args.get("expired") else None
    if request.method == "GET":  # shown even when signed in: switching user is a new login
        return render("login.html", notice=notice, out=bool(request.args.get("out")))
    store = state().store
    try:
        who = auth.authenticate(store, request.form.get("username", ""),
                                request.form.get("password", ""), client_key(),
                                secret=settings()["SECRET_KEY"])
    except ratelimit.TooManyRequests as exc:
        minutes = max(1, -(-int(exc.headers["Retry-After"]) // 60))
        page = render("login.html", 429, notice="too-many", minutes=minutes)
        return (*page, {"Retry-After": exc.headers["Retry-After"]})
    except auth.Unauthorized:
        return render("login.html", 401, notice="wrong", username=request.form.get("username"))
    auth.end_session(store, session.get("sid"))  # a session left in this browser ends
    session.clear()
    session["sid"] = auth.start_session(store, who)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """End the session on the server, then forget the cookie."""
    auth.end_session(state().store, session.get("sid"))
    session.clear()
    return redirect(link("dashboard.login", out=1))


def _queue_query(args: Any) -> models.QueueQuery:
    values: dict[str, Any] = {k: v for k, v in args.items() if k in QUEUE_FIELDS and v != ""}
    if values.get("status") == "all":
        values["status"] = None
    try:
        return models.QueueQuery.model_validate(values)
    except ValidationError:
        raise InvalidParameter("filter", "not one of the offered values") from None


def _map_items(items: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """What the map needs: one entry per item with a place location."""
    return [{"id": i["id"], "title": i["title"], "kind": i["kind"], "status": i["status"],
             "place": names.get(i["place_id"], i["place_id"]), "place_id": i["place_id"],
             "geometry": i["place"]["geometry"],
             "href": link("dashboard.contribution", contribution_id=i["id"])}
            for i in items if i["place"]["geometry"]]


@bp.get("")
def queue() -> Any:
    """The moderation queue, oldest first, with filters and a map of the places."""
    query = _queue_query(request.args)
    page = review.queue(state().store, g.organiser, **query.model_dump())
    names = review.place_names(state().store, {i["place_id"] for i in page["items"]}, g.lang)
    filters = {k: v for k, v in request.args.items() if k in QUEUE_FIELDS[:-1]}
    return render("queue.html", query=query, page=page, names=names, filters=filters,
                  back_query=urlencode(filters),
                  map_items=_map_items(page["items"], names),
                  done=DONE.get(request.args.get("done", "")))


def _contribution(contribution_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A contribution the organiser may see (else 404) and its audit history."""
    if not re.match(CONTRIBUTION_ID, contribution_id):
        raise NotFound(f"There is no contribution {contribution_id!r}.")
    item = review.contribution(state().store, g.organiser, contribution_id, history=True)
    return item, [_with_changes(entry) for entry in item.pop("history")]


def _with_changes(entry: dict[str, Any]) -> dict[str, Any]:
    entry["changes"] = audit_changes(entry)
    return entry


@bp.get("/contributions/<contribution_id>")
def contribution(contribution_id: str) -> Any:
    """Everything about one contribution, and the decisions that can be taken on it."""
    item, history = _contribution(contribution_id)
    names = review.place_names(state().store, {item["place_id"]}, g.lang)
    previews = {code: i18n.pick(texts, item["lang"])[0]
                for code, texts in moderation.REJECTION_REASONS.items()}
    return render("contribution.html", item=item, history=history, names=names,
                  map_items=_map_items([item], names), previews=previews,
                  done=DONE.get(request.args.get("done", "")))


@bp.post("/contributions/<contribution_id>/<any(approve,reject,withdraw,restore,redact):action>")
def decide(contribution_id: str, action: str) -> Response:
    """One decision from a form, then back to where the organiser was."""
    form = request.form
    item, _ = _contribution(contribution_id)  # 404 unless the organiser may act on it
    values: dict[str, Any] = {}
    if action == "approve":
        values["sdg_targets"] = form.getlist("sdg")
    elif action in ("reject", "withdraw"):
        values.update(reason=form.get("reason"), template=form.get("template") or None)
    elif action == "redact":
        values = review.text_edits(item, form.get("title"), form.get("body"))
    if action == "redact" and not values:
        action = "unchanged"
    else:
        review.decide(state().store, g.organiser, action, contribution_id, actor=ACTOR,
                      **values)
    if form.get("back") == "queue":
        filters = dict(parse_qsl(form.get("back_query", "")))
        filters = {k: v for k, v in filters.items() if k in QUEUE_FIELDS[:-1]}
        return redirect(link("dashboard.queue", done=action, **filters))
    return redirect(link("dashboard.contribution", contribution_id=contribution_id,
                         done=action))


@bp.get("/audit")
def audit() -> Any:
    """Every decision and edit in the organiser's municipalities, newest first."""
    object_id = request.args.get("object_id") or None
    entries = review.audit_log(state().store, g.organiser,
                               object_id[:120] if object_id else None, 200)
    return render("audit.html", entries=[_with_changes(e) for e in entries],
                  object_id=object_id)


def _municipality() -> str | None:
    return request.args.get("municipality") or None


@bp.get("/places")
def places() -> Any:
    """The places and trails of the organiser's municipalities, with the working notes
    and caveats that never reach the public (to check before the next field trip)."""
    return render("places.html", rows=editing.overview(state().store, g.organiser, g.lang))


@bp.get("/statistics")
def statistics() -> Any:
    """Figures for the steering group, with links to the exports."""
    summary = stats.summary(state().store, g.organiser, _municipality())
    paired = {p for pair in summary["exchange"] for p in pair["places"]}
    return render("statistics.html", summary=summary,
                  place_names=review.place_names(state().store, paired, g.lang),
                  chosen=request.args.get("municipality") or "")


REPORT_FIELDS = ("municipality", "from", "to", "format", "chart", "examples")


@bp.get("/report")
def report() -> Any:
    """The steering group's report: the figures as charts with their tables, and the same
    report as PDF or each chart as CSV (?format=)."""
    values = {k: v for k, v in request.args.items() if k in REPORT_FIELDS and v != ""}
    try:
        query = models.ReportQuery.model_validate(
            {**values, "lang": "sv" if g.lang == "sv" else "en"})
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "filter"
        raise InvalidParameter(field, "not a value this report takes") from None
    built = report_view.build(state().store, g.organiser, query)
    args = {k: v for k, v in values.items() if k not in ("format", "chart")}

    def csv_link(chart: str) -> str:
        return link("dashboard.report", format="csv", chart=chart, **args)

    return report_view.respond(
        built, query.format, query.chart, report_view.file_name(built),
        page="dashboard/report.html", csv_link=csv_link, chosen=values,
        pdf_link=link("dashboard.report", format="pdf", **args))


EXPORTS = {"csv": (stats.export_csv, "text/csv"), "geojson": (stats.export_geojson, GEOJSON)}


@bp.get("/export.<any(csv,geojson):fmt>")
def export(fmt: str) -> Response:
    """Approved stories and activities as CSV or GeoJSON (no personal data)."""
    write, mimetype = EXPORTS[fmt]
    response = Response(write(state().store, g.organiser, _municipality()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="trailapp-approved.{fmt}"'
    return response


@bp.errorhandler(CSRFError)
def _csrf_error(error: CSRFError) -> Any:
    return render("error.html", 400, status=400, message=STALE_FORM)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Any:
    if request.endpoint in DATA:
        return error_response(error)
    if error.status == 401:
        return redirect(link("dashboard.login"))
    return render("error.html", error.status, status=error.status, detail=error.description)


def init_app(app: Flask) -> None:
    """The dashboard's blueprint, session cookie, CSRF protection and static caching."""
    app.session_interface = DashboardSessionInterface()
    # CSRF is checked by the dashboard's own before_request only: the JSON API uses no
    # cookies (bearer tokens), so it stays exempt without listing it.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # The token is bound to the session, which has its own idle and absolute timeouts.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # Strict mode wants a Referer on HTTPS, which Referrer-Policy: no-referrer withholds;
    # the token and SameSite=Lax are the defence.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    from . import (  # noqa: F401 - pages of this blueprint
        dashboard_challenges,
        dashboard_exchange,
        dashboard_places,
        dashboard_survey,
    )

    app.register_blueprint(bp)

    @app.after_request
    def _static_cache(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 304):
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response

