"""Crash rounds: kill -9 the server at random moments while clients submit, restart
it, and check that every submission that got a 201 is in the database and that
PRAGMA integrity_check says ok. Figures, not pass/fail (a short version runs in CI:
tests/test_crash.py).

    .venv/bin/python bench/crash.py [--rounds 20] [--clients 6]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.servers import free_port, start_gunicorn  # noqa: E402

from trailapp import create_app, loader, privacy  # noqa: E402

STORY = {"kind": "story", "place": "bol-gastgivars", "lang": "sv", "body": "Krocktest.",
         "pseudonym": "Krock Lo 1", "age_band": "16-17", "consent_by": "self",
         "consent_notice_version": privacy.VERSION}


def start(env: dict, port: int) -> subprocess.Popen:
    """gunicorn as documented, on a loopback port, once /healthz answers (the tests'
    own starter, so the benchmarks and the tests start the server the same way)."""
    return start_gunicorn(env, port)


def submit_until(url: str, stop: threading.Event, acknowledged: list[str]) -> None:
    while not stop.is_set():
        title = f"Krock {uuid.uuid4().hex[:12]}"
        request = urllib.request.Request(
            url, data=json.dumps({**STORY, "title": title}).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as r:  # noqa: S310
                if r.status == 201:
                    acknowledged.append(json.loads(r.read())["id"])
        except (OSError, http.client.HTTPException, ValueError):
            # Down, busy, or killed mid-answer: a 201 whose body never arrived is not
            # an acknowledgment the client can rely on; try again.
            time.sleep(0.01)


def run(rounds: int, clients: int, folder: Path, seed: int = 7) -> list[dict]:
    """Run the rounds; one result per round."""
    db = folder / "crash.sqlite3"
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "crash",
                      "MEDIA_DIR": str(folder / "media"), "PACK_DIR": str(folder / "packs")})
    loader.load(app.extensions["trailapp"].store, [ROOT / "geodata"])
    app.extensions["trailapp"].store.close()
    env = {**os.environ, "TRAILAPP_DATABASE": str(db), "TRAILAPP_SECRET_KEY": "crash",
           "TRAILAPP_MEDIA_DIR": str(folder / "media"), "TRAILAPP_SUBMISSION_LIMIT": "0",
           "TRAILAPP_SUBMISSION_LIMIT_PER_ADDRESS": "0",
           "TRAILAPP_PACK_DIR": str(folder / "packs"),
           "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics")}
    (folder / "metrics").mkdir(exist_ok=True)  # killed servers cannot clean up after them
    rng = random.Random(seed)
    acknowledged: list[str] = []
    results = []
    for n in range(rounds):
        port = free_port()
        proc = start(env, port)
        stop = threading.Event()
        threads = [threading.Thread(target=submit_until,
                                    args=(f"http://127.0.0.1:{port}/contributions", stop,
                                          acknowledged)) for _ in range(clients)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 1.2))
        os.killpg(proc.pid, signal.SIGKILL)  # master and workers, mid-write
        proc.wait()
        stop.set()
        for t in threads:
            t.join(10)
        conn = sqlite3.connect(db)  # what a restart finds (WAL replayed on open)
        try:
            present = {r[0] for r in conn.execute("SELECT id FROM contributions")}
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        lost = [i for i in acknowledged if i not in present]
        results.append({"round": n + 1, "acknowledged": len(acknowledged),
                        "present": len(present), "lost": len(lost), "integrity": integrity})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--json", type=Path, help="also write the rounds as JSON here")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="trailapp-crash-"))
    try:
        results = run(args.rounds, args.clients, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for r in results:
        print(f"round {r['round']:2}: acknowledged {r['acknowledged']:5}, present "
              f"{r['present']:5}, lost {r['lost']}, integrity {r['integrity']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    total_lost = sum(r["lost"] for r in results[-1:])
    bad = [r for r in results if r["integrity"] != "ok"]
    print(f"{len(results)} rounds: {results[-1]['acknowledged']} acknowledged, "
          f"{total_lost} lost, integrity not ok in {len(bad)} round(s)")


if __name__ == "__main__":
    main()
