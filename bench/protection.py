"""Location protection benchmark: /collections/places/items (bbox and near) on a store
of --places synthetic places, with every other place protected as an `area`, beside
the same queries on the same places without protection; and the cost of publishing a
place with and without protection (the cell centre is computed when a place is written,
never on a query).

    .venv/bin/python bench/protection.py [--places 5000] [--queries 300]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trailapp import create_app  # noqa: E402
from trailapp.publishing import publish  # noqa: E402


def _record(i: int, rng: random.Random, protect: bool) -> dict:
    lon, lat = 16.2 + rng.random() * 0.4, 61.2 + rng.random() * 0.3
    record = {"collection": "places", "id": f"bench-{i}", "municipality": "bollnas",
              "kind": "test-site", "accuracy": "exact",
              "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
              "texts": {"name": {"sv": f"Plats {i}", "en": f"Place {i}", "tn": None}},
              "internal": {}, "attrs": {"source": "synthetic"}}
    if protect and i % 2:
        record["protection"] = "area"
    return record


def run(protect: bool, places: int, queries: int) -> tuple[float, float, float]:
    """Median ms of publishing one place, of a bbox query and of a near query."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE": str(Path(tmp) / "b.sqlite"),
                          "MEDIA_DIR": str(Path(tmp) / "media"),
                          "PACK_DIR": str(Path(tmp) / "packs"), "SECRET_KEY": "bench",
                          "RESPONSE_CACHE_MB": 0})
        store = app.extensions["trailapp"].store
        rng = random.Random(14)
        writes = []
        with store.writer() as writer:
            for i in range(places):
                t = time.perf_counter()
                publish(writer, _record(i, rng, protect))
                writes.append(time.perf_counter() - t)
        client = app.test_client()
        bbox, near = [], []
        for _ in range(queries):
            lon, lat = 16.2 + rng.random() * 0.38, 61.2 + rng.random() * 0.28
            t = time.perf_counter()
            r = client.get(f"/collections/places/items?bbox={lon},{lat},{lon + 0.02},"
                           f"{lat + 0.01}&limit=100")
            bbox.append(time.perf_counter() - t)
            t = time.perf_counter()
            r2 = client.get(f"/collections/places/items?near={lon},{lat}&radius=1000")
            near.append(time.perf_counter() - t)
            assert r.status_code == r2.status_code == 200
        store.close()
    return (statistics.median(writes) * 1000, statistics.median(bbox) * 1000,
            statistics.median(near) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--places", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    for protect in (False, True):
        write, bbox, near = run(protect, args.places, args.queries)
        print(f"{'half protected' if protect else 'unprotected   '}: publish {write:.2f} ms, "
              f"bbox {bbox:.2f} ms, near {near:.2f} ms (medians)")


if __name__ == "__main__":
    main()
