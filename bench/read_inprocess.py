"""Where a random bbox page's time goes, in one process (no HTTP server, no wrk): the
store's bbox_matches with the worker's in-memory bounds (store/bounds.py) and with SQL
alone, on the same snapshot and the same boxes, then whole requests through the WSGI
app (fast path included; every place read once first, so the worker's memory of
rendered features, store/texts.py, holds them all), beside the bare Flask endpoint
called the same way, and the spread (p50, p99) of a page of 50 served one at a time
(the service's own, without the queue of a load test). Prints milliseconds per call;
never passes or fails.

    .venv/bin/python bench/read_inprocess.py --db-dir DIR [--sizes 10000,100000]

DIR holds the databases bench/read_api.py --db-dir built (places-N.sqlite3).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bare_app import app as bare_app  # noqa: E402
from trailapp import create_app, geo  # noqa: E402
from trailapp.store.features import FeatureFilter  # noqa: E402

BOX = (16.0, 61.1, 16.8, 61.6)  # as bench/read_api.py
MAP = (0.05, 0.03)


def boxes(rng: random.Random) -> tuple[float, float, float, float]:
    x = rng.uniform(BOX[0], BOX[2] - MAP[0])
    y = rng.uniform(BOX[1], BOX[3] - MAP[1])
    return x, y, x + MAP[0], y + MAP[1]


def environ(path: str, query: str) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.url_scheme": "http", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": None,
            "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1", "SCRIPT_NAME": ""}


def per_call_ms(fn, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) * 1000 / n


def answer(app, env: dict) -> None:
    b"".join(app(env, lambda *a: None))


def measure(n: int, db_dir: Path, calls: int, bare: float) -> None:
    app = create_app({"DATABASE": str(db_dir / f"places-{n}.sqlite3"),
                      "SECRET_KEY": "bench", "RESPONSE_CACHE_MB": 0})
    store = app.extensions["trailapp"].store
    places = FeatureFilter("places")
    rng = random.Random(n)
    found: list[int] = []
    with store.reader() as reader:
        reader.bbox_matches(places, [boxes(rng)])  # starts reading the in-memory bounds
        store.bounds.wait()
        indexed = per_call_ms(lambda: found.append(
            len(reader.bbox_matches(places, geo.split_box(*boxes(rng)))[0])), calls)
        memory, reader.bounds = reader.bounds, None
        by_sql = per_call_ms(lambda: reader.bbox_matches(
            places, geo.split_box(*boxes(rng))), calls)
        reader.bounds = memory

    def page(limit: int) -> None:
        query = "bbox={:.5f},{:.5f},{:.5f},{:.5f}".format(*boxes(rng))
        answer(app, environ("/collections/places/items", f"{query}&limit={limit}"))

    for offset in range(0, n, 1000):  # every place read once: the worker's memory of
        answer(app, environ("/collections/places/items",  # rendered features is full
                            f"limit=1000&offset={offset}"))
    for _ in range(200):
        page(50)
    page50 = per_call_ms(lambda: page(50), calls)
    each = []  # the service's own spread, with no queue in front of it
    for _ in range(calls):
        started = time.perf_counter()
        page(50)
        each.append((time.perf_counter() - started) * 1000)
    each.sort()
    p50, p99 = each[len(each) // 2], each[int(len(each) * 0.99)]
    page1000 = per_call_ms(lambda: page(1000), max(100, calls // 5))
    store.close()
    print(f"{n} places (~{sum(found) / len(found):.0f} matches a box): bbox_matches "
          f"{indexed:.3f} ms in memory, {by_sql:.3f} ms by SQL; a whole request: "
          f"page of 50 {page50:.3f} ms ({bare / page50:.2f}x bare), "
          f"limit=1000 {page1000:.3f} ms; a page of 50 one at a time: p50 {p50:.3f} ms, "
          f"p99 {p99:.3f} ms ({p99 / p50:.1f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db-dir", type=Path, required=True)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    bare = per_call_ms(lambda: answer(bare_app, environ("/bare", "")), args.calls)
    print(f"bare Flask endpoint: {bare:.3f} ms per request")
    for n in [int(s) for s in args.sizes.split(",")]:
        measure(n, args.db_dir, args.calls, bare)


if __name__ == "__main__":
    main()
