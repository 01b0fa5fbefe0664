"""The dashboard's Twins page (issue 13): twins waiting for the organiser's town, their
own proposals, the active and recently ended ones, both towns' paired places on two
maps side by side, and forms to propose, accept and end. Thin: the rules are in
trailapp.twins (and policy.py); routes join the dashboard's blueprint (its session,
CSRF and error pages)."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g, redirect, request

from .. import twins, twins_board
from ..domain import LANGS
from ..errors import NotFound
from .context import state
from .dashboard import N_, bp, link, render

DONE = {"propose": N_("Proposed: the other town's organisers see it waiting for them."),
        "accept": N_("Accepted: the twin is public on both places."),
        "end": N_("Ended: the twin is no longer public.")}
TWIN_ID = r"^t[0-9a-f]{16}$"


@bp.get("/twins")
def twins_page() -> Any:
    app = state()
    page = twins_board.board(app.store, g.organiser, g.lang)
    return render("twins.html", board=page, done=DONE.get(request.args.get("done", "")))


@bp.post("/twins")
def twins_propose() -> Response:
    form = request.form
    twins.propose(state().store, g.organiser, form.get("municipality", ""),
                  form.get("place", ""), form.get("twin_place", ""), form.get("theme", ""),
                  {lang: form.get(f"text_{lang}") or None for lang in LANGS})
    return redirect(link("dashboard.twins_page", done="propose"))


@bp.post("/twins/<twin_id>/<action>")
def twins_step(twin_id: str, action: str) -> Response:
    if not re.match(TWIN_ID, twin_id) or action not in ("accept", "end"):
        raise NotFound(f"There is no twin {twin_id!r}.")
    step = twins.accept if action == "accept" else twins.end
    step(state().store, g.organiser, twin_id)
    return redirect(link("dashboard.twins_page", done=action))
