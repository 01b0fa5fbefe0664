"""Young people's stories and activities: the rules of submitting and checking on a
contribution and of reporting a published one (who may fetch a media file is in
media_access.py; erasing and retention are in erasure.py).

Plain Python: the HTTP layer hands in validated fields, uploaded files and an opaque
client key; the answers are plain dicts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from . import domain, moderation, questions, ratelimit, submission_limits, submission_rules, text
from .domain import TEXT_LIMITS
from .errors import MediaError, NotFound, Unauthorized, Unprocessable
from .features import place_ref
from .media import Limits, MediaStore, Processed, read_capped
from .store import Reader, Store, Writer
from .submission_rules import Submission
from .times import now_rfc3339
from .workshops import check_place as check_workshop_place


@dataclass(frozen=True)
class Settings:
    """What the rules need from the configuration."""

    secret: str
    media: MediaStore
    limits: Limits = field(default_factory=Limits)
    guardian_under: dict[str, int] = field(default_factory=lambda: {
        m.id: m.guardian_consent_under for m in domain.MUNICIPALITIES.values()})
    snap_m: float = 250.0
    # Per install, per address and per workshop: see submission_limits.py.
    submit_limit: ratelimit.Limit = ratelimit.Limit("submission", 10, 600)
    address_limit: ratelimit.Limit = ratelimit.Limit("submission-address", 60, 600)
    workshop_limit: ratelimit.Limit = ratelimit.Limit("submission-workshop", 200, 3600)
    report_limit: ratelimit.Limit = ratelimit.Limit("report", 20, 3600)
    # Replays refused (another client, or other content) per client and per key.
    replay_limit: ratelimit.Limit = ratelimit.Limit("replay-refused", 5, 3600)
    hide_after_reports: int = 3
    pack_dir: str | None = None  # built offline packs, purged when a contribution is erased
    erasure_log: str | None = None  # ids of erased contributions, kept outside the database


@dataclass
class Upload:
    """One uploaded file: the form field it came in and its bytes."""

    field: str
    stream: BinaryIO


def _keyed(secret: str, purpose: str, *parts: str) -> str:
    """A keyed hash (HMAC-SHA-256 with the server's secret): nothing a copy of the
    database alone can be checked against, so no guess about a field can be confirmed."""
    message = "\x1f".join((purpose, *parts)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _sender(secret: str, client: str, install_id: str | None) -> str:
    """Who sent a keyed request: the app install (its X-Install-Id) or, without one,
    the client address (already a keyed hash). Only a keyed hash of it is kept."""
    if install_id is not None:
        return _keyed(secret, "install", install_id)
    return _keyed(secret, "address", client)


def _token(secret: str, idempotency_key: str | None) -> str:
    """The secret token: random, or (for a keyed request) derived from the key with
    the server's secret, so a retry gets the same token without it being stored."""
    if idempotency_key is None:
        raw = secrets.token_bytes(32)
    else:
        raw = hmac.new(secret.encode(), b"contribution-token\x1f" + idempotency_key.encode(),
                       hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """How a token is stored: only its hash."""
    return hashlib.sha256(token.encode()).hexdigest()


_LATER_FIELDS = ("joint", "parent_id", "target", "municipality")


def _receipt(row: dict[str, Any], token: str, replayed: bool) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "status": row["status"],
            "place": place_ref(row["place_id"]), "created": row["created"], "token": token,
            "replayed": replayed}


# -- submit ------------------------------------------------------------------------


def submit(store: Store, settings: Settings, sub: Submission, uploads: list[Upload], *,
           client: str, idempotency_key: str | None = None,
           install_id: str | None = None, workshop_code: str | None = None,
           on_insert: Callable[[Writer, dict[str, Any]], None] | None = None
           ) -> tuple[dict[str, Any], ratelimit.Quota | None]:
    """Accept a contribution as pending (a keyed retry from the same client with the
    same content returns the first), and what is left of its tightest limit.

    on_insert runs in the same transaction right after the row and its media are
    stored (an answer's side row and passport link, answers.py); raising there undoes
    the whole submission, files included."""
    limits, workshop = submission_limits.of_request(store, settings, client, install_id,
                                                    workshop_code)
    if uploads and sub.kind in domain.EXCHANGE_KINDS:
        raise Unprocessable("media", "questions and replies are text only")
    if len(uploads) > settings.limits.files:
        raise MediaError(413, "media", f"at most {settings.limits.files} files per submission")
    files = [(u.field, read_capped(u.stream, settings.limits)) for u in uploads]
    # The point is left out: it only chooses the place, and nothing derived from the
    # contributor's position is kept. The sender is in: a replay must come from them.
    # Fields added later (joint, a translation's parent) count only when given, so a
    # retry of an earlier request still matches its first hash.
    fields = {k: v for k, v in asdict(sub).items()
              if k != "point" and not (k in _LATER_FIELDS and v is None)}
    request_hash = _keyed(settings.secret, "request",
                          _sender(settings.secret, client, install_id),
                          json.dumps(fields, sort_keys=True),
                          *(hashlib.sha256(data).hexdigest() for _, data in files))
    key_hash = None
    if idempotency_key is not None:
        key_hash = _keyed(settings.secret, "idempotency", idempotency_key)
        with store.reader() as reader:
            used = reader.contribution_by_idempotency(key_hash) is not None
        if used:
            with store.writer() as writer:
                replay = _replay(writer, key_hash, request_hash, settings, client,
                                 idempotency_key)
            return _replayed(replay), submission_limits.quota(store, limits)
    with store.reader() as reader:
        ratelimit.check_all(reader, limits)

    with store.reader() as reader:
        row = submission_rules.checked_row(reader, sub, guardian_under=settings.guardian_under,
                                           snap_m=settings.snap_m)
    if workshop is not None:
        row["workshop_id"] = check_workshop_place(workshop, row["municipality"])
    # Keyed: an unkeyed fingerprint would let a database copy confirm a guessed text.
    row["text_hash"] = _keyed(settings.secret, "text", text.fingerprint(row["title"],
                                                                        row["body"]))
    processed: list[Processed] = []
    names: list[str] = []
    try:
        for field_name, data in files:
            item = settings.media.process(field_name, io.BytesIO(data), settings.limits)
            processed.append(item)
            names += [n for n in (item.file, item.thumb_file) if n]
        if any(p.kind == "image" for p in processed):
            submission_rules.check_people(sub)
        token = _token(settings.secret, idempotency_key)
        now = now_rfc3339()
        row.update(id=secrets.token_hex(12), status="pending", token_hash=token_hash(token),
                   idempotency_key_hash=key_hash, request_hash=request_hash,
                   consent_at=now, created=now, updated=now)
        replay = None
        with store.writer() as writer:
            if key_hash is not None:  # a concurrent retry may have won the race
                replay = _replay(writer, key_hash, request_hash, settings, client,
                                 idempotency_key)
            if replay is None:
                _insert(writer, settings, limits, row, processed, names)
                if on_insert is not None:
                    on_insert(writer, row)
        if replay is not None:
            settings.media.discard(names)
            return _replayed(replay), submission_limits.quota(store, limits)
    except BaseException:
        settings.media.discard(names)
        raise
    return _receipt(row, token, replayed=False), submission_limits.quota(store, limits)


def _insert(writer: Writer, settings: Settings, limits: submission_limits.Limits,
            row: dict[str, Any], processed: list[Processed], names: list[str]) -> None:
    """Store a new contribution and its media rows (the files are put in place too)."""
    ratelimit.record_all(writer, limits)
    since = (datetime.now(UTC) - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%S")
    flags = json.loads(row["flags"])
    if writer.recent_same_text(row["text_hash"], since):
        flags.append({"code": "repeated", "reason": "the same text was sent in "
                      "the last 24 hours"})
    row["flags"] = json.dumps(flags)
    writer.insert_contribution(row)
    for position, item in enumerate(processed):
        writer.insert_media({
            "id": secrets.token_hex(12), "contribution_id": row["id"],
            "position": position, "kind": item.kind, "media_type": item.media_type,
            "file": item.file, "thumb_file": item.thumb_file, "bytes": item.bytes,
            "width": item.width, "height": item.height,
            "duration_s": item.duration_s})
    settings.media.publish(names)  # files in place before the row is committed


_REFUSED: dict[str, Any] = {}  # _replay's answer when the replay is not the first request's


def _replay(writer: Writer, key_hash: str, request_hash: str, settings: Settings,
            client: str, idempotency_key: str | None) -> dict[str, Any] | None:
    """The first answer again for a retry of a keyed request; None when the key is new,
    _REFUSED when it was used by another client or for other content (which of the
    two is not said). Refusals are counted per client and per key, inside this write,
    so parallel guesses cannot slip under the limit."""
    existing = writer.contribution_by_idempotency(key_hash)
    if existing is None:
        return None
    for who in (client, key_hash):
        ratelimit.check(writer, settings.replay_limit, who)
    if hmac.compare_digest(existing["request_hash"], request_hash):
        return _receipt(existing, _token(settings.secret, idempotency_key), replayed=True)
    for who in (client, key_hash):
        ratelimit.record(writer, settings.replay_limit, who)
    return _REFUSED


def _replayed(replay: dict[str, Any]) -> dict[str, Any]:
    if replay is _REFUSED:
        raise Unprocessable("Idempotency-Key", "this key was already used; only a retry "
                            "from the same app install (X-Install-Id) with the same content "
                            "gets the first answer again. Use a new key for a new submission")
    return replay


# -- the contributor's own view, media and reports ----------------------------------



def token_matches(stored_hash: str | None, token: str | None) -> bool:
    """Does this token belong to the row whose token hash is stored_hash? (the one check)"""
    return bool(token and stored_hash) and hmac.compare_digest(
        stored_hash or "", token_hash(token or ""))


def owned(reader: Reader, contribution_id: str, token: str | None) -> dict[str, Any]:
    """The contribution this token was given for; 401 without a token, and the same 404
    for "no such id" and "wrong token" (an id alone reveals nothing)."""
    if not token:
        raise Unauthorized("Send the token you got when you submitted, as "
                           "'Authorization: Bearer <token>'.",
                           headers={"WWW-Authenticate": 'Bearer realm="contribution"'})
    row = reader.contribution(contribution_id)
    if row is None or not token_matches(row["token_hash"], token):
        raise NotFound(f"There is no contribution {contribution_id!r} for this token.")
    return row


def status(store: Store, contribution_id: str, token: str | None) -> dict[str, Any]:
    """What the contributor may see of their contribution."""
    with store.reader() as reader:
        row = owned(reader, contribution_id, token)
        media = reader.media_of(contribution_id)
        extras = questions.status_extras(reader, row)
    out = {key: row[key] for key in ("id", "kind", "status", "lang", "title", "body",
                                     "pseudonym", "created", "decided_at")}
    out["place"] = place_ref(row["place_id"])
    out["rejection_reason"] = row["rejection_reason"] if row["status"] == "rejected" else None
    out["hidden"] = row["status"] == "hidden"
    out["media"] = [{"kind": m["kind"], "type": m["media_type"], "href": f"/media/{m['file']}",
                     "thumbnail": f"/media/{m['thumb_file']}" if m["thumb_file"] else None}
                    for m in media]
    out.update(extras)
    if row["kind"] == "activity":
        out.update({k: row[k] for k in ("starts_at", "ends_at", "time_zone", "meeting_point",
                                        "capacity")})
    return out


def report(store: Store, settings: Settings, contribution_id: str, client: str, reason: str,
           note: str | None) -> dict[str, Any]:
    """Report a published contribution; after enough distinct reports it is hidden."""
    if note is not None:
        try:
            note = text.clean(note, field="note", max_length=TEXT_LIMITS["report_note"])
        except text.TextError as exc:
            raise Unprocessable("note", str(exc)) from None
    with store.writer() as writer:
        row = writer.contribution(contribution_id)
        if row is None or row["status"] != "approved":
            raise NotFound(f"There is no published contribution {contribution_id!r}.")
        ratelimit.record(writer, settings.report_limit, client)
        new = writer.add_report({"contribution_id": contribution_id, "reporter": client,
                                 "reason": reason, "note": note, "created": now_rfc3339()})
        count = writer.report_count(contribution_id)
        hidden = count >= settings.hide_after_reports
        if hidden:
            moderation.hide(writer, row, f"{count} reports", actor="reports")
    return {"id": contribution_id, "received": new, "hidden": hidden}
