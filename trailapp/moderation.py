"""The moderation states, the decisions organisers take, and the one rule: nothing
is public before an organiser approves it.

A contribution is pending until approved (published as a feature of the stories or
activities collection) or rejected. A published one can be hidden (by reports, or
withdrawn by an organiser) and restored. Publishing and unpublishing happen in the
same transaction as the status change and its audit entry, so the public side can
never be ahead of the decision, and every decision is on record: who, when, what,
before and after.

Longer than 300 lines because every state change of a contribution (translations and
joint activities included) goes through the one _decide/_publish pair here; split, the
rule that publishing follows the decision in one transaction would have two homes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import shape

from . import audit, challenges, i18n, policy, questions, text, translation_rules
from .auth import Organiser
from .domain import (
    CONTENT_NOTES,
    CONTRIBUTION_KINDS,
    EXCHANGE_KINDS,
    MUNICIPALITIES,
    SDG_TARGETS,
)
from .errors import Conflict, InvalidParameter, NotFound, Unprocessable
from .features import place_ref
from .publishing import publish, republish_place
from .store import Store, Writer
from .submission_rules import exchange_pseudonym
from .times import now_rfc3339, rfc3339

COLLECTION = CONTRIBUTION_KINDS  # kind -> the public collection it is published into
# action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "approve": ({"pending"}, "approved"),
    "reject": ({"pending", "hidden"}, "rejected"),
    "hide": ({"approved"}, "hidden"),
    "restore": ({"hidden"}, "approved"),
}
DEFAULT_SDG = {kind: list(SDG_TARGETS) for kind in (*CONTRIBUTION_KINDS, "reply")}
REJECTION_REASONS: dict[str, dict[str, str | None]] = {
    "personal-data": {
        "sv": "Texten eller bilden visar vem någon är (namn, adress, telefon eller ansikte "
              "utan lov). Ta bort det och skicka igen.",
        "en": "The text or photo shows who someone is (a name, address, phone number or a "
              "face without permission). Take it out and send again.",
        "tn": None},
    "off-topic": {
        "sv": "Det här handlar inte om platsen. Berätta gärna något om just den platsen.",
        "en": "This is not about the place. Please tell us something about the place itself.",
        "tn": None},
    "unkind": {
        "sv": "Texten kan göra andra ledsna eller rädda. Vi publicerar bara det som är "
              "schysst mot alla.",
        "en": "The text could upset or frighten others. We only publish what is kind to "
              "everyone.",
        "tn": None},
    "copyright": {
        "sv": "Bilden eller ljudet verkar vara gjort av någon annan. Skicka bara sådant du "
              "själv har gjort.",
        "en": "The photo or sound seems to be made by someone else. Only send what you made "
              "yourself.",
        "tn": None},
    "unsafe": {
        "sv": "Aktiviteten verkar inte säker för unga. Prata med en vuxen och försök igen.",
        "en": "The activity does not look safe for young people. Talk to an adult and try "
              "again.",
        "tn": None},
}
_AUDITED = ("status", "title", "body", "rejection_reason", "hidden_reason", "sdg_targets")


def _next_state(row: dict[str, Any], action: str) -> str:
    allowed, target = TRANSITIONS[action]
    if row["status"] not in allowed:
        raise Conflict(f"This contribution is {row['status']}, so it cannot be {target}; "
                       f"only a {' or '.join(sorted(allowed))} one can.")
    return target


def feature_record(row: dict[str, Any], place: dict[str, Any],
                   media: list[dict[str, Any]]) -> dict[str, Any]:
    """The public feature of an approved contribution: at its place, linked to it.

    Only what the public needs: title, text, pseudonym, media links, Agenda 2030
    targets; never the age band, consent details or flags.
    """
    geometry = json.loads(place["geometry"]) if place["geometry"] else None
    if geometry is not None and geometry["type"] != "Point":
        point = shape(geometry).representative_point()
        geometry = {"type": "Point", "coordinates": [point.x, point.y]}
    attrs: dict[str, Any] = {
        "place": place_ref(row["place_id"]),
        "pseudonym": row["pseudonym"],
        "lang": row["lang"],
        "published": row["decided_at"],
        "sdg_targets": json.loads(row.get("sdg_targets") or "[]"),
        "content_notes": json.loads(row.get("content_notes") or "[]"),
        "media": [{
            "type": m["media_type"], "kind": m["kind"], "href": f"/media/{m['file']}",
            "thumbnail": f"/media/{m['thumb_file']}" if m["thumb_file"] else None,
            "width": m["width"], "height": m["height"], "duration_s": m["duration_s"],
        } for m in media],
    }
    record: dict[str, Any] = {
        "collection": COLLECTION[row["kind"]], "id": row["id"],
        "municipality": row["municipality"], "kind": row["kind"],
        "accuracy": place["accuracy"], "geometry": geometry,
        "texts": {"name": {row["lang"]: row["title"]},
                  "description": {row["lang"]: row["body"]}},
        "attrs": attrs, "place_id": row["place_id"],
    }
    if row["kind"] == "activity":
        attrs.update({"starts_at": row["starts_at"], "ends_at": row["ends_at"],
                      "time_zone": row["time_zone"], "meeting_point": row["meeting_point"],
                      "capacity": row["capacity"]})
        record["time_start"] = rfc3339(datetime.fromisoformat(row["starts_at"]))
        record["time_end"] = rfc3339(datetime.fromisoformat(row["ends_at"]))
        if row.get("joint"):  # both towns' young people together (issue 13)
            attrs.update(joint=True, local_times=local_times(row))
    return record


def local_times(row: dict[str, Any]) -> dict[str, dict[str, str]]:
    """A joint activity's start and end in each town's own time zone."""
    out = {}
    for town in MUNICIPALITIES.values():
        zone = ZoneInfo(town.timezone)
        out[town.id] = {"starts_at": datetime.fromisoformat(row["starts_at"]).astimezone(
                            zone).isoformat(),
                        "ends_at": datetime.fromisoformat(row["ends_at"]).astimezone(
                            zone).isoformat(),
                        "time_zone": town.timezone}
    return out


def _publish(writer: Writer, row: dict[str, Any]) -> None:
    if row["kind"] == "translation":  # shown on its original's feature, not on its own
        _republish_original(writer, row)
        return
    if row["kind"] == "reply":  # shown inside its question's thread
        _republish_question(writer, row["parent_id"])
        return
    if row["kind"] not in COLLECTION:  # an answer to a challenge is never public
        return
    place = writer.feature_row("places", row["place_id"])
    if place is None:
        raise Conflict(f"The place {row['place_id']!r} no longer exists; the contribution "
                       "cannot be published.")
    record = feature_record(row, place, writer.media_of(row["id"]))
    if row["kind"] == "question":
        record["attrs"].update(questions.question_attrs(writer, row))
    translation_rules.decorate(record, writer.translations_of(row["id"], status="approved"))
    publish(writer, record)
    if row.get("joint"):
        writer.share_changes(record["collection"], row["id"])  # both towns' syncs
    republish_place(writer, row["place_id"])


def _republish_original(writer: Writer, translation: dict[str, Any]) -> None:
    """Render a translation's original again (with the approved translations it has now);
    a place's texts change only when an organiser applies a translation."""
    if translation_rules.target(translation) == "place":
        return
    original = writer.contribution(translation["parent_id"])
    if original is not None and original["status"] == "approved":
        _publish(writer, original)


