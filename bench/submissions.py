"""Contribution benchmark: sustained durable text submissions per second, and the
time to accept one 12-megapixel photo, each beside a reference in the same run.

Text: wrk POSTs a story as JSON for --seconds against gunicorn (production settings,
rate limit off) and we count the rows; references are a bare Flask JSON endpoint
under the same settings, and a bare loop of durable SQLite inserts (one transaction
and fsync per row, as every 201 is). Photo: a 4000×3000 JPEG with EXIF and GPS is
POSTed --photos times; the reference is Pillow alone doing the same decode, turn,
scale and re-encode in-process.

    .venv/bin/python bench/submissions.py [--seconds 10] [--photos 5]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.media_files import GPS_POSITION  # noqa: E402

from bench.read_api import free_port, start_gunicorn, stop, wrk  # noqa: E402
from trailapp import create_app, loader, media, privacy  # noqa: E402

STORY = {"kind": "story", "place": "bol-gastgivars", "lang": "sv",
         "title": "Mätberättelse", "body": "En berättelse för mätning. " * 10,
         "pseudonym": "Mät Lo 1", "age_band": "16-17", "consent_by": "self",
         "consent_notice_version": privacy.VERSION}


def photo_12mp() -> bytes:
    """A 4000×3000 JPEG of noise (so it does not compress to nothing) with GPS EXIF."""
    rng = np.random.default_rng(12)
    pixels = rng.integers(0, 255, (3000, 4000, 3), dtype=np.uint8)
    img = Image.fromarray(pixels, "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update(GPS_POSITION)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def durable_inserts(folder: Path, seconds: float) -> float:
    """Rows per second of single-row durable transactions in WAL mode (the floor)."""
    conn = sqlite3.connect(folder / "ref.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (?)", [json.dumps(STORY)])
        conn.execute("COMMIT")
        n += 1
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


def post_photo(url: str, data: bytes) -> float:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in {**STORY, "people_in_media": "false"}.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="media"; '
                 f'filename="IMG.JPG"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        url, data=b"".join(parts), method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    start = time.perf_counter()
    with urllib.request.urlopen(request) as r:  # noqa: S310 - loopback only
        assert r.status == 201, r.status
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--photos", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="trailapp-bench-sub-"))
    try:
        db = folder / "db.sqlite3"
        app = create_app({"DATABASE": str(db), "SECRET_KEY": "bench",
                          "MEDIA_DIR": str(folder / "media")})
        loader.load(app.extensions["trailapp"].store, [ROOT / "geodata"])
        app.extensions["trailapp"].store.close()
        env = {**os.environ, "TRAILAPP_DATABASE": str(db), "TRAILAPP_SECRET_KEY": "bench",
               "TRAILAPP_MEDIA_DIR": str(folder / "media"), "TRAILAPP_SUBMISSION_LIMIT": "0",
               "TRAILAPP_SUBMISSION_LIMIT_PER_ADDRESS": "0"}
        port, bare_port = free_port(), free_port()
        procs = [start_gunicorn("wsgi:app", env, port),
                 start_gunicorn("bench.bare_app:app", env, bare_port)]
        script = folder / "post.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = [[{json.dumps(STORY, ensure_ascii=False)}]]\n", encoding="utf-8")
        try:
            bare = wrk(f"http://127.0.0.1:{bare_port}/bare", args.seconds)
            cmd = ["wrk", "-t2", "-c8", f"-d{args.seconds}s", "--latency", "-s", str(script),
                   f"http://127.0.0.1:{port}/contributions"]
            before = _rows(db)
            start = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            elapsed = time.perf_counter() - start
            stored = _rows(db) - before
            import re

            p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
            p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
            non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
            floor = durable_inserts(folder, args.seconds)
            data = photo_12mp()
            times = [post_photo(f"http://127.0.0.1:{port}/contributions", data)
                     for _ in range(args.photos)]
        finally:
            for proc in procs:
                stop(proc)
        pillow = []
        for _ in range(args.photos):
            t0 = time.perf_counter()
            media.clean_image("media", data, "image/jpeg")
            pillow.append(time.perf_counter() - t0)
        rate = stored / elapsed
        print(f"machine: {os.uname().nodename}, {os.cpu_count()} cores")
        print(f"durable text submissions: {rate:.0f}/s stored ({stored} rows in "
              f"{elapsed:.1f} s; p50 {p50}, p99 {p99}; non-2xx "
              f"{non2xx.group(1) if non2xx else 0})")
        print(f"  reference bare Flask JSON GET: {bare['rps']:.0f}/s -> x{rate / bare['rps']:.3f}")
        print(f"  reference bare durable SQLite inserts, one process: {floor:.0f}/s "
              f"-> x{rate / floor:.2f}")
        photo = statistics.median(times)
        ref = statistics.median(pillow)
        print(f"12 MP photo ({len(data) / 2**20:.1f} MiB) accepted in {photo * 1000:.0f} ms "
              f"(median of {args.photos}); Pillow alone {ref * 1000:.0f} ms -> "
              f"x{photo / ref:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM contributions").fetchone()[0]
    finally:
        conn.close()


if __name__ == "__main__":
    main()
