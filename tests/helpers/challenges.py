"""Challenges (issue 14) as organisers set them and young people answer them, over
real HTTP (the `served` fixture's URL)."""

from __future__ import annotations

import json
import secrets

import requests

from trailapp import privacy

PLACE = "bol-gastgivars"           # Bollnäs, exact point
TRAIL = "bol-halsingeleden"        # Bollnäs
LOBATSE_PLACE = "lob-high-court"   # Lobatse

PHOTO_TASK = {"municipality": "bollnas", "kind": "photo", "place": PLACE,
              "title": {"sv": "Hitta porten", "en": "Find the gate"},
              "prompt": {"sv": "Ta ett foto av porten.", "en": "Take a photo of the gate."}}
QUIZ = {"municipality": "bollnas", "kind": "multiple-choice", "place": PLACE,
        "title": {"en": "When was it built?"}, "prompt": {"en": "Choose one."},
        "options": [{"en": "1650"}, {"en": "1750"}, {"en": "1850"}], "correct_option": 1}


def passport_key() -> str:
    """A passport key as the app makes one."""
    return secrets.token_urlsafe(24)


def answer_fields(**overrides) -> dict:
    """A 13-year-old's answer fields (consent by themself: Bollnäs's age is 13)."""
    fields = {"lang": "sv", "age_band": "13-15", "consent_by": "self",
              "consent_notice_version": privacy.VERSION}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def create(url: str, headers: dict, body: dict) -> requests.Response:
    return requests.post(f"{url}/moderation/challenges", json=body, headers=headers,
                         timeout=30)


def answer_json(url: str, challenge_id: str, fields: dict, key: str | None = None
                ) -> requests.Response:
    headers = {"X-Passport-Key": key} if key else {}
    return requests.post(f"{url}/challenges/{challenge_id}/answers", json=fields,
                         headers=headers, timeout=30)


def answer_file(url: str, challenge_id: str, fields: dict, name: str, content: bytes,
                key: str | None = None) -> requests.Response:
    headers = {"X-Passport-Key": key} if key else {}
    data = {k: (json.dumps(v) if isinstance(v, bool) else str(v)) for k, v in fields.items()}
    return requests.post(f"{url}/challenges/{challenge_id}/answers", data=data,
                         files={"media": (name, content)}, headers=headers,
                         timeout=60)


def passport(url: str, key: str) -> requests.Response:
    return requests.get(f"{url}/passport", headers={"Authorization": f"Bearer {key}"},
                        timeout=30)
