"""Sync and pack benchmark: pack build time and size per municipality, the pack
folder's disk use, and the time to sync 10k changes, each beside a reference in the
same run.

Packs are built for the real data and for a Bollnäs holding --places synthetic
places; the reference is zipfile alone writing the same files. Disk use: --photos
published photos, then 7 language/media variants of Bollnäs's pack asked for; the
reference is the media folder's size. Sync fetches --changes
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
from trailapp import create_app, loader, moderation, privacy  # noqa: E402
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


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def publish_photos(app, count: int) -> None:
    """Send and approve stories, each with a camera-like (noisy) 1600x1200 photo."""
    import random

    from PIL import Image

    client, rng = app.test_client(), random.Random(2)
    for i in range(count):
        out = io.BytesIO()
        Image.frombytes("RGB", (1600, 1200), rng.randbytes(1600 * 1200 * 3)).save(
            out, format="JPEG", quality=90)
        fields = {"kind": "story", "place": "bol-gastgivars", "lang": "sv",
                  "title": f"Foto {i}", "body": "Vi var här i somras.", "pseudonym": "Lo 42",
                  "age_band": "13-15", "consent_by": "self", "people_in_media": "false",
                  "consent_notice_version": privacy.VERSION,
                  "media": [(io.BytesIO(out.getvalue()), "a.jpg")]}
        r = client.post("/contributions", data=fields, content_type="multipart/form-data",
                        environ_base={"REMOTE_ADDR": f"10.9.{i // 200}.{i % 200}"})
        moderation.approve(app.extensions["trailapp"].store, r.get_json()["id"])


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
    parser.add_argument("--photos", type=int, default=10)
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
            for old in state.packs.folder.glob(f"*~{pack_id}.*"):
                old.unlink()
            start = time.perf_counter()
            built = state.packs.get(state.store, spec)
            took = time.perf_counter() - start
            _, reader = state.packs.open(state.store, spec)
            with reader, zipfile.ZipFile(reader) as archive:
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

        publish_photos(app, args.photos)
        before = folder_bytes(state.packs.folder)
        client = app.test_client()
        for lang, media in [("sv", "full"), ("en", "full"), ("tn", "full"), ("sv,en", "full"),
                            ("sv,tn", "thumbnails"), ("en,tn", "full"), ("sv,en,tn", "full")]:
            assert client.get(f"/packs/bollnas?lang={lang}&media={media}").status_code == 200
        grown = folder_bytes(state.packs.folder) - before
        media_bytes = folder_bytes(folder / "media")
        print(f"pack folder after 7 variants with {args.photos} photos: grew "
              f"{grown / 2**20:.2f} MiB; media folder {media_bytes / 2**20:.2f} MiB "
              f"-> x{grown / media_bytes:.2f}")

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