def _republish_question(writer: Writer, question_id: str | None) -> None:
    """Render a published question again with its published replies (a reply was
    published, taken down or erased)."""
    question = writer.contribution(question_id) if question_id else None
    if question is not None and question["status"] == "approved":
        _publish(writer, question)


def republish_at(writer: Writer, place_id: str) -> None:
    """Publish a place's approved contributions again, at the place as it is now."""
    for row in writer.approved_of_place(place_id):
        _publish(writer, row)
    challenges.republish_at(writer, place_id)  # challenges follow their place too


def unpublish(writer: Writer, row: dict[str, Any]) -> None:
    """Take a contribution's feature off the public side (leaves a tombstone for sync);
    a translation leaves its original's feature (rendered again without it); a reply
    leaves its question's thread (the question is published again without it), and a
    question's tombstone takes its whole thread off the public side."""
    if row["kind"] == "translation":
        _republish_original(writer, row)
        return
    if row["kind"] == "reply":
        _republish_question(writer, row["parent_id"])
        return
    if row["kind"] not in COLLECTION:  # an answer to a challenge was never public
        return
    removed = writer.delete_feature(COLLECTION[row["kind"]], row["id"])
    if removed and row.get("joint"):
        writer.share_changes(COLLECTION[row["kind"]], row["id"])  # the tombstone too
    if removed:
        republish_place(writer, row["place_id"])


