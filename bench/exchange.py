"""Exchange benchmark (issue 13): a town's pack with many twins beside the same pack
without them, and a thread of --replies replies beside one story, in the same run.

Both towns get --places synthetic places each (real data loaded too). The reference is
Bollnäs's pack (one language, thumbnails) built before any twin exists; then every
synthetic Bollnäs place is twinned with a Lobatse one (proposed and accepted through
trailapp.twins, as organisers do), and the same pack is built again: it now carries
twins.<lang>.geojson and twins/places.<lang>.geojson (the other town's places as
summaries). Builds are timed from an empty pack folder, median of --rounds.

Thread: a question at the real twin pair Gästgivars (Bollnäs) and the High Court
(Lobatse), and --replies replies from Lobatse, each sent through POST /contributions and
approved (timed: the first and the last hundred approvals, since each approval renders
the question again with its first 100 replies). Then, with the response cache off, the
thread's first page (100), the whole thread in one page (1000) and its last page, the
question's feature, beside one published story's feature (the reference), in-process
through Flask's test client, median of --reads.

    .venv/bin/python bench/exchange.py [--places 1000] [--rounds 3] [--replies 1000]
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
from trailapp import create_app, loader, moderation, privacy, twins  # noqa: E402
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


def _sent(client, fields: dict, i: int) -> str:
    r = client.post("/contributions", json={
        "lang": "en", "age_band": "13-15", "consent_by": "guardian",
        "consent_notice_version": privacy.VERSION, **fields},
        environ_base={"REMOTE_ADDR": f"10.{i // 250}.{i % 250}.7"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _median_ms(client, url: str, reads: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(reads):
        start = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - start)
        assert r.status_code == 200, (url, r.status_code)
        size = len(r.data)
    return statistics.median(times) * 1000, size


def thread_bench(folder: Path, replies: int, reads: int) -> None:
    app = create_app({"DATABASE": str(folder / "thread.sqlite3"), "SECRET_KEY": "bench",
                      "MEDIA_DIR": str(folder / "tmedia"), "PACK_DIR": str(folder / "tpacks"),
                      "RESPONSE_CACHE_MB": 0})
    store = app.extensions["trailapp"].store
    loader.load(store, [ROOT / "geodata"])
    twin = twins.propose(store, Organiser(1, "anna", "moderator", ("bollnas",)), "bollnas",
                         "bol-gastgivars", "lob-high-court", "gathering-places",
                         {"en": "Two places where people gathered."})
    twins.accept(store, Organiser(2, "kabo", "moderator", ("lobatse",)), twin["id"])
    client = app.test_client()
    story = _sent(client, {"kind": "story", "place": "bol-gastgivars", "pseudonym": "Lo 42",
                           "title": "The inn", "body": "We walked here on a Sunday."}, 0)
    moderation.approve(store, story)
    question = _sent(client, {"kind": "question", "place": "bol-gastgivars", "lang": "sv",
                              "pseudonym": "Röd Räv 14", "title": "Var samlas ni?",
                              "body": "Här samlades folk. Var samlas unga hos er?"}, 1)
    moderation.approve(store, question)
    approvals = []
    for i in range(replies):
        rid = _sent(client, {"kind": "reply", "place": "lob-high-court", "parent_id": question,
                             "pseudonym": f"Kudu {i % 90 + 10}", "title": f"Reply {i}",
                             "body": f"We gather at the kgotla, answer number {i}."}, i + 2)
        start = time.perf_counter()
        moderation.approve(store, rid)
        approvals.append(time.perf_counter() - start)
    first = statistics.median(approvals[:100]) * 1000
    last = statistics.median(approvals[-100:]) * 1000
    print(f"thread of {replies} replies: approving a reply {first:.1f} ms (first 100), "
          f"{last:.1f} ms (last 100) -> x{last / first:.2f}")
    ref, ref_size = _median_ms(client, f"/collections/stories/items/{story}", reads)
    print(f"  one story's feature (reference): {ref:.2f} ms, {ref_size} bytes")
    base = f"/questions/{question}/thread"
    for label, url in (("question's feature", f"/collections/questions/items/{question}"),
                       ("thread, first page (100)", base),
                       ("thread, last page (100)", f"{base}?limit=100&offset={replies - 100}"),
                       (f"thread, all {replies} in one page", f"{base}?limit=1000")):
        took, size = _median_ms(client, url, reads)
        print(f"  {label:34} {took:7.2f} ms, {size / 1024:7.1f} KiB -> x{took / ref:.1f}")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=30)
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
        thread_bench(folder, args.replies, args.reads)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
