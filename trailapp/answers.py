"""Young people's answers to challenges (issue 14).

How an answer is stored: as a contribution of kind 'answer' (m012 rebuilt the table's
CHECK for it), with a side row in challenge_answers (its challenge, the option chosen,
right or wrong) deleted with it. A contribution and not a table of its own, because an
answer needs everything a contribution already has and must not get a second copy of:
consent (a guardian's below the town's age), the secret token, the keyed retry, rate
limits, media cleaning (EXIF and GPS gone from photos, audio re-encoded), moderation by
the challenge's town, erasure by token and retention.

- A free answer, a found detail, a photo or an interview waits for an organiser like
  any contribution. Approved, it is NOT published (no collection takes the kind): it
  counts for the passport and the statistics only. Publishing young people's answers as
  stories would need their own consent to publication; they can send a story for that.
- A multiple-choice answer is checked at once: it is approved when right and rejected
  ("not the right option") when wrong, with nothing to moderate. No free text is stored
  for it (the title is the challenge's id and the body the option's number; a photo or
  interview without words has its challenge's kind as its body).
- With an X-Passport-Key, the answer is linked (a keyed hash of the key only) to that
  passport in the same transaction (passport.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import challenges, passport
from .contributions import Settings, Upload, submit
from .domain import ANSWER_KIND, ANSWER_TEXT_MAX, CHALLENGE_MEDIA
from .errors import Unprocessable
from .store import Store, Writer
from .submission_rules import Submission
from .times import now_rfc3339


@dataclass
class AnswerFields:
    """The fields of an answer, already of the right types (see http.models)."""

    lang: str
    age_band: str
    consent_by: str
    consent_notice_version: str
    text: str | None = None
    choice: int | None = None
    place: str | None = None
    pseudonym: str | None = None
    people_in_media: bool | None = None
    people_consented: bool | None = None


def _check(challenge: dict[str, Any], fields: AnswerFields, uploads: list[Upload]) -> None:
    """The answer fits its challenge's kind: 422 naming the field otherwise."""
    kind = challenge["kind"]
    if kind == "multiple-choice":
        options = len(json.loads(challenge["options"]))
        if fields.choice is None or not 0 <= fields.choice < options:
            raise Unprocessable("choice", f"the index (0 to {options - 1}) of your option")
        if fields.text is not None or uploads:
            raise Unprocessable("text", "a multiple-choice answer is only its choice")
        return
    if fields.choice is not None:
        raise Unprocessable("choice", "only a multiple-choice challenge takes a choice")
    if kind in CHALLENGE_MEDIA:
        if len(uploads) != 1:
            raise Unprocessable("media", f"send one {CHALLENGE_MEDIA[kind]} file as "
                                "'media'")
    else:
        if uploads:
            raise Unprocessable("media", "this challenge takes a written answer only")
        if not fields.text or not fields.text.strip():
            raise Unprocessable("text", "write your answer")
    if fields.text is not None and len(fields.text) > 4 * ANSWER_TEXT_MAX:
        raise Unprocessable("text", f"at most {ANSWER_TEXT_MAX} characters")


def answer(store: Store, settings: Settings, challenge_id: str, fields: AnswerFields,
           uploads: list[Upload], *, client: str, idempotency_key: str | None = None,
           install_id: str | None = None, workshop_code: str | None = None,
           passport_key: str | None = None) -> tuple[dict[str, Any], Any]:
    """Accept an answer (pending, or checked at once for multiple choice) and what is
    left of its tightest submission limit."""
    passport_hash = passport.key_hash(settings.secret, passport_key) if passport_key \
        else None
    with store.reader() as reader:
        challenge = challenges.public_challenge(reader, challenge_id)
    _check(challenge, fields, uploads)
    place = challenge["place_id"]
    if place is None:  # along a trail: the app says at which place it was answered
        if fields.place is None:
            raise Unprocessable("place", "say at which place of the trail you answered")
        place = fields.place
    elif fields.place not in (None, place):
        raise Unprocessable("place", "this challenge is at another place")
    mc = challenge["kind"] == "multiple-choice"
    sub = Submission(
        kind=ANSWER_KIND, lang=fields.lang, title=challenge_id,
        body=str(fields.choice) if mc else (fields.text or challenge["kind"]),
        pseudonym=fields.pseudonym or "Passport", age_band=fields.age_band,
        consent_by=fields.consent_by, consent_notice_version=fields.consent_notice_version,
        place=place, people_in_media=fields.people_in_media,
        people_consented=fields.people_consented)
    correct = (fields.choice == challenge["correct_option"]) if mc else None

    def on_insert(writer: Writer, row: dict[str, Any]) -> None:
        if row["municipality"] != challenge["municipality"]:
            raise Unprocessable("place", "answer at a place of the challenge's own town")
        media = writer.media_of(row["id"])
        wanted = CHALLENGE_MEDIA.get(challenge["kind"])
        if wanted is not None and [m["kind"] for m in media] != [wanted]:
            raise Unprocessable("media", f"send one {wanted} file as 'media'")
        writer.insert_challenge_answer(row["id"], challenge_id, fields.choice, correct)
        if mc:  # checked at once: nothing for an organiser to moderate
            now = now_rfc3339()
            status = "approved" if correct else "rejected"
            writer.set_status(row["id"], status=status, decided_at=now, updated=now,
                              decided_by="auto", rejection_reason=None if correct
                              else "not the right option")
            row["status"] = status
        if passport_hash is not None:
            writer.link_passport(passport_hash, "answer", row["id"])

    receipt, quota = submit(store, settings, sub, uploads, client=client,
                            idempotency_key=idempotency_key, install_id=install_id,
                            workshop_code=workshop_code, on_insert=on_insert)
    receipt["challenge"] = {"id": challenge_id, "href": challenges.challenge_ref(challenge_id)}
    if mc:
        receipt["correct"] = correct
    return receipt, quota