def _load(writer: Writer, contribution_id: str, by: Organiser | None) -> dict[str, Any]:
    row = writer.contribution(contribution_id)
    if row is None:
        raise NotFound(f"There is no contribution {contribution_id!r}.")
    if by is not None:
        policy.decide_contribution(by, row, f"contribution {contribution_id!r}")
    return row


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in _AUDITED}


def _decide(writer: Writer, row: dict[str, Any], action: str, by: Organiser | None,
            actor: str, **values: Any) -> dict[str, Any]:
    """Change a contribution's state, publish or unpublish to match, and audit it."""
    before = _snapshot(row)
    now = now_rfc3339()
    if row["status"] == "approved" and values.get("status") != "approved":
        values["unpublished_at"] = now  # retention counts from when it was taken down
    writer.set_status(row["id"], updated=now, **values)
    after_row = writer.contribution(row["id"]) or row
    if after_row["status"] == "approved":
        _publish(writer, after_row)
    elif row["status"] == "approved":
        unpublish(writer, row)
    audit.record(writer, by, action, "contribution", row["id"], row["municipality"], before,
          _snapshot(after_row), actor)
    return after_row


def approve(store: Store, contribution_id: str, by: Organiser | None = None,
            sdg_targets: list[str] | None = None, actor: str = "cli",
            content_notes: list[str] | None = None) -> dict[str, Any]:
    """Approve and publish, tagged with Agenda 2030 targets (default 4.7 and 11.4) and
    content notes (default the contributor's suggestions: approving accepts them)."""
    with store.writer() as writer:
        row = _load(writer, contribution_id, by)
        _check_exchange(writer, row)
        targets = DEFAULT_SDG.get(row["kind"], []) if sdg_targets is None else sdg_targets
        if row["kind"] == "translation" and row["status"] == "pending":
            translation_rules.check_approvable(writer, row)
        bad = sorted(set(targets) - set(SDG_TARGETS))
        if bad:
            raise InvalidParameter("sdg_targets", f"unknown targets {', '.join(bad)} (use "
                                   f"{', '.join(SDG_TARGETS)})")
        return _decide(writer, row, "approve", by, actor,
                       status=_next_state(row, "approve"), decided_at=now_rfc3339(),
                       decided_by=by.username if by else actor, hidden_reason=None,
                       sdg_targets=json.dumps(sorted(set(targets))),
                       content_notes=_notes(row, content_notes))


def _notes(row: dict[str, Any], chosen: list[str] | None) -> str:
    """The content notes an approval publishes, in the fixed list's order."""
    notes = json.loads(row.get("content_notes_suggested") or "[]") if chosen is None \
        else chosen
    bad = sorted(set(notes) - set(CONTENT_NOTES))
    if bad:
        raise InvalidParameter("content_notes", f"unknown notes {', '.join(bad)} (use "
                               f"{', '.join(CONTENT_NOTES)})")
    return json.dumps([n for n in CONTENT_NOTES if n in notes])


