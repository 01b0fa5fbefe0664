"""The dashboard's page for one place (issue 14): what it is, how much of its position is
public (location protection, with a written reason to lower it), its content notes and
its visiting guidance, and the audit history of its protection. Thin: the rules are in
trailapp.editing and trailapp.protection (the same as PUT /manage/places/{id}); routes
join the dashboard's blueprint (its session, CSRF and error pages). A refused form comes
back with the fault named and what was entered kept."""

from __future__ import annotations

import re
from typing import Any

from flask import g, redirect, request

from .. import editing, i18n, review
from ..domain import ACCESS, ACCESSIBILITY, CONTENT_NOTES, FEATURE_ID, LANGS, PROTECTION_LEVELS
from ..errors import ApiError, NotFound
from .context import settings, state
from .dashboard import N_, bp, link, render

DONE = {"saved": N_("Saved: the place is public as shown below.")}
TEXT_FIELDS = ("opening_times", "accessibility_note")


def _place_id(value: str) -> str:
    if not re.match(FEATURE_ID, value):
        raise NotFound(f"There is no place {value!r}.")
    return value


def _form_of(record: dict[str, Any]) -> dict[str, Any]:
    """The form's values from the stored place."""
    visiting = record["attrs"].get("visiting") or {}
    form: dict[str, Any] = {"protection": record.get("protection") or "exact",
                            "content_notes": record["attrs"].get("content_notes") or [],
                            "access": visiting.get("access") or "",
                            "accessibility": visiting.get("accessibility") or []}
    for name in TEXT_FIELDS:
        value = visiting.get(name)
        for lang in LANGS:  # text for every language is shown in each language's field
            form[f"{name}_{lang}"] = (value if isinstance(value, str)
                                      else (value or {}).get(lang)) or ""
    return form


def _form_from(data: Any) -> dict[str, Any]:
    """The form's values as posted."""
    form: dict[str, Any] = {k: data.get(k, "") for k in ("protection", "reason", "access")}
    form["content_notes"] = data.getlist("content_notes")
    form["accessibility"] = data.getlist("accessibility")
    form.update({f"{n}_{lang}": data.get(f"{n}_{lang}", "") for n in TEXT_FIELDS
                 for lang in LANGS})
    return form


def _in_languages(form: dict[str, Any], name: str) -> str | dict[str, str] | None:
    """A text field in sv/en/tn: one text when it is the same in every language."""
    values = {lang: form[f"{name}_{lang}"].strip() for lang in LANGS}
    given = {lang: v for lang, v in values.items() if v}
    if not given:
        return None
    same = set(values.values())
    return same.pop() if len(same) == 1 else given


def _visiting(form: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"access": form["access"] or None,
                           "accessibility": form["accessibility"] or None,
                           **{n: _in_languages(form, n) for n in TEXT_FIELDS}}
    return {k: v for k, v in out.items() if v is not None}


def _page(place_id: str, form: dict[str, Any] | None = None,
          error: ApiError | None = None) -> Any:
    store = state().store
    with store.reader() as reader:
        record = editing.get(reader, g.organiser, "places", place_id)
    history = [e for e in review.audit_log(store, g.organiser, place_id, 200)
               if e["action"] == "protection"]
    field = (error.errors[0].get("field") if error and error.errors else None) or ""
    return render(
        "place.html", error.status if error else 200, place=record, history=history,
        name=i18n.pick(record["texts"].get("name"), g.lang)[0] or record["id"],
        description=i18n.pick(record["texts"].get("description"), g.lang)[0],
        form=form or _form_of(record), error=error, error_field=field,
        levels=PROTECTION_LEVELS, notes=[(n, i18n.label(f"note.{n}", g.lang))
                                         for n in CONTENT_NOTES],
        access=ACCESS, accessibility=ACCESSIBILITY, langs=LANGS,
        done=DONE.get(request.args.get("done", "")))


@bp.get("/places/<place_id>")
def place_page(place_id: str) -> Any:
    """One place of the organiser's towns (another town's is a 404)."""
    return _page(_place_id(place_id))


@bp.post("/places/<place_id>")
def place_save(place_id: str) -> Any:
    """Save the place's protection, content notes and visiting guidance; a refusal shows
    the form again with the fault named and nothing changed."""
    form = _form_from(request.form)
    try:
        editing.set_care(state().store, g.organiser, _place_id(place_id),
                         form["protection"], form["reason"].strip() or None,
                         form["content_notes"], _visiting(form) or None,
                         cell_m=settings()["PROTECTION_CELL_M"])
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 404):
            raise
        return _page(place_id, form, exc)
    return redirect(link("dashboard.place_page", place_id=place_id, done="saved"))
