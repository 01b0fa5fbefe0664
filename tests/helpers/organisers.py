"""Organisers and contributions for the organiser tests: accounts with a real argon2id
hash, API tokens, and stories submitted as a young person would send them."""

from __future__ import annotations

import itertools
import json
from functools import cache

from argon2 import PasswordHasher

from helpers.contributions import post_json, story
from trailapp import auth

PASSWORD = "correct horse battery staple"
BOLLNAS_PLACE = "bol-gastgivars"
LOBATSE_PLACE = "lob-high-court"
_submissions = itertools.count(1)


@cache
def password_hash() -> str:
    """One real argon2id hash of PASSWORD per test process (argon2 is slow on purpose)."""
    return PasswordHasher().hash(PASSWORD)


def add_organiser(store, username: str, role: str = "moderator",
                  municipalities: tuple[str, ...] = ("bollnas",)) -> int:
    """An organiser row as create_organiser writes it, without hashing again."""
    with store.writer() as writer:
        return writer.insert_organiser({
            "username": username, "password_hash": password_hash(), "role": role,
            "municipalities": json.dumps(sorted(municipalities)),
            "created": "2026-11-01T08:00:00.000Z"})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_headers(store, organiser_id: int) -> dict[str, str]:
    """The Authorization header of a new API token for this organiser."""
    _, token = auth.create_token(store, organiser_id, "tests")
    return bearer(token)


def submit(client, municipality: str = "bollnas", **fields) -> dict:
    """Submit a story (or activity) through POST /contributions; its id and token.

    Each comes from its own address, with its own text, so that neither the
    submission limit nor the repeated-text flag interferes."""
    n = next(_submissions)
    if municipality == "lobatse":
        fields = {"place": LOBATSE_PLACE, "lang": "en", "age_band": "16-17", **fields}
    fields.setdefault("body", f"Berättelse {n} om gården och målningarna.")
    r = post_json(client, story(**fields), addr=f"10.{n // 200 % 200}.{n % 200}.7")
    assert r.status_code == 201, r.get_json()
    return r.get_json()
