"""Several servers, one PostgreSQL (issue 16): two gunicorn instances on different ports
share one PostGIS database (a throwaway cluster, tests/helpers/pg.py) and one media
folder. Writers spread over both create, rename and delete places (organisers, API
tokens) and submit contributions (young people); sync clients spread over both follow
/sync. Midway one instance is killed with SIGKILL (master and workers).

What must hold, and is checked at the end (exit 1 if not):
- every acknowledged write is in the database: each place whose every write was
  answered has exactly its last acknowledged state, and every contribution answered
  201 is stored;
- every sync client, after a last catch-up, holds exactly the server's public state
  (every collection's features, by id and by rendered JSON): no missed change, no
  extra;
- the surviving instance kept answering after the kill.

    .venv/bin/python bench/multiserver.py [--seconds 60] [--writers 10] [--syncers 3]

tests/test_multiserver.py runs a shorter version. Prints figures; never a threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.app import GEODATA, place  # noqa: E402
from helpers.pg import Cluster  # noqa: E402
from helpers.servers import free_port, start_gunicorn  # noqa: E402

from trailapp import auth, create_app, loader, privacy  # noqa: E402

PASSWORD = "ett-långt-lösenord-för-mätning-42"
BOX = (16.2, 61.25, 16.6, 61.45)  # new places land in this part of Bollnäs


@dataclass
class Tally:
    """What the writers and sync clients saw; shared between threads under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict[str, dict | None] = field(default_factory=dict)  # place id -> last acked
    uncertain: set[str] = field(default_factory=set)  # a write with no answer
    contributions: list[str] = field(default_factory=list)
    ok: int = 0
    refused: int = 0  # an answer that was not a success (4xx/5xx): counted, not acked
    lost_connections: int = 0
    survivor_after_kill: int = 0
    survivor_errors_after_kill: int = 0


