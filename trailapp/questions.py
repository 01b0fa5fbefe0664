"""Questions across (issue 13): a young person asks a question at a place with an active
twin, addressed to the twin town's young people; young people of the other town reply.

Both are contributions (the same consent, token, idempotency and limits; text only).
A question is moderated by the asker's town and published into the `questions`
collection (shared: both towns' sync and packs carry it). A reply is moderated by the
replier's town and is not a collection of its own: it is shown inside its thread, and
the question's feature carries its first published replies (so sync and packs carry
them, and a question's tombstone takes its whole thread off the public side).

A reply is sent from the twin place in the replier's town (`place`): that place is its
place, and that place's town is its municipality, which decides on it (policy.py).
"""

from __future__ import annotations

import json
from typing import Any

from . import i18n
from .domain import EXCHANGE_KINDS, THREAD_EMBEDDED_REPLIES, THREAD_PAGE
from .errors import InvalidParameter, NotFound, Unprocessable
from .features import place_ref
from .store import Reader


def thread_ref(question_id: str) -> str:
    """The public address of a question's thread."""
    return f"/questions/{question_id}/thread"


def check(reader: Reader, kind: str, place: dict[str, Any], parent_id: str | None
          ) -> dict[str, Any]:
    """The exchange's rules for a new question or reply at this place (any other kind
    passes through); the columns they add to the row. 422 naming the field."""
    if kind not in EXCHANGE_KINDS:
        if parent_id is not None:
            raise Unprocessable("parent_id", "only replies have a parent_id")
        return {}
    twins = reader.twins_of_place(place["id"])
    if kind == "question":
        if parent_id is not None:
            raise Unprocessable("parent_id", "a question has no parent_id; only a reply has")
        if not twins:
            raise Unprocessable("place", f"the place {place['id']!r} has no twin place in "
                                "the other town yet; ask at a place that has one")
        return {}
    if parent_id is None:
        raise Unprocessable("parent_id", "a reply names the question it answers (its id)")
    question = reader.contribution(parent_id)
    if question is None or question["kind"] != "question" or question["status"] != "approved":
        raise Unprocessable("parent_id", f"there is no published question {parent_id!r}")
    if question["municipality"] == place["municipality"]:
        raise Unprocessable("parent_id", "a question is answered by the young people of "
                            "the other town; send the reply from your town's twin place")
    twin_places = {t["place_id"] for t in twins} | {t["twin_place_id"] for t in twins}
    if question["place_id"] not in twin_places:
        raise Unprocessable("place", f"reply from the place paired with "
                            f"{question['place_id']!r} (see its properties.twins)")
    return {"parent_id": parent_id}


def public_reply(row: dict[str, Any]) -> dict[str, Any]:
    """A published reply as the public sees it in a thread."""
    return {"id": row["id"], "pseudonym": row["pseudonym"], "lang": row["lang"],
            "title": row["title"], "body": row["body"], "municipality": row["municipality"],
            "place": place_ref(row["place_id"]), "published": row["decided_at"]}


def replies_in(reader: Reader, rows: list[dict[str, Any]], lang: str
               ) -> list[dict[str, Any]]:
    """A page of published replies in a thread asked for in `lang`, their translations
    read in one query for the whole page (not one per reply)."""
    other = [r["id"] for r in rows if r["lang"] != lang]
    found = reader.first_translations(other, lang) if other else {}
    return [reply_in(r, lang, found.get(r["id"])) for r in rows]


def reply_in(row: dict[str, Any], lang: str, t: dict[str, Any] | None) -> dict[str, Any]:
    """A published reply in a thread asked for in `lang`: a young person's approved
    translation `t` into that language when it has one (who translated it, the
    "translated by young people" marker, the original kept beside it), else as it was
    written."""
    out = public_reply(row)
    if row["lang"] == lang:
        return out
    if t is not None:
        out.update(lang=lang, title=t["title"], body=t["body"], translated_by=t["pseudonym"],
                   translation={"by_young_people": True,
                                "label": i18n.label("translated-by-young-people", lang),
                                "original_lang": row["lang"],
                                "original": {"title": row["title"], "body": row["body"]}})
    return out


def question_attrs(reader: Reader, row: dict[str, Any]) -> dict[str, Any]:
    """What a question's feature says beyond a story's: the town and twin places it is
    addressed to, its first published replies, their count, its thread."""
    twin_places, towns = [], set()
    for twin in reader.twins_of_place(row["place_id"]):
        other, town = ((twin["twin_place_id"], twin["twin_municipality"])
                       if twin["place_id"] == row["place_id"] else
                       (twin["place_id"], twin["municipality"]))
        twin_places.append(place_ref(other))
        towns.add(town)
    replies = reader.replies_of(row["id"], limit=THREAD_EMBEDDED_REPLIES)
    return {"addressed_to": sorted(towns), "twin_places": twin_places,
            "replies": [public_reply(r) for r in replies],
            "reply_count": reader.reply_count(row["id"]),
            "thread": {"href": thread_ref(row["id"])}}


def page_bounds(limit: int | None, offset: int | None) -> tuple[int, int]:
    """A thread page's limit and offset, checked (400 naming the parameter)."""
    default, largest = THREAD_PAGE
    limit = default if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= largest:
        raise InvalidParameter("limit", f"between 1 and {largest}")
    if offset < 0:
        raise InvalidParameter("offset", "0 or more")
    return limit, offset


def thread(reader: Reader, question_id: str, lang: str, limit: int, offset: int
           ) -> dict[str, Any]:
    """A published question (its feature, in `lang`) and a page of its published
    replies, in order; 404 unless the question is published."""
    text = reader.feature_json("questions", question_id, lang)
    if text is None:
        raise NotFound(f"There is no published question {question_id!r}.")
    total = reader.reply_count(question_id)
    replies = replies_in(reader, reader.replies_of(question_id, limit=limit, offset=offset),
                         lang)
    links = [{"href": f"{thread_ref(question_id)}?limit={limit}&offset={offset}",
              "rel": "self", "type": "application/json"}]
    if offset + len(replies) < total:
        links.append({"href": f"{thread_ref(question_id)}?limit={limit}&offset="
                      f"{offset + limit}", "rel": "next", "type": "application/json"})
    return {"question": json.loads(text), "replies": replies, "numberMatched": total,
            "numberReturned": len(replies), "links": links}


def status_extras(reader: Reader, row: dict[str, Any]) -> dict[str, Any]:
    """What the author of a question or reply sees beyond a story's status: a question's
    published replies; whether a reply's question is still published."""
    if row["kind"] == "question":
        return {"replies": [public_reply(r) for r in reader.replies_of(row["id"])]}
    if row["kind"] == "reply":
        question = reader.contribution(row["parent_id"]) if row["parent_id"] else None
        withdrawn = question is None or question["status"] != "approved"
        return {"question": {"id": row["parent_id"], "href": None if withdrawn else
                             thread_ref(row["parent_id"]), "withdrawn": withdrawn,
                             "message": "the question was withdrawn" if withdrawn else None}}
    return {}


def context(reader: Reader, row: dict[str, Any]) -> dict[str, Any] | None:
    """For a moderator: the question a reply answers (its text and state), or None."""
    if row["kind"] != "reply" or not row.get("parent_id"):
        return None
    question = reader.contribution(row["parent_id"])
    if question is None:
        return {"id": row["parent_id"], "status": "erased"}
    return {k: question[k] for k in ("id", "status", "municipality", "place_id", "lang",
                                     "title", "body", "pseudonym", "decided_at")}
