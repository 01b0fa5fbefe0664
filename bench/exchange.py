"""Exchange benchmark (issue 13): a town's pack with many twins beside the same pack
without them, in the same run.

Both towns get --places synthetic places each (real data loaded too). The reference is
Bollnäs's pack (one language, thumbnails) built before any twin exists; then every
synthetic Bollnäs place is twinned with a Lobatse one (proposed and accepted through
trailapp.twins, as organisers do), and the same pack is built again: it now carries
twins.<lang>.geojson and twins/places.<lang>.geojson (the other town's places as
summaries). Builds are timed from an empty pack folder, median of --rounds.

    .venv/bin/python bench/exchange.py [--places 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.read_api import synthetic_record  # noqa: E402
from trailapp import create_app, loader, twins  # noqa: E402
from trailapp.auth import Organiser  # noqa: E402
from trailapp.packs import PackSpec  # noqa: E402
from trailapp.publishing import publish  # noqa: E402
from trailapp.times import now_rfc3339  # noqa: E402

#: Synthetic Lobatse places fall in this box (lon/lat), around the town.
LOBATSE_BOX = (25.60, -25.26, 25.75, -25.14)


def lobatse_record(i: int, rng: random.Random) -> dict:
    record = synthetic_record(i, rng)
    record["id"] = f"bench-lob-{i:06d}"
    record["municipality"] = "lobatse"
    record["geometry"]["coordinates"] = [rng.uniform(LOBATSE_BOX[0], LOBATSE_BOX[2]),
                                         rng.uniform(LOBATSE_BOX[1], LOBATSE_BOX[3])]
    return record


def build_time(state, spec: PackSpec, rounds: int) -> tuple[float, int]:
    """Median seconds to build the pack from an empty folder, and its size."""
    times, size = [], 0
    for _ in range(rounds):
        shutil.rmtree(state.packs.folder, ignore_errors=True)
        start = time.perf_counter()
        built = state.packs.get(state.store, spec)
        times.append(time.perf_counter() - start)
        size = built.size
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="trailapp-bench-exchange-"))
    try:
        app = create_app({"DATABASE": str(folder / "db.sqlite3"), "SECRET_KEY": "bench",
                          "MEDIA_DIR": str(folder / "media"),
                          "PACK_DIR": str(folder / "packs")})
        state = app.extensions["trailapp"]
        loader.load(state.store, [ROOT / "geodata"])
        rng, updated = random.Random(13), now_rfc3339()
        with state.store.writer() as w:
            for i in range(args.places):
                record = synthetic_record(i, rng)
                record["id"] = f"bench-bol-{i:06d}"
                publish(w, record, updated)
                publish(w, lobatse_record(i, rng), updated)
        print(f"machine: {os.uname().nodename}, {os.cpu_count()} cores; "
              f"{args.places} synthetic places in each town")
        spec = PackSpec("bollnas", langs=("en",))
        ref, ref_size = build_time(state, spec, args.rounds)
        anna = Organiser(1, "anna", "moderator", ("bollnas",))
        kabo = Organiser(2, "kabo", "moderator", ("lobatse",))
        start = time.perf_counter()
        for i in range(args.places):
            twin = twins.propose(state.store, anna, "bollnas", f"bench-bol-{i:06d}",
                                 f"bench-lob-{i:06d}", "trails-and-nature",
                                 {"en": "Two synthetic places for benchmarking."})
            twins.accept(state.store, kabo, twin["id"])
        made = time.perf_counter() - start
        took, size = build_time(state, spec, args.rounds)
        print(f"made {args.places} twins (propose + accept) in {made:.1f} s "
              f"({made / args.places * 1000:.1f} ms each)")
        print(f"bollnas pack (en, thumbnails): without twins {ref * 1000:.0f} ms, "
              f"{ref_size / 1024:.0f} KiB; with {args.places} twins {took * 1000:.0f} ms, "
              f"{size / 1024:.0f} KiB -> x{took / ref:.2f} time, x{size / ref_size:.2f} size")
        state.store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
