"""Contributions as a young person's app sends them: a story's fields, JSON and
multipart posts from a given address, the token header, and where files end up."""

from __future__ import annotations

import io
import json

from trailapp import privacy

PLACE = "bol-gastgivars"          # Bollnäs, exact point 16.367889, 61.532361


LOBATSE_PLACE = "lob-high-court"  # Lobatse, exact point


def story(**overrides) -> dict:
    fields = {"kind": "story", "place": PLACE, "lang": "sv", "title": "Min farmors gård",
              "body": "Vi var här i somras och tittade på målningarna.",
              "pseudonym": "Modig Lo 42", "age_band": "13-15", "consent_by": "self",
              "consent_notice_version": privacy.VERSION}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def post_json(client, fields: dict, key: str | None = None, addr: str = "10.0.0.1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/contributions", json=fields, headers=headers,
                       environ_base={"REMOTE_ADDR": addr})


def post_files(client, fields: dict, files: list[tuple[str, bytes]], addr: str = "10.0.0.1",
               key: str | None = None):
    data = {k: (json.dumps(v) if isinstance(v, bool) else str(v)) for k, v in fields.items()}
    data["media"] = [(io.BytesIO(content), name) for name, content in files]
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/contributions", data=data, content_type="multipart/form-data",
                       headers=headers, environ_base={"REMOTE_ADDR": addr})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def media_dir(app):
    return app.extensions["trailapp"].contributions.media.root


def stored_files(app) -> list:
    root = media_dir(app)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []





PUBLIC_URLS = ["/collections/stories/items", "/collections/activities/items",
               f"/collections/places/items/{PLACE}", "/collections/places/items?limit=1000",
               f"/collections/stories/items?place={PLACE}"]


def public_text(client) -> str:
    return "".join(client.get(u).get_data(as_text=True) for u in PUBLIC_URLS)