def _check_exchange(writer: Writer, row: dict[str, Any]) -> None:
    """A question or reply is contact between minors of two towns: it is not approved
    while a safeguarding flag stands (422 naming the flags, until an organiser redacts
    the text), nor a reply whose question is no longer published (409)."""
    if row["kind"] not in EXCHANGE_KINDS:
        return
    blocking = text.blocking(json.loads(row["flags"]))
    if blocking:
        raise Unprocessable("flags", f"{', '.join(blocking)}: contact details or a request "
                            "to meet cannot pass between young people; redact the text "
                            "first (decision redact), then approve")
    if row["kind"] == "reply":
        question = writer.contribution(row["parent_id"])
        if question is None or question["status"] != "approved":
            raise Conflict("The question this reply answers is no longer published.")


def rejection_text(reason: str | None, template: str | None, lang: str) -> str:
    """The reason a contributor reads: free text, or a template in their language."""
    if template is not None:
        if template not in REJECTION_REASONS:
            raise InvalidParameter("template", f"one of {', '.join(REJECTION_REASONS)}")
        text, _ = i18n.pick(REJECTION_REASONS[template], lang)
        return text or template
    if not reason or not reason.strip():
        raise InvalidParameter("reason", "say why (free text or a template)")
    return organiser_text(reason, "reason", 1000)


def organiser_text(value: str, field: str, max_length: int) -> str:
    """What an organiser writes that is stored (a reason) is plain text by the same rules
    as a contribution's; 422 naming the field otherwise."""
    try:
        return text.clean(value, field=field, max_length=max_length)
    except text.TextError as exc:
        raise Unprocessable(field, str(exc)) from None


def reject(store: Store, contribution_id: str, reason: str | None = None,
           by: Organiser | None = None, template: str | None = None,
           actor: str = "cli") -> dict[str, Any]:
    """Reject with a reason the contributor sees through their token."""
    with store.writer() as writer:
        row = _load(writer, contribution_id, by)
        text = rejection_text(reason, template, row["lang"])
        return _decide(writer, row, "reject", by, actor, status=_next_state(row, "reject"),
                       rejection_reason=text, decided_at=now_rfc3339(),
                       decided_by=by.username if by else actor)


def hide(writer: Writer, row: dict[str, Any], reason: str, by: Organiser | None = None,
         actor: str = "system", action: str = "hide") -> dict[str, Any]:
    """Hide a published contribution until an organiser looks again."""
    return _decide(writer, row, action, by, actor, status=_next_state(row, "hide"),
                   hidden_reason=reason)


def withdraw(store: Store, contribution_id: str, by: Organiser | None = None,
             reason: str = "withdrawn by an organiser", actor: str = "cli") -> dict[str, Any]:
    """An organiser takes a published contribution down (it can be restored)."""
    reason = organiser_text(reason, "reason", 500)
    with store.writer() as writer:
        return hide(writer, _load(writer, contribution_id, by), reason, by, actor,
                    action="withdraw")


def restore(store: Store, contribution_id: str, by: Organiser | None = None,
            actor: str = "cli") -> dict[str, Any]:
    """Publish a hidden contribution again; its reports count as handled."""
    with store.writer() as writer:
        row = _load(writer, contribution_id, by)
        after = _decide(writer, row, "restore", by, actor,
                        status=_next_state(row, "restore"), hidden_reason=None)
        writer.clear_reports(contribution_id)
        return after


