"""Erasing young people's contributions for good: by their token, by the retention job,
and again after a backup is restored.

Erasure does the same full work whatever the contribution's state: its row, media
files, reports, public feature, its words in the audit log and in the search index's
old segments, every built pack, and the WAL; its id goes into the erasure log (ids
only) so that restoring an older backup cannot bring it back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from . import (
    audit,
    erasure_log,
    moderation,
    packcache,
    ratelimit,
    survey,
    survey_review,
    translations,
    workshops,
)
from .contributions import Settings, owned
from .domain import SESSION_ABSOLUTE_S, SESSION_IDLE_S, TRANSLATABLE_KINDS
from .store import Store, Writer
from .times import rfc3339

RETENTION_DAYS = 30
QUESTION_GONE = "the question was withdrawn"


def erase(store: Store, settings: Settings, contribution_id: str, token: str | None) -> None:
    """Erase a contribution for good: its row, media files, reports, public feature,
    its words in the audit log and every built pack; its id goes into the erasure log
    so that restoring an older backup cannot bring it back."""
    with store.writer() as writer:
        rows = _with_translations(writer, [owned(writer, contribution_id, token)])
        media = _erase_rows(writer, rows, actor="contributor")
    _after_erasure(store, settings, rows, media)


def _with_translations(writer: Writer, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows and their texts' translations: a translation carries its original's
    words into another language, so it goes with the original (after it)."""
    ids = {r["id"] for r in rows}
    return rows + [t for row in rows if row["kind"] in TRANSLATABLE_KINDS
                   for t in writer.translations_of(row["id"]) if t["id"] not in ids]


def _erase_rows(writer: Writer, rows: list[dict[str, Any]], actor: str,
                action: str = "erase") -> list[str]:
    """Delete contributions inside one write; return their media file names.

    The same full work whatever their state now: a rejected or hidden one may have
    been public before (approved, withdrawn, then rejected), so its words may still
    sit in the search index's old segments, which are rewritten without them."""
    media: list[str] = []
    for row in rows:
        media += [n for m in writer.media_of(row["id"])
                  for n in (m["file"], m["thumb_file"]) if n]
        writer.delete_contribution(row["id"])
        # After the delete: an erased translation leaves its original's feature, and a
        # reply's question renders without it.
        moderation.unpublish(writer, row)
        translations.take_back(writer, row)  # and a place's texts it was applied to
        if row["kind"] == "question":  # its thread leaves with it; retention erases
            for reply in writer.replies_of(row["id"]):  # the replies 30 days on
                moderation.hide(writer, reply, QUESTION_GONE, actor=actor)
        writer.erase_from_audit(row["id"])  # their words go from the log too
        audit.record(writer, None, action, "contribution", row["id"],
                     row["municipality"], "erased", "erased", actor=actor)
    if rows:
        writer.optimize_text_index()
    return media


def _after_erasure(store: Store, settings: Settings, rows: list[dict[str, Any]],
                   media: list[str]) -> None:
    settings.media.discard(media)
    if settings.pack_dir and rows:
        packcache.purge(settings.pack_dir)  # archives built while any of them was public
    erasure_log.append(settings.erasure_log, [r["id"] for r in rows])
    store.checkpoint()  # so the erased text does not linger in the WAL file


def reapply_erasures(store: Store, settings: Settings) -> int:
    """After restoring a backup: erase again every contribution, survey fix and track the
    erasure log names (ids only, no content). Returns how many were still there."""
    ids = erasure_log.ids(settings.erasure_log)
    if not ids:
        return 0
    surveyed = 0
    with store.writer() as writer:
        rows = _with_translations(writer, [row for cid in sorted(ids)
                                           if (row := writer.contribution(cid)) is not None])
        media = _erase_rows(writer, rows, actor="restore")
        for kind in ("fix", "track"):
            found = [r for i in sorted(ids) if (r := writer.survey_item(kind, i)) is not None]
            media += survey.erase_rows(writer, kind, found)
            surveyed += len(found)
    if rows or surveyed:  # already in the log: do not write them twice
        _after_erasure(store, replace(settings, erasure_log=None), rows, media)
    return len(rows) + surveyed


def purge_expired(store: Store, settings: Settings, now: datetime | None = None,
                  survey: Any | None = None) -> dict[str, int]:
    """The retention job: erase what is not published (pending, rejected, hidden or
    withdrawn) 30 days after it arrived or, if it was published once, 30 days after
    it was last taken down; forget rate-limit events after 72 hours and workshops
    some days after they ended (with the link from their contributions); remove media
    files that no row names (left by a crash between writing a file and committing
    its row). With the survey's settings, survey fixes and tracks go too, a set time
    after their place or trail was decided (survey_review.purge_decided)."""
    now = now or datetime.now(UTC)
    surveyed = 0
    before = rfc3339(now - timedelta(days=RETENTION_DAYS))
    files: list[str] = []
    with store.writer() as writer:
        expired = _with_translations(writer, writer.expired_contributions(before))
        files += _erase_rows(writer, expired, actor="retention", action="expire")
        pruned = ratelimit.prune(writer, now.timestamp())
        ended = workshops.purge_ended(writer, now)
        writer.delete_sessions_before(now.timestamp() - SESSION_IDLE_S,
                                      now.timestamp() - SESSION_ABSOLUTE_S)  # ended sessions
        if survey is not None:
            surveyed, survey_files = survey_review.purge_decided(writer, survey, now)
            files += survey_files
        known = writer.media_files() | writer.place_image_files() | writer.survey_files()
    settings.media.discard(files)
    if settings.pack_dir and expired:
        packcache.purge(settings.pack_dir)  # a taken-down one may be in an old pack
    orphans = settings.media.orphans(known, older_than_s=3600, now=now.timestamp())
    settings.media.discard(orphans)
    if expired:
        store.checkpoint()
    return {"contributions": len(expired), "rate_events": pruned, "workshops": ended,
            "orphan_files": len(orphans), "survey": surveyed}
