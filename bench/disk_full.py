"""Disk full: the database and media on a small tmpfs, clients submitting until it
fills. Reports the answers (507/503, never 500, never a hang), checks that nothing
acknowledged is lost, then frees space and checks the service recovers without a
restart. Needs root (it mounts a tmpfs). Figures, not pass/fail; tests/test_disk_full.py
runs it briefly.

    sudo .venv/bin/python bench/disk_full.py [--size-mb 8]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.media_files import jpeg_with_gps  # noqa: E402

from bench.crash import STORY, start  # noqa: E402
from bench.read_api import free_port, stop  # noqa: E402
from trailapp import create_app, loader  # noqa: E402


def mount_tmpfs(path: Path, size_mb: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)],
                   check=True, capture_output=True)


def post(url: str, data: bytes, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=20) as r:  # noqa: S310 - loopback
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def multipart(photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in {**STORY, "title": f"Full {uuid.uuid4().hex[:8]}",
                        "people_in_media": "false"}.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  f"{value}\r\n".encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="media"; '
              f'filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode() + photo
              + f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def run(folder: Path, size_mb: int = 8, max_posts: int = 400) -> dict:
    """Fill a tmpfs with submissions; return what happened."""
    disk = folder / "disk"
    mount_tmpfs(disk, size_mb)
    proc = None
    try:
        db = disk / "db.sqlite3"
        config = {"DATABASE": str(db), "SECRET_KEY": "full", "MEDIA_DIR": str(disk / "media"),
                  "PACK_DIR": str(folder / "packs")}
        app = create_app(config)
        loader.load(app.extensions["trailapp"].store, [ROOT / "geodata"])
        app.extensions["trailapp"].store.close()
        ballast = disk / "ballast"  # freed at the end: "space returns"
        ballast.write_bytes(b"\0" * (size_mb * 2**20 // 4))
        env = {**os.environ, **{f"TRAILAPP_{k}": v for k, v in config.items()},
               "TRAILAPP_SUBMISSION_LIMIT": "0",
               "TRAILAPP_SUBMISSION_LIMIT_PER_ADDRESS": "0"}
        port = free_port()
        proc = start(env, port)
        url = f"http://127.0.0.1:{port}/contributions"
        photo = jpeg_with_gps(1600, 1200)
        answers: Counter[int] = Counter()
        acknowledged: list[str] = []
        slowest = 0.0
        for i in range(max_posts):
            t0 = time.perf_counter()
            if i % 2:
                status, body = post(url, json.dumps({**STORY, "title": f"Text {i}",
                                                     "body": "x" * 3000}).encode(),
                                    "application/json")
            else:
                status, body = post(url, *multipart(photo))
            slowest = max(slowest, time.perf_counter() - t0)
            answers[status] += 1
            if status == 201:
                acknowledged.append(body["id"])
            if answers[507] + answers[503] >= 20:
                break
        ballast.unlink()
        after, _ = post(url, json.dumps({**STORY, "title": "After space returned"}).encode(),
                        "application/json")
        health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).status  # noqa: S310
    finally:
        if proc is not None:
            stop(proc)
    conn = sqlite3.connect(db)
    present = {r[0] for r in conn.execute("SELECT id FROM contributions")}
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    leftovers = [p for p in (disk / "media").rglob("*.part")] if (disk / "media").exists() \
        else []
    subprocess.run(["umount", str(disk)], check=False, capture_output=True)
    return {"answers": dict(answers), "acknowledged": len(acknowledged),
            "lost": len([i for i in acknowledged if i not in present]),
            "integrity": integrity, "after_space_returned": after, "health": health,
            "slowest_s": round(slowest, 2), "part_files": len(leftovers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="trailapp-full-"))
    try:
        result = run(folder, args.size_mb)
    finally:
        subprocess.run(["umount", str(folder / "disk")], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