def redact(store: Store, contribution_id: str, by: Organiser | None,
           title: str | None = None, body: str | None = None, actor: str = "cli"
           ) -> dict[str, Any]:
    """Edit a contribution's text (remove a surname); the original stays in the audit
    log, and a published one is republished at once."""
    from . import text

    with store.writer() as writer:
        row = _load(writer, contribution_id, by)
        values = {}
        try:
            if title is not None:
                values["title"] = text.clean(title, field="title", max_length=120,
                                             multiline=False)
            if body is not None:
                values["body"] = text.clean(body, field="body", max_length=5000)
        except text.TextError as exc:  # 422, as for the contributor's own text
            raise Unprocessable(str(exc).split(" ", 1)[0], str(exc)) from None
        if not values:
            raise InvalidParameter("body", "give a new title or body")
        before = _snapshot(row)
        new = {"title": row["title"], "body": row["body"], **values}
        kept = [f for f in json.loads(row["flags"]) if f["code"] == "repeated"]
        flags = kept + text.flags([new["title"], new["body"], row["meeting_point"] or "",
                                   *exchange_pseudonym(row["kind"], row["pseudonym"])],
                                  row["lang"])
        writer.redact_contribution(contribution_id, now_rfc3339(), **values,
                                   flags=json.dumps(flags))
        after_row = writer.contribution(contribution_id) or row
        if after_row["status"] == "approved":
            _publish(writer, after_row)
            writer.optimize_text_index()  # the redacted words leave the search index
        audit.record(writer, by, "redact", "contribution", contribution_id, row["municipality"],
              before, _snapshot(after_row), actor)
        return after_row


def set_content_notes(store: Store, contribution_id: str, by: Organiser | None,
                      notes: list[str], actor: str = "cli") -> dict[str, Any]:
    """Change the content notes of a published (or withdrawn) story, activity or
    question; a published one is rendered again at once, so sync and packs carry the
    new notes. Audited; an unknown note is a 422 naming content_notes."""
    bad = sorted(set(notes) - set(CONTENT_NOTES))
    if bad:
        raise Unprocessable("content_notes", f"unknown notes {', '.join(bad)} (use "
                            f"{', '.join(CONTENT_NOTES)})")
    with store.writer() as writer:
        row = _load(writer, contribution_id, by)
        if row["kind"] not in COLLECTION:
            raise Unprocessable("content_notes", f"a {row['kind']} carries no content notes")
        if row["status"] not in ("approved", "hidden"):
            raise Conflict("Not published yet: choose its content notes when approving it.")
        chosen = json.dumps([n for n in CONTENT_NOTES if n in notes])
        writer.set_status(contribution_id, content_notes=chosen, updated=now_rfc3339())
        after = writer.contribution(contribution_id) or row
        if after["status"] == "approved" and after["content_notes"] != row["content_notes"]:
            _publish(writer, after)
        audit.record(writer, by, "content-notes", "contribution", contribution_id,
                     row["municipality"], {"content_notes": json.loads(row["content_notes"])},
                     {"content_notes": json.loads(chosen)}, actor)
        return after


def mark_joint(store: Store, contribution_id: str, by: Organiser | None, joint: bool,
               actor: str = "cli") -> dict[str, Any]:
    """Mark an activity as held by both towns' young people (or not); a published one is
    republished at once, into both towns' listings and syncs. A published joint activity
    cannot be made single-town again (the other town's apps hold it): withdraw it first."""
    with store.writer() as writer:
        row = _load(writer, contribution_id, by)
        if row["kind"] != "activity":
            raise Unprocessable("joint", "only an activity can be joint")
        if row["joint"] and not joint and row["status"] == "approved":
            raise Conflict("This joint activity is published in both towns; withdraw it "
                           "before making it an activity of one town.")
        writer.set_joint(contribution_id, int(joint), now_rfc3339())
        after = writer.contribution(contribution_id) or row
        if after["status"] == "approved" and after["joint"] != row["joint"]:
            _publish(writer, after)
        audit.record(writer, by, "joint", "contribution", contribution_id,
                     row["municipality"], {"joint": bool(row["joint"])},
                     {"joint": bool(after["joint"])}, actor)
        return after
