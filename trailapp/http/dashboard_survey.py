"""The dashboard's Survey pages: what is waiting, one place's fixes on a map with their
accuracy circles and the consensus, one trail's tracks overlaid, and the decisions.
Thin: the rules are in trailapp.survey_review; routes join the dashboard's blueprint
(its session, CSRF and error pages)."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g, redirect, request

from .. import survey_review
from ..domain import CONTRIBUTION_ID, FEATURE_ID
from ..errors import InvalidParameter, NotFound
from ..features import GEOJSON
from .context import state
from .dashboard import N_, bp, link, render

DONE = {"approve": N_("The place's location is approved and published."),
        "set": N_("The place's location is set and published."),
        "reject": N_("The waiting fixes were rejected."),
        "publish": N_("The trail line is published."),
        "reject-track": N_("The track was rejected.")}


def _id(value: str, pattern: str, what: str) -> str:
    if not re.match(pattern, value):
        raise NotFound(f"There is no {what} {value!r}.")
    return value


@bp.get("/survey")
def survey() -> Any:
    """Places still to locate and trails to record, with how far each has come."""
    app = state()
    overview = survey_review.overview(app.store, app.survey, g.organiser, None, g.lang)
    return render("survey.html", overview=overview,
                  done=DONE.get(request.args.get("done", "")))


@bp.get("/survey/places/<place_id>")
def survey_place(place_id: str) -> Any:
    app = state()
    review = survey_review.place(app.store, app.survey, g.organiser,
                                 _id(place_id, FEATURE_ID, "place"), g.lang)
    c, old = review["consensus"], review["place"]
    map_data: dict[str, Any] = {"fixes": [
        {"lon": f["lon"], "lat": f["lat"], "accuracy_m": f["accuracy_m"],
         "outlier": f["outlier"], "label": f"{f['surveyor']} · {f['pseudonym']}"}
        for f in review["fixes"]]}
    if old["point"]:
        map_data["old"] = {"point": old["point"], "radius": old["uncertainty_m"],
                           "label": old["name"]}
    if c["lon"] is not None:
        map_data["consensus"] = {"point": [c["lon"], c["lat"]], "spread": c["spread_m"],
                                 "label": f"{c['counted']}/{c['votes']} · {c['spread_m']} m"}
    return render("survey_place.html", review=review, map_data=map_data,
                  done=DONE.get(request.args.get("done", "")))


def _number(form: Any, name: str) -> float | None:
    value = form.get(name, "").strip().replace(",", ".")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidParameter(name, "is not a number") from None


@bp.post("/survey/places/<place_id>")
def survey_decide(place_id: str) -> Response:
    form = request.form
    action = form.get("action", "")
    app = state()
    survey_review.decide_place(app.store, app.survey, g.organiser,
                               _id(place_id, FEATURE_ID, "place"), action,
                               form.get("reason"), _number(form, "lon"), _number(form, "lat"))
    return redirect(link("dashboard.survey_place", place_id=place_id, done=action))


@bp.get("/survey/trails/<trail_id>")
def survey_trail(trail_id: str) -> Any:
    return _trail_page(_id(trail_id, FEATURE_ID, "trail"))


def _trail_page(trail_id: str, warning: str | None = None) -> Any:
    app = state()
    review = survey_review.trail(app.store, app.survey, g.organiser, trail_id, g.lang)
    index = {t["id"]: n for n, t in enumerate(review["tracks"], 1)}
    map_data = {"tracks": [{"geometry": t["geometry"], "label": f"{index[t['id']]} · "
                            f"{t['pseudonym']} · {t['length_m'] / 1000:.2f} km"}
                           for t in review["tracks"]],
                "line": review["trail"]["geometry"]}
    return render("survey_trail.html", review=review, map_data=map_data, index=index,
                  warning=warning, done=DONE.get(request.args.get("done", "")))


@bp.post("/survey/trails/<trail_id>")
def survey_publish(trail_id: str) -> Any:
    """Publish the tracks the organiser numbered, in that order."""
    chosen = []
    for name, value in request.form.items():
        if name.startswith("order-") and value.strip():
            try:
                chosen.append((int(value), name.removeprefix("order-")))
            except ValueError:
                raise InvalidParameter(name, "is not a whole number") from None
    app = state()
    done = survey_review.publish_trail(app.store, app.survey, g.organiser,
                                       _id(trail_id, FEATURE_ID, "trail"),
                                       [track for _, track in sorted(chosen)])
    if done["warning"]:
        return _trail_page(trail_id, warning=done["warning"])
    return redirect(link("dashboard.survey_trail", trail_id=trail_id, done="publish"))


@bp.post("/survey/trails/<trail_id>/tracks/<track_id>/reject")
def survey_reject_track(trail_id: str, track_id: str) -> Response:
    survey_review.reject_track(state().store, g.organiser,
                               _id(track_id, CONTRIBUTION_ID, "track"),
                               request.form.get("reason", ""))
    return redirect(link("dashboard.survey_trail", trail_id=trail_id, done="reject-track"))


@bp.get("/survey/export.geojson")
def survey_export() -> Response:
    """The surveyed places and lines with proposed OpenStreetMap tags."""
    from ..features import dumps

    body = survey_review.osm_export(state().store, g.organiser, None)
    response = Response(dumps(body), mimetype=GEOJSON)
    response.headers["Content-Disposition"] = 'attachment; filename="trailapp-survey.geojson"'
    return response
