"""Load run: readers and writers against the production setup (gunicorn with the
README's settings) on loopback, bounded in time. Reports requests/s and p50/p99 per
route and the 5xx count, then checks that every submission that got a 201 is in the
database. Figures, not pass/fail.

    .venv/bin/python bench/load.py [--readers 50] [--writers 10] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crash import STORY, start  # noqa: E402
from bench.read_api import free_port, stop  # noqa: E402
from trailapp import create_app, loader  # noqa: E402

READS = [
    ("items?limit=50", "/collections/places/items?limit=50"),
    ("items?municipality", "/collections/places/items?municipality=bollnas&lang=sv"),
    ("items/{id}", "/collections/places/items/bol-gastgivars"),
    ("near", "/collections/places/items?near=16.39,61.35&radius=5000"),
    ("bbox", "/collections/places/items?bbox=16.3,61.3,16.5,61.4"),
    ("stories", "/collections/stories/items?limit=20"),
    ("collections", "/collections"),
    ("sync", "/sync?since=s0&limit=100"),
]


class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        assert self.reader is not None  # noqa: S101
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            if name.lower() == "connection" and "close" in value.lower():
                close = True
        data = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, data


async def reader_user(port: int, until: float, timings: dict, statuses: dict,
                      rng: random.Random) -> None:
    conn = Conn(port)
    while time.perf_counter() < until:
        name, path = rng.choice(READS)
        t0 = time.perf_counter()
        try:
            status, _ = await conn.request("GET", path)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            conn.writer = None
            statuses["connection error"] += 1
            continue
        timings[name].append(time.perf_counter() - t0)
        statuses[status] += 1


async def writer_user(port: int, until: float, timings: dict, statuses: dict,
                      acknowledged: list[str], n: int) -> None:
    conn = Conn(port)
    i = 0
    while time.perf_counter() < until:
        body = json.dumps({**STORY, "title": f"Last {n}-{i}"}).encode()
        i += 1
        t0 = time.perf_counter()
        try:
            status, data = await conn.request("POST", "/contributions", body,
                                              {"Content-Type": "application/json"})
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            conn.writer = None
            statuses["connection error"] += 1
            continue
        timings["POST /contributions"].append(time.perf_counter() - t0)
        statuses[status] += 1
        if status == 201:
            acknowledged.append(json.loads(data)["id"])


async def run(port: int, readers: int, writers: int, seconds: float) -> tuple:
    timings: dict[str, list[float]] = defaultdict(list)
    statuses: dict = defaultdict(int)
    acknowledged: list[str] = []
    until = time.perf_counter() + seconds
    rng = random.Random(3)
    await asyncio.gather(
        *(reader_user(port, until, timings, statuses, random.Random(rng.random()))
          for _ in range(readers)),
        *(writer_user(port, until, timings, statuses, acknowledged, n) for n in range(writers)))
    return timings, statuses, acknowledged


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="trailapp-load-"))
    try:
        db = folder / "load.sqlite3"
        app = create_app({"DATABASE": str(db), "SECRET_KEY": "load",
                          "MEDIA_DIR": str(folder / "media"), "PACK_DIR": str(folder / "p")})
        loader.load(app.extensions["trailapp"].store, [ROOT / "geodata"])
        app.extensions["trailapp"].store.close()
        env = {**os.environ, "TRAILAPP_DATABASE": str(db), "TRAILAPP_SECRET_KEY": "load",
               "TRAILAPP_MEDIA_DIR": str(folder / "media"), "TRAILAPP_SUBMISSION_LIMIT": "0",
               "TRAILAPP_SUBMISSION_LIMIT_PER_ADDRESS": "0",
               "TRAILAPP_PACK_DIR": str(folder / "p")}
        port = free_port()
        proc = start(env, port)
        try:
            t0 = time.perf_counter()
            timings, statuses, acknowledged = asyncio.run(
                run(port, args.readers, args.writers, args.seconds))
            elapsed = time.perf_counter() - t0
        finally:
            stop(proc)
        conn = sqlite3.connect(db)
        present = {r[0] for r in conn.execute("SELECT id FROM contributions")}
        conn.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"machine: {os.uname().nodename}, {os.cpu_count()} cores; {args.readers} readers, "
          f"{args.writers} writers, {elapsed:.0f} s; gunicorn.conf.py settings")
    print(f"{'route':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    reads = []
    for name, values in sorted(timings.items()):
        print(f"{name:22} {len(values) / elapsed:8.1f} {pct(values, 0.5):8.1f} "
              f"{pct(values, 0.99):8.1f}")
        if name != "POST /contributions":
            reads += values
    print(f"{'all reads':22} {len(reads) / elapsed:8.1f} {pct(reads, 0.5):8.1f} "
          f"{pct(reads, 0.99):8.1f}")
    fives = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    print(f"statuses: {dict(sorted(statuses.items(), key=str))}; 5xx: {fives}")
    lost = [i for i in acknowledged if i not in present]
    print(f"submissions acknowledged (201): {len(acknowledged)}, in the database: "
          f"{len(acknowledged) - len(lost)}, lost: {len(lost)}")
    print(f"read p50 across routes: {statistics.median(reads) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
