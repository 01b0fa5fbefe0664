"""Heritage passport benchmark (issue 14): GET /passport for a passport with --stamps
stamps (one approved answer at each of that many places, each with its own challenge),
beside the same request for a passport with one stamp in the same run and store.

    .venv/bin/python bench/passport.py [--stamps 1000] [--requests 50]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trailapp import create_app, passport  # noqa: E402
from trailapp.publishing import publish  # noqa: E402

NOW = "2026-12-01T10:00:00.000Z"


def _place(i: int, rng: random.Random) -> dict:
    lon, lat = 16.2 + rng.random() * 0.4, 61.2 + rng.random() * 0.3
    return {"collection": "places", "id": f"bench-{i}", "municipality": "bollnas",
            "kind": "test-site", "accuracy": "exact",
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "texts": {"name": {"sv": f"Plats {i}", "en": f"Place {i}", "tn": None}},
            "internal": {}, "attrs": {"source": "synthetic"}}


def _answer(writer, secret: str, key: str, i: int) -> None:
    """A challenge at place i and an approved answer to it, linked to the key."""
    challenge = {"id": f"c{i:016x}", "municipality": "bollnas", "place_id": f"bench-{i}",
                 "trail_id": None, "kind": "free-answer", "status": "active",
                 "texts": json.dumps({"title": {"en": "T"}, "prompt": {"en": "P"}}),
                 "options": "[]", "correct_option": None, "created_by": "bench",
                 "created": NOW, "updated": NOW}
    writer.insert_challenge(challenge)
    cid = f"{i:024x}"
    writer.insert_contribution({
        "id": cid, "kind": "answer", "place_id": f"bench-{i}", "municipality": "bollnas",
        "status": "approved", "lang": "en", "title": challenge["id"], "body": "An answer",
        "pseudonym": "Passport", "age_band": "13-15", "consent_by": "self",
        "consent_notice_version": "1", "consent_at": NOW, "token_hash": f"t{i}",
        "request_hash": f"r{i}", "text_hash": f"x{i}", "created": NOW, "updated": NOW,
        "decided_at": NOW})
    writer.insert_challenge_answer(cid, challenge["id"], None, None)
    passport.link(writer, secret, key, "answer", cid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stamps", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    big, small = "b" * 32, "s" * 32
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE": str(Path(tmp) / "b.sqlite"),
                          "MEDIA_DIR": str(Path(tmp) / "media"),
                          "PACK_DIR": str(Path(tmp) / "packs"), "SECRET_KEY": "bench",
                          "RESPONSE_CACHE_MB": 0})
        state = app.extensions["trailapp"]
        secret = state.contributions.secret
        rng = random.Random(14)
        with state.store.writer() as writer:
            for i in range(args.stamps + 1):
                publish(writer, _place(i, rng))
                _answer(writer, secret, big if i < args.stamps else small, i)
        client = app.test_client()
        timings: dict[str, list[float]] = {big: [], small: []}
        for _ in range(args.requests):
            for key in (big, small):
                t = time.perf_counter()
                r = client.get("/passport", headers={"Authorization": f"Bearer {key}"})
                timings[key].append(time.perf_counter() - t)
                assert r.status_code == 200
        stamps = len(client.get("/passport", headers={"Authorization": f"Bearer {big}"}
                                ).get_json()["stamps"])
        state.store.close()
    print(f"passport with {stamps} stamps: {statistics.median(timings[big]) * 1000:.1f} ms; "
          f"with 1 stamp: {statistics.median(timings[small]) * 1000:.1f} ms "
          f"(medians of {args.requests} GET /passport)")


if __name__ == "__main__":
    main()
