"""Sync and pack benchmark: pack build time and size per municipality, and the time
to sync 10k changes, each beside a reference in the same run.

Packs are built for the real data and for a Bollnäs holding --places synthetic
places; the reference is zipfile alone writing the same files. Sync fetches --changes
changes in pages of 1000 over HTTP (gunicorn, production settings); the reference is
paging the same number of features through /collections/places/items?limit=1000.

    .venv/bin/python bench/sync_packs.py [--places 10000] [--changes 10000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.read_api import free_port, start_gunicorn, stop, synthetic_record  # noqa: E402
from trailapp import create_app, loader  # noqa: E402
from trailapp.packs import PackSpec  # noqa: E402
from trailapp.publishing import publish  # noqa: E402
from trailapp.times import now_rfc3339  # noqa: E402


def zip_only(files: dict[str, bytes]) -> float:
    start = time.perf_counter()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return time.perf_counter() - start


def fetch_all(url: str) -> tuple[float, int]:
    """Follow a paged JSON resource to its end; return seconds and bytes."""
    start, size = time.perf_counter(), 0
    while url:
        with urllib.request.urlopen(url) as r:  # noqa: S310 - loopback only
            data = r.read()
        size += len(data)
        body = json.loads(data)
        if "changes" in body:
            url = (url.split("?")[0] + f"?since={body['next']}&limit=1000"
                   if body["more"] else "")
        else:
            url = next((link["href"] for link in body["links"] if link["rel"] == "next"), "")
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=10_000)
    args = parser.parse_args()
    import random

    folder = Path(tempfile.mkdtemp(prefix="trailapp-bench-sync-"))
    try:
        config = {"DATABASE": str(folder / "db.sqlite3"), "SECRET_KEY": "bench",
                  "MEDIA_DIR": str(folder / "media"), "PACK_DIR": str(folder / "packs")}
        app = create_app(config)
        state = app.extensions["trailapp"]
        loader.load(state.store, [ROOT / "geodata"])
        print(f"machine: {os.uname().nodename}, {os.cpu_count()} cores")
        print("packs (all three languages, thumbnails):")

        def build(label: str, pack_id: str) -> None:
            spec = PackSpec(pack_id)
            for old in state.packs.folder.glob(f"{pack_id}.*"):
                old.unlink()
            start = time.perf_counter()
            built = state.packs.get(state.store, spec)
            took = time.perf_counter() - start
            with zipfile.ZipFile(built.path) as archive:
                files = {n: archive.read(n) for n in archive.namelist()}
            ref = statistics.median(zip_only(files) for _ in range(3))
            print(f"  {label:34} {built.size / 1024:9.1f} KiB  built in {took * 1000:8.1f} ms;"
                  f" zipfile alone {ref * 1000:7.1f} ms -> x{took / ref:.1f}")

        build("bollnas (real data)", "bollnas")
        build("lobatse (real data)", "lobatse")
        rng = random.Random(1)
        updated = now_rfc3339()
        with state.store.writer() as w:
            for i in range(args.places):
                publish(w, synthetic_record(i, rng), updated)
        build(f"bollnas (+{args.places} synthetic places)", "bollnas")

        # Changes: re-publish synthetic places until the log holds --changes more.
        with state.store.reader() as r:
            start_seq = r.version()[0]
        with state.store.writer() as w:
            for i in range(args.changes):
                record = synthetic_record(i % args.places, rng)
                record["texts"]["name"]["en"] = f"Changed {i}"
                publish(w, record, now_rfc3339())
        state.store.close()
        env = {**os.environ, **{f"TRAILAPP_{k}": v for k, v in config.items()},
               "TRAILAPP_RESPONSE_CACHE_MB": "0"}
        port = free_port()
        proc = start_gunicorn("wsgi:app", env, port)
        try:
            base = f"http://127.0.0.1:{port}"
            sync_runs, items_runs = [], []
            for _ in range(3):
                sync_runs.append(fetch_all(f"{base}/sync?since=s{start_seq}&limit=1000"))
                items_runs.append(fetch_all(f"{base}/collections/places/items?limit=1000"))
        finally:
            stop(proc)
        sync_s = statistics.median(t for t, _ in sync_runs)
        items_s = statistics.median(t for t, _ in items_runs)
        print(f"sync of {args.changes} changes (pages of 1000, cache off): {sync_s:.2f} s, "
              f"{sync_runs[0][1] / 2**20:.1f} MiB; paging {args.places} places by items: "
              f"{items_s:.2f} s -> x{sync_s / items_s:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