def _request(url: str, method: str = "GET", body: dict | None = None,
             headers: dict | None = None, timeout: float = 10) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Run:
    def __init__(self, seconds: float, writers: int, syncers: int, folder: Path):
        self.seconds, self.writers, self.syncers = seconds, writers, syncers
        self.folder = folder
        self.tally = Tally()
        self.stop = threading.Event()
        self.writers_done = threading.Event()
        self.killed = threading.Event()
        self.cluster = Cluster().start()
        self.cluster.execute("CREATE DATABASE multiserver")
        self.url = self.cluster.url("multiserver")
        self.env = {**os.environ, "TRAILAPP_DATABASE": self.url,
                    "TRAILAPP_MEDIA_DIR": str(folder / "shared" / "media"),
                    "TRAILAPP_PACK_DIR": str(folder / "shared" / "packs"),
                    "TRAILAPP_ERASURE_LOG": str(folder / "shared" / "erasures.log"),
                    "TRAILAPP_SECRET_KEY": "multiserver-bench", "TRAILAPP_PROXY_FIX": "1",
                    "TRAILAPP_WORKERS": "1", "TRAILAPP_THREADS": "8"}
        self.token = self._prepare()
        self.ports = [free_port(), free_port()]
        self.procs = [start_gunicorn(self.env, port) for port in self.ports]
        self.alive = [True, True]

    def _prepare(self) -> str:
        app = create_app({"DATABASE": self.url, "SECRET_KEY": "multiserver-bench",
                          "MEDIA_DIR": str(self.folder / "shared" / "media"),
                          "PACK_DIR": str(self.folder / "shared" / "packs"),
                          "ERASURE_LOG": str(self.folder / "shared" / "erasures.log")})
        store = app.extensions["trailapp"].store
        loader.load(store, [GEODATA])
        who = auth.create_organiser(store, "bench", PASSWORD, "moderator", ["bollnas"])
        _, token = auth.create_token(store, who, "multiserver")
        store.close()
        return token

    def base(self, rng: random.Random) -> tuple[int, str]:
        choices = [i for i, alive in enumerate(self.alive) if alive]
        i = rng.choice(choices)
        return i, f"http://127.0.0.1:{self.ports[i]}"

    def _note(self, server: int, ok: bool) -> None:
        if self.killed.is_set() and self.alive[server]:
            with self.tally.lock:
                self.tally.survivor_after_kill += 1
                if not ok:
                    self.tally.survivor_errors_after_kill += 1

    def writer(self, n: int) -> None:
        rng = random.Random(n)
        mine: list[str] = []
        headers = {"Authorization": f"Bearer {self.token}"}
        count = 0
        while not self.stop.is_set():
            count += 1
            server, base = self.base(rng)
            roll = rng.random()
            try:
                if roll < 0.3:  # a young person's story: stored, pending
                    body = {"kind": "story", "place": "bol-gastgivars", "lang": "sv",
                            "title": f"Berättelse {n}-{count}",
                            "body": f"Skrivare {n} berättar sin {count}:e historia om gården.",
                            "pseudonym": "Modig Lo 42", "age_band": "13-15",
                            "consent_by": "self", "consent_notice_version": privacy.VERSION}
                    status, raw = _request(f"{base}/contributions", "POST", body, {
                        "X-Forwarded-For": f"10.{n}.{count // 250 % 250}.{count % 250}"})
                    if status == 201:
                        with self.tally.lock:
                            self.tally.contributions.append(json.loads(raw)["id"])
                elif roll < 0.65 or not mine:  # a new place
                    fid = f"test-ms-{n}-{count}"
                    feature = place(fid, rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3]))
                    status, _ = self._place_write(fid, "POST", f"{base}/manage/places",
                                                  feature, headers)
                    if status == 201:
                        mine.append(fid)
                elif roll < 0.9:  # rename one of mine
                    fid = rng.choice(mine)
                    feature = place(fid, rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3]),
                                    name_en=f"Renamed {fid} at {count}")
                    status, _ = self._place_write(fid, "PUT", f"{base}/manage/places/{fid}",
                                                  feature, headers)
                else:  # delete one of mine
                    fid = mine.pop(rng.randrange(len(mine)))
                    status, _ = self._place_write(fid, "DELETE", f"{base}/manage/places/{fid}",
                                                  None, headers)
                with self.tally.lock:
                    if status < 300:
                        self.tally.ok += 1
                    else:
                        self.tally.refused += 1
                self._note(server, status < 500)
            except OSError:  # no answer: the write may or may not have happened
                with self.tally.lock:
                    self.tally.lost_connections += 1
                self._note(server, False)

    def _place_write(self, fid: str, method: str, url: str, feature: dict | None,
                     headers: dict) -> tuple[int, bytes]:
        try:
            status, raw = _request(url, method, feature, headers)
        except OSError:
            with self.tally.lock:
                self.tally.uncertain.add(fid)
            raise
        if status < 300:
            with self.tally.lock:
                self.tally.acked[fid] = None if method == "DELETE" else feature
        return status, raw

    def syncer(self, n: int, states: list[dict]) -> None:
        rng = random.Random(1000 + n)
        state: dict[tuple[str, str], str] = {}
        cursor = "s0"
        while True:
            # The last catch-up starts after every writer has had its answer.
            finishing = self.writers_done.is_set()
            server, base = self.base(rng)
            try:
                cursor = self._catch_up(base, cursor, state)
                self._note(server, True)
            except OSError:
                self._note(server, False)
                continue
            if finishing:
                break
            time.sleep(rng.uniform(0.05, 0.3))
        states[n] = state

    def _catch_up(self, base: str, cursor: str, state: dict) -> str:
        while True:
            status, raw = _request(f"{base}/sync?since={cursor}&limit=1000&lang=en")
            if status != 200:
                raise OSError(f"sync answered {status}")
            page = json.loads(raw)
            for change in page["changes"]:
                key = (change["collection"], change["id"])
                if change["op"] == "delete" or change.get("feature") is None:
                    state.pop(key, None)
                else:
                    # Links name the server that answered: the same feature from
                    # either server is the same once the host is left out.
                    text = json.dumps(change["feature"], sort_keys=True)
                    for port in self.ports:
                        text = text.replace(f"127.0.0.1:{port}", "server")
                    state[key] = text
            cursor = page["next"]
            if not page["more"]:
                return cursor

    def go(self) -> dict:
        states: list[dict] = [{} for _ in range(self.syncers)]
        threads = [threading.Thread(target=self.writer, args=(i,)) for i in range(self.writers)]
        threads += [threading.Thread(target=self.syncer, args=(i, states))
                    for i in range(self.syncers)]
        started = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(self.seconds / 2)
        os.killpg(self.procs[0].pid, signal.SIGKILL)  # master and workers, no goodbye
        self.alive[0] = False
        self.killed.set()
        time.sleep(self.seconds / 2)
        self.stop.set()
        for t in threads[:self.writers]:
            t.join(60)
        self.writers_done.set()
        for t in threads[self.writers:]:
            t.join(60)
        elapsed = time.monotonic() - started
        return self.check(states, elapsed)

    def check(self, states: list[dict], elapsed: float) -> dict:
        app = create_app({"DATABASE": self.url, "SECRET_KEY": "multiserver-bench",
                          "MEDIA_DIR": str(self.folder / "shared" / "media"),
                          "PACK_DIR": str(self.folder / "shared" / "packs"),
                          "ERASURE_LOG": str(self.folder / "shared" / "erasures.log")})
        store = app.extensions["trailapp"].store
        # The public state: a new client's full sync from the survivor, which must hold
        # exactly the features the database has (checked below).
        public: dict[tuple[str, str], str] = {}
        self._catch_up(f"http://127.0.0.1:{self.ports[1]}", "s0", public)
        with store.reader() as r:
            in_database = {(row["collection"], row["id"]) for row in r.records()
                           if row["collection"] in {c for c, _ in public} | {"places"}}
            names = {row["id"]: json.loads(row["record"]) for row in r.records("places")}
            stored = {row[0] for row in r.conn.execute("SELECT id FROM contributions")}
        store.close()
        t = self.tally
        missing_places, wrong_places = [], []
        for fid, feature in t.acked.items():
            if fid in t.uncertain:
                continue
            if feature is None:
                if fid in names:
                    wrong_places.append(fid)
            elif fid not in names:
                missing_places.append(fid)
            elif names[fid]["texts"]["name"]["en"] != feature["properties"]["name_en"]:
                wrong_places.append(fid)
        missing_contributions = [c for c in t.contributions if c not in stored]
        sync_missing = [len(set(public) - set(s)) for s in states]
        sync_extra = [len(set(s) - set(public)) for s in states]
        sync_stale = [sum(1 for k in public if k in s and s[k] != public[k]) for s in states]
        return {
            "seconds": round(elapsed, 1), "writes_acknowledged": t.ok,
            "writes_refused": t.refused, "writes_without_answer": t.lost_connections,
            "writes_per_s": round((t.ok + t.refused) / elapsed, 1),
            "places_checked": sum(1 for f in t.acked if f not in t.uncertain),
            "contributions_acknowledged": len(t.contributions),
            "acknowledged_places_missing": missing_places,
            "acknowledged_places_wrong": wrong_places,
            "acknowledged_contributions_missing": missing_contributions,
            "public_features": len(public),
            "new_client_differs_from_database": len(in_database ^ set(public)),
            "sync_clients_missing": sync_missing, "sync_clients_extra": sync_extra,
            "sync_clients_stale": sync_stale,
            "survivor_requests_after_kill": t.survivor_after_kill,
            "survivor_errors_after_kill": t.survivor_errors_after_kill,
        }

    def close(self) -> None:
        for proc, alive in zip(self.procs, self.alive, strict=True):
            if alive:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(20)
                except (ProcessLookupError, OSError):
                    pass
            else:
                proc.wait(5)
        self.cluster.stop()


def holds(result: dict) -> bool:
    """True when nothing acknowledged was lost and every sync client is exact."""
    return (not result["acknowledged_places_missing"]
            and not result["acknowledged_places_wrong"]
            and not result["acknowledged_contributions_missing"]
            and not any(result["sync_clients_missing"]) and not any(result["sync_clients_extra"])
            and not any(result["sync_clients_stale"])
            and result["new_client_differs_from_database"] == 0
            and result["survivor_requests_after_kill"] > 0
            and result["survivor_errors_after_kill"] == 0)


def run(seconds: float = 60, writers: int = 10, syncers: int = 3) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="trailapp-multiserver-"))
    r = Run(seconds, writers, syncers, folder)
    try:
        return r.go()
    finally:
        r.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--writers", type=int, default=10)
    ap.add_argument("--syncers", type=int, default=3)
    args = ap.parse_args()
    result = run(args.seconds, args.writers, args.syncers)
    print(json.dumps(result, indent=2))
    print("holds" if holds(result) else "DOES NOT HOLD")
    return 0 if holds(result) else 1


if __name__ == "__main__":
    sys.exit(main())
