"""Demo content for a development database: clearly marked stories and activities, with
a real photo and a real sound, sent through the same pipeline as young people's (text
rules, media cleaning, moderation), so the app team has screens to build against.

Everything it makes is marked: pseudonyms start with "Demo", titles with "[DEMO]". It
refuses a database that holds any other contribution, so it can never mix invented
stories into real ones; run again, it adds nothing.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from typing import Any

import av
from PIL import Image, ImageDraw

from . import moderation, privacy
from .contributions import Settings, Submission, Upload, submit
from .domain import MUNICIPALITIES
from .errors import Conflict
from .store import Store
from .store.features import FeatureFilter

MARK = "[DEMO]"
PSEUDONYM = "Demo"
STORIES = {  # per municipality: (lang, title, body), all invented and marked as such
    "bollnas": [("sv", "Vi hittade platsen", "Påhittad demotext: vi gick hit efter skolan "
                 "och tittade på husen."), ("en", "A walk in the rain", "Invented demo "
                 "text: we walked here in the rain and listened to the river.")],
    "lobatse": [("en", "Our visit", "Invented demo text: our class visited and talked "
                 "about what happened here."), ("en", "Questions we asked", "Invented demo "
                 "text: we wrote down questions to ask our grandparents.")],
}


def _photo() -> bytes:
    """A drawn picture (no camera, no people) as a JPEG."""
    image = Image.new("RGB", (800, 600), (70, 120, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 300, 700, 550), fill=(150, 90, 60))
    draw.polygon([(80, 300), (400, 120), (720, 300)], fill=(110, 40, 40))
    draw.text((20, 20), "DEMO", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _sound(seconds: float = 2.0, rate: int = 22050) -> bytes:
    """A short tone as WAV (the pipeline re-encodes it like any upload)."""
    out = io.BytesIO()
    with av.open(out, mode="w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=rate, layout="mono")
        samples = [int(8000 * math.sin(2 * math.pi * 440 * i / rate))
                   for i in range(int(seconds * rate))]
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(samples))
        frame.planes[0].update(b"".join(s.to_bytes(2, "little", signed=True)
                                        for s in samples))
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def _located_places(store: Store, municipality: str, count: int) -> list[str]:
    with store.reader() as reader:
        joined, _ = reader.page(FeatureFilter("places", municipality=municipality), "en",
                                1000, 0)
    return [f["id"] for f in json.loads(f"[{joined}]") if f["geometry"]][:count]


def seed(store: Store, settings: Settings,
         progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Add the demo stories and activities (approved); refuse a database with real
    contributions; add nothing when the demo is there already."""
    with store.reader() as reader:
        rows = reader.contributions(limit=10**9)
    real = [r for r in rows if not (r["title"].startswith(MARK)
                                    and r["pseudonym"].startswith(PSEUDONYM))]
    if real:
        raise Conflict(f"This database holds {len(real)} contribution(s) that are not demo "
                       "content; seed-demo only runs on a development database.")
    if rows:
        return {"added": 0, "already": len(rows)}
    plan = []
    for municipality, items in STORIES.items():
        places = _located_places(store, municipality, len(items) + 1)
        for i, (lang, title, body) in enumerate(items):
            plan.append((municipality, places[i % len(places)], "story", lang, title, body))
        plan.append((municipality, places[-1], "activity", items[0][0],
                     "Guided walk", "Invented demo activity: a short guided walk."))
    added = 0
    for n, (_municipality, place, kind, lang, title, body) in enumerate(plan):
        sub = Submission(
            kind=kind, lang=lang, title=f"{MARK} {title}", body=body,
            pseudonym=f"{PSEUDONYM} {n + 1}", age_band="16-17", consent_by="guardian",
            consent_notice_version=privacy.VERSION, place=place,
            people_in_media=False if kind == "story" else None,
            starts_at="2027-06-01T09:00:00Z" if kind == "activity" else None,
            ends_at="2027-06-01T11:00:00Z" if kind == "activity" else None,
            meeting_point="Demo meeting point" if kind == "activity" else None)
        uploads = ([Upload("media", io.BytesIO(_photo())), Upload("media", io.BytesIO(_sound()))]
                   if kind == "story" else [])
        receipt, _ = submit(store, settings, sub, uploads, client=f"seed-demo-{n}",
                            install_id=f"seed-demo-install-{n:04d}")
        moderation.approve(store, receipt["id"], actor="seed-demo")
        added += 1
        if progress:
            progress("seed", added, len(plan))
    return {"added": added, "already": 0,
            "municipalities": sorted(m for m in MUNICIPALITIES if m in STORIES)}
