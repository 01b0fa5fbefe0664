"""Contributions with chosen dates, places and decisions, written straight into the
store, for the report's tests (the report reads only stored rows)."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

_ids = itertools.count(1)


def row(created: str, place_id: str = "bol-gastgivars", municipality: str = "bollnas",
        kind: str = "story", lang: str = "sv", age_band: str = "13-15",
        status: str = "pending", decided_at: str | None = None,
        sdg_targets: tuple[str, ...] = (), title: str | None = None) -> dict:
    """One contribution row as the store keeps it."""
    n = next(_ids)
    activity = kind == "activity"
    return {
        "id": f"{n:024x}", "kind": kind, "place_id": place_id, "municipality": municipality,
        "status": status, "lang": lang, "title": title or f"Berättelse {n}",
        "body": f"Text {n} om platsen.", "pseudonym": f"Räv{n}", "age_band": age_band,
        "consent_by": "self", "consent_notice_version": "1", "consent_at": created,
        "starts_at": "2026-06-01T10:00:00Z" if activity else None,
        "ends_at": "2026-06-01T12:00:00Z" if activity else None,
        "time_zone": "Europe/Stockholm" if activity else None,
        "token_hash": f"t{n}", "request_hash": f"r{n}", "text_hash": f"x{n}",
        "created": created, "updated": created, "decided_at": decided_at,
        "sdg_targets": json.dumps(list(sdg_targets)),
    }


def seed(store, rows: list[dict]) -> list[str]:
    """Write the rows in one transaction; their ids."""
    with store.writer() as writer:
        for r in rows:
            writer.insert_contribution(r)
    return [r["id"] for r in rows]


def pdf_text(pdf: Path) -> str:
    """The text of a PDF, by Debian's pdftotext (poppler-utils)."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_first_page_png(pdf: Path, out_stem: Path) -> Path:
    """The PDF's first page rendered to PNG by pdftoppm; the PNG's path."""
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",
                    "-singlefile", str(pdf), str(out_stem)], check=True, capture_output=True)
    return out_stem.with_suffix(".png")


def seed_answers(store, kind: str, rows: list[dict]) -> str:
    """A challenge of this kind at the rows' place and the rows as its answers (issue
    14); the challenge's id."""
    n = next(_ids)
    challenge = {"id": f"c{n:016x}", "municipality": rows[0]["municipality"],
                 "place_id": rows[0]["place_id"], "trail_id": None, "kind": kind,
                 "status": "active", "texts": json.dumps({"title": {"en": "T"},
                                                          "prompt": {"en": "P"}}),
                 "options": "[]", "correct_option": None, "created_by": "anna",
                 "created": rows[0]["created"], "updated": rows[0]["created"]}
    with store.writer() as writer:
        writer.insert_challenge(challenge)
        for r in rows:
            writer.insert_contribution({**r, "kind": "answer"})
            writer.insert_challenge_answer(r["id"], challenge["id"], None, None)
            writer.link_passport(f"passport-{r['id']}", "answer", r["id"])
    return challenge["id"]
