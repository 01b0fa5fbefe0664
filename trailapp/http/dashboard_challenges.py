"""The dashboard's Challenges page (issue 14): the challenges of the organiser's towns, a
form to set one at a place or along a trail, and withdraw. Thin: the rules are in
trailapp.challenges (the same calls as the JSON routes /moderation/challenges, audited
the same way); routes join the dashboard's blueprint (its session, CSRF and error
pages). A refused form comes back with the field named and what was entered kept."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, g, redirect, request

from .. import challenges, editing, i18n
from ..domain import CHALLENGE_ID, CHALLENGE_KINDS, CHALLENGE_OPTIONS, LANGS
from ..errors import ApiError, NotFound, Unprocessable
from .context import state
from .dashboard import N_, bp, link, render

DONE = {"create": N_("The challenge is set and public in the app."),
        "withdraw": N_("Withdrawn: the challenge is no longer public.")}
OPTION_ROWS = CHALLENGE_OPTIONS[1]


def _targets(lang: str) -> list[dict[str, Any]]:
    """The places and trails of the organiser's towns, as the form offers them."""
    return [{"value": f"{row['collection'][:-1]}:{row['id']}", **row}
            for row in editing.overview(state().store, g.organiser, lang)]


def _page(form: dict[str, Any] | None = None, error: ApiError | None = None) -> Any:
    targets = _targets(g.lang)
    names = {t["value"]: t["name"] for t in targets}
    items = []
    for item in challenges.listing(state().store, g.organiser, None, None):
        target = f"place:{item['place']['id']}" if item["place"] else \
            f"trail:{item['trail']['id']}"
        items.append({**item, "target": target, "target_name": names.get(target, target),
                      "title_text": i18n.pick(item["title"], g.lang)[0] or item["id"]})
    field = (error.errors[0].get("field") if error and error.errors else None) or ""
    return render("challenges.html", error.status if error else 200, items=items, targets=targets,
                  kinds=CHALLENGE_KINDS, langs=LANGS, option_rows=range(OPTION_ROWS),
                  form=form or {}, error=error, error_field=field,
                  done=DONE.get(request.args.get("done", "")))


@bp.get("/challenges")
def challenges_page() -> Any:
    """Every challenge of the organiser's towns, and the form to set a new one."""
    return _page()


def _options(form: Any) -> tuple[list[dict[str, str | None]] | None, int | None]:
    """The option rows filled in, and the right one's index among them (None when the
    chosen row is empty or none is chosen: the service names correct_option)."""
    rows = [{lang: form.get(f"option_{i}_{lang}", "").strip() or None for lang in LANGS}
            for i in range(OPTION_ROWS)]
    kept = [i for i, row in enumerate(rows) if any(row.values())]
    chosen = form.get("correct_option", "")
    correct = kept.index(int(chosen)) if chosen.isdigit() and int(chosen) in kept else None
    return ([rows[i] for i in kept] or None), correct


@bp.post("/challenges")
def challenges_create() -> Any:
    """Set a challenge from the form; a refusal shows the form again, the field named."""
    form = request.form
    kind, target = form.get("kind", ""), form.get("target", "")
    found = next((t for t in _targets(g.lang) if t["value"] == target), None)
    options, correct = _options(form)
    try:
        if found is None:
            raise Unprocessable("place", "choose a place or trail of your town")
        challenges.create(
            state().store, g.organiser, found["municipality"], kind,
            found["id"] if found["collection"] == "places" else None,
            found["id"] if found["collection"] == "trails" else None,
            {lang: form.get(f"title_{lang}") for lang in LANGS},
            {lang: form.get(f"prompt_{lang}") for lang in LANGS},
            options, correct if kind == "multiple-choice" else None)
    except ApiError as exc:
        if exc.status >= 500 or exc.status == 401:
            raise
        return _page(form.to_dict(), exc)
    return redirect(link("dashboard.challenges_page", done="create"))


@bp.post("/challenges/<challenge_id>/withdraw")
def challenges_withdraw(challenge_id: str) -> Response:
    """Take a challenge off the public side (another town's is a 404)."""
    if not re.match(CHALLENGE_ID, challenge_id):
        raise NotFound(f"There is no challenge {challenge_id!r}.")
    challenges.withdraw(state().store, g.organiser, challenge_id)
    return redirect(link("dashboard.challenges_page", done="withdraw"))
