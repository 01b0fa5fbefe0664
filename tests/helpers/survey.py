"""Young surveyors as the app sends their work: fixes scattered like phone GPS around a
known point (one token per surveyor), and walked tracks as real GPX files."""

from __future__ import annotations

import io
import itertools
from datetime import date

import numpy as np
from pyproj import Geod

from trailapp import privacy

from .tracks import walk

WGS84 = Geod(ellps="WGS84")
_addresses = itertools.count(1)


def surveyor(**overrides) -> dict:
    fields = {"pseudonym": "Kartläsare 7", "age_band": "16-17", "consent_by": "self",
              "consent_notice_version": privacy.VERSION}
    fields.update(overrides)
    return fields


def fix(place: str, lon: float, lat: float, accuracy_m: float = 6.0, **overrides) -> dict:
    fields = {"place": place, "lon": lon, "lat": lat, "accuracy_m": accuracy_m,
              "method": "gps", "observed_on": date.today().isoformat(), **surveyor()}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def address() -> str:
    n = next(_addresses)
    return f"10.{60 + n // 250 % 100}.{n % 250}.9"


def post_fix(client, fields: dict, token: str | None = None, key: str | None = None,
             addr: str | None = None, photo: bytes | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if key:
        headers["Idempotency-Key"] = key
    environ = {"REMOTE_ADDR": addr or address()}
    if photo is None:
        return client.post("/survey/fixes", json=fields, headers=headers,
                           environ_base=environ)
    data = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in fields.items()}
    data["photo"] = (io.BytesIO(photo), "photo.jpg")
    return client.post("/survey/fixes", data=data, content_type="multipart/form-data",
                       headers=headers, environ_base=environ)


def offset(lon: float, lat: float, metres: float, bearing: float) -> tuple[float, float]:
    x, y, _ = WGS84.fwd(lon, lat, bearing, metres)
    return float(x), float(y)


def send_fixes(client, place: str, truth: tuple[float, float], surveyors: int = 3,
               per_surveyor: int = 1, sigma_m: float = 4.0, seed: int = 3) -> list[dict]:
    """Fixes of several surveyors around truth (each surveyor's later fixes carry the
    token of their first); the receipts."""
    rng = np.random.default_rng(seed)
    receipts = []
    for _ in range(surveyors):
        token = None
        addr = address()
        for _ in range(per_surveyor):
            dx, dy = rng.normal(0, sigma_m / np.sqrt(2), 2)
            lon, lat = offset(*truth, float(np.hypot(dx, dy)),
                              float(np.degrees(np.arctan2(dx, dy))))
            r = post_fix(client, fix(place, lon, lat), token=token, addr=addr)
            assert r.status_code == 201, r.get_json()
            token = r.get_json()["token"]
            receipts.append(r.get_json())
    return receipts


def track_fields(trail: str, **overrides) -> dict:
    fields = {"trail": trail, **surveyor(pseudonym="Vandrare 3")}
    fields.update(overrides)
    return fields


def post_track(client, fields: dict, data: bytes, name: str = "walk.gpx",
               token: str | None = None, addr: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    form = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in fields.items()}
    form["track"] = (io.BytesIO(data), name)
    return client.post("/survey/tracks", data=form, content_type="multipart/form-data",
                       headers=headers, environ_base={"REMOTE_ADDR": addr or address()})


def send_track(client, trail: str, start: tuple[float, float], seed: int = 12,
               **fields) -> dict:
    """A walk of about 3.5 km recorded from start, as GPX; the receipt."""
    r = post_track(client, track_fields(trail, **fields), walk(start=start, seed=seed).gpx())
    assert r.status_code == 201, r.get_json()
    return r.get_json()
