"""Read-API benchmark: requests/s and p50/p99 per route at 1k, 10k and 100k places,
each beside a bare Flask JSON endpoint under the same gunicorn settings, measured
with wrk on loopback, with the response cache on and off, on the SQLite store and (with
--stores sqlite,postgresql) on PostgreSQL + PostGIS: a throwaway cluster
(tests/helpers/pg.py) filled from the same SQLite file by copy-db. Prints a table of
figures and ratios (median of alternating route/bare pairs); never passes or fails.

The "random" workloads (bench/random_reads.lua) make every request different, a
map-sized bbox (0.05° x 0.03°) anywhere in the data or one place id drawn from the
ids written beside the database, so they measure the uncached read path even with the
response cache on.

    .venv/bin/python bench/read_api.py [--sizes 1000,10000,100000] [--seconds 2] [--pairs 3]
        [--routes random] [--modes uncached] [--app-dir DIR] [--db-dir DIR]
        [--stores sqlite,postgresql] [--warmup SECONDS]

--routes keeps the routes whose name contains one of the comma-separated words;
--app-dir serves trailapp from another checkout (figures before a change).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from trailapp import create_app  # noqa: E402
from trailapp.publishing import to_row  # noqa: E402
from trailapp.times import now_rfc3339  # noqa: E402

try:
    from helpers.pg import Cluster  # noqa: E402
except ImportError:  # psycopg is a test dependency
    Cluster = None  # type: ignore[assignment,misc]

BOX = (16.0, 61.1, 16.8, 61.6)  # synthetic places spread over this part of Bollnäs
MAP_BOX = (0.05, 0.03)  # a phone map's view, in degrees (random bbox workloads)
SCRIPT = ROOT / "bench" / "random_reads.lua"
TRAIL = [[16.05, 61.35], [16.4, 61.36], [16.75, 61.34]]  # a synthetic 38 km line


def synthetic_record(i: int, rng: random.Random) -> dict:
    lon = rng.uniform(BOX[0], BOX[2])
    lat = rng.uniform(BOX[1], BOX[3])
    return {
        "collection": "places", "id": f"bench-{i:06d}", "municipality": "bollnas",
        "kind": rng.choice(["church", "museum", "farmhouse", "viewpoint"]),
        "accuracy": "exact", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "texts": {"name": {"sv": f"Plats {i}", "en": f"Place {i}", "tn": None},
                  "description": {"sv": "Syntetisk plats för mätning. " * 4,
                                  "en": "A synthetic place for benchmarking. " * 4,
                                  "tn": None}},
        "attrs": {"source": "synthetic benchmark data", "additional_sources": []},
    }


def read_through(db: Path) -> None:
    """Read the database file once, so that it starts in the page cache as a running
    service's file is (docs/operations.md asks for the RAM to keep it there). Without
    this, a large file left cold by other work (or reclaimed by the kernel) made the
    first minute measure the disk: random id at 1,000,000 places read 0.67x bare with
    a third of the file cached and 0.91x with all of it."""
    with db.open("rb") as f:
        while f.read(1 << 24):
            pass


def ids_file(db: Path) -> Path:
    """The file of place ids written beside a benchmark database."""
    return db.with_suffix(".ids")


def build_database(path: Path, n: int) -> None:
    app = create_app({"DATABASE": str(path), "SECRET_KEY": "bench"})
    store = app.extensions["trailapp"].store
    rng = random.Random(n)
    updated = now_rfc3339()
    with store.writer() as w:
        for i in range(n):
            w.upsert_feature(to_row(synthetic_record(i, rng), updated))
        w.upsert_feature(to_row({
            "collection": "trails", "id": "bench-trail", "municipality": "bollnas",
            "kind": "trail", "accuracy": "exact",
            "geometry": {"type": "LineString", "coordinates": TRAIL},
            "texts": {"name": {"sv": "Mätled", "en": "Bench trail", "tn": None}},
            "attrs": {"source": "synthetic benchmark data"}}, updated))
    store.close()
    ids_file(path).write_text("".join(f"bench-{i:06d}\n" for i in range(n)))


def postgres_copy(cluster: Cluster, db: Path, n: int) -> str:
    """A PostgreSQL database holding what the SQLite file holds (flask copy-db), made
    once per cluster and size; its URL."""
    from trailapp.store import Store
    from trailapp.store.copy import copy
    from trailapp.store.postgres import PgStore

    name = f"places_{n}"
    cluster.execute(f'CREATE DATABASE "{name}"')
    url = cluster.url(name)
    source, target = Store(str(db)), PgStore(url)
    try:
        copy(source, target)
        with target.writer() as w:
            w.conn.execute("ANALYZE")
    finally:
        source.close()
        target.close()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(module: str, env: dict, port: int, app_dir: Path = ROOT
                   ) -> subprocess.Popen:
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "--config",
           str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
           "--chdir", str(app_dir), module]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)  # noqa: S310
            return proc
        except urllib.error.HTTPError:
            return proc  # the bare app answers 404 on / : it is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn for {module} did not start: {proc.stderr.read()}")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)


def wrk(url: str, seconds: int, headers: dict | None = None,
        script: list[str] | None = None) -> dict:
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url]
    for k, v in (headers or {}).items():
        cmd[1:1] = ["-H", f"{k}: {v}"]
    if script:  # every request different: see bench/random_reads.lua
        cmd[1:1] = ["-s", str(SCRIPT)]
        cmd += ["--", *script]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": to_ms(lat["50"]), "p99": to_ms(lat["99"]),
            "errors": int(non2xx.group(1)) if non2xx else 0}


def to_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def routes(n: int, base: str, ids: Path) -> list[tuple[str, str, dict, list[str] | None]]:
    """Routes sized so bbox, near and trail each return about 50 places; then the
    random workloads (a different bbox or id on every request)."""
    area = (BOX[2] - BOX[0]) * (BOX[3] - BOX[1])
    side = math.sqrt(area * 50 / n)
    cx, cy = 16.4, 61.35
    bbox = f"{cx - side / 2:.6f},{cy - side / 2:.6f},{cx + side / 2:.6f},{cy + side / 2:.6f}"
    m_per_deg_lat, m_per_deg_lon = 111_400.0, 111_320.0 * math.cos(math.radians(cy))
    area_m2 = area * m_per_deg_lat * m_per_deg_lon
    radius = math.sqrt(area_m2 * 50 / n / math.pi)
    trail_len = 38_000.0
    within = area_m2 * 50 / n / (2 * trail_len)
    items = f"{base}/collections/places/items"
    with urllib.request.urlopen(f"{items}?limit=50") as r:  # noqa: S310
        etag = r.headers["ETag"]
    random_bbox = ["bbox", *map(str, BOX), *map(str, MAP_BOX)]
    return [
        ("items?limit=50", f"{items}?limit=50", {}, None),
        ("items?bbox (~50)", f"{items}?bbox={bbox}&limit=100", {}, None),
        ("items/{id}", f"{items}/bench-{n // 2:06d}", {}, None),
        ("items?limit=1000", f"{items}?limit=1000", {}, None),
        ("near (~50)", f"{items}?near={cx},{cy}&radius={radius:.0f}&limit=100", {}, None),
        ("trail&within (~50)", f"{items}?trail=bench-trail&within={within:.0f}&limit=100", {},
         None),
        ("304 (If-None-Match)", f"{items}?limit=50", {"If-None-Match": etag}, None),
        ("random bbox, 50", base, {}, [*random_bbox, "50"]),
        ("random bbox, 1000", base, {}, [*random_bbox, "1000"]),
        ("random id", base, {}, ["id", str(ids)]),
    ]


def measure(url: str, bare_url: str, seconds: int, pairs: int, headers: dict,
            script: list[str] | None = None, warmup: int = 1) -> dict:
    """Alternate runs of the route and the bare endpoint; the ratio is the median of
    the pairs (the machine is shared and noisy; pairing cancels slow spells)."""
    # Warm-up: caches, page cache, connection pools, and each worker's in-memory bounds
    # (read in a thread of their own: seconds at a million places; --warmup).
    wrk(url, warmup, headers, script)
    runs, ratios = [], []
    for _ in range(pairs):
        bare = wrk(bare_url, seconds)
        run = wrk(url, seconds, headers, script)
        runs.append(run)
        ratios.append(run["rps"] / bare["rps"])
    mid = statistics.median
    return {"rps": mid(r["rps"] for r in runs), "p50": mid(r["p50"] for r in runs),
            "p99": mid(r["p99"] for r in runs), "ratio": mid(ratios),
            "errors": sum(r["errors"] for r in runs)}


def run_size(n: int, database: str, ids: Path, args: argparse.Namespace, words: list[str],
             modes: list[str]) -> dict:
    """Every route against one database, beside the bare endpoint."""
    env = {**os.environ, "TRAILAPP_DATABASE": database, "TRAILAPP_SECRET_KEY": "bench"}
    ports = {name: free_port() for name in ("cached", "uncached", "bare")}
    procs = [start_gunicorn("wsgi:app", env, ports["cached"], args.app_dir),
             start_gunicorn("wsgi:app", {**env, "TRAILAPP_RESPONSE_CACHE_MB": "0"},
                            ports["uncached"], args.app_dir),
             start_gunicorn("bench.bare_app:app", env, ports["bare"])]
    bare_url = f"http://127.0.0.1:{ports['bare']}/bare"
    table: dict = {}
    try:
        bare = measure(bare_url, bare_url, args.seconds, 1, {})
        for mode in modes:
            for name, url, headers, script in routes(
                    n, f"http://127.0.0.1:{ports[mode]}", ids):
                if words and not any(w in name for w in words):
                    continue
                table.setdefault(name, {})[mode] = measure(
                    url, bare_url, args.seconds, args.pairs, headers, script, args.warmup)
    finally:
        for proc in procs:
            stop(proc)
    return {"bare": bare, "routes": table}


def print_table(title: str, result: dict) -> None:
    bare = result["bare"]
    print(f"\n{title}: bare Flask {bare['rps']:.0f} req/s, p50 {bare['p50']:.2f} ms, "
          f"p99 {bare['p99']:.2f} ms")
    print(f"{'route':22} {'cache':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'x bare':>7} {'non-2xx':>7}")
    for name, modes in result["routes"].items():
        for mode, r in modes.items():
            print(f"{name:22} {mode:>8} {r['rps']:7.0f} {r['p50']:7.2f} {r['p99']:7.2f} "
                  f"{r['ratio']:7.2f} {r['errors']:7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--routes", default="", help="comma-separated words of route names")
    parser.add_argument("--modes", default="cached,uncached")
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--warmup", type=int, default=1,
                        help="seconds of each route before it is measured")
    parser.add_argument("--stores", default="sqlite",
                        help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--db-dir", type=Path, help="build the databases here once and "
                        "keep them (a before/after pair then reads the same data)")
    args = parser.parse_args()
    words = [w for w in args.routes.split(",") if w]
    modes = args.modes.split(",")
    sizes = [int(s) for s in args.sizes.split(",")]
    stores = args.stores.split(",")
    cluster = Cluster().start() if "postgresql" in stores else None
    folder = args.db_dir or Path(tempfile.mkdtemp(prefix="trailapp-bench-"))
    results: dict = {"machine": os.uname().nodename, "cpus": os.cpu_count(),
                     "seconds": args.seconds, "pairs": args.pairs, "sizes": {}}
    try:
        for n in sizes:
            db = folder / f"places-{n}.sqlite3"
            t0 = time.perf_counter()
            if not (args.db_dir and ids_file(db).exists()):
                build_database(db, n)
            read_through(db)
            print(f"\n{n} places: database ready (and read through) in "
                  f"{time.perf_counter() - t0:.1f} s")
            databases = {"sqlite": str(db)}
            if cluster:
                t0 = time.perf_counter()
                databases["postgresql"] = postgres_copy(cluster, db, n)
                print(f"{n} places: copied into PostgreSQL in {time.perf_counter() - t0:.1f} s")
            results["sizes"][n] = {}
            for store in stores:
                results["sizes"][n][store] = run_size(n, databases[store], ids_file(db), args,
                                                      words, modes)
                print_table(f"{n} places, {store}", results["sizes"][n][store])
        if len(sizes) > 1:
            for store in stores:
                small = results["sizes"][sizes[0]][store]
                large = results["sizes"][sizes[-1]][store]
                print(f"\n{store}: p50 and p99 at {sizes[-1]} places relative to {sizes[0]}:")
                for name in small["routes"]:
                    for mode in small["routes"][name]:
                        a, b = small["routes"][name][mode], large["routes"][name][mode]
                        print(f"  {name:22} {mode:>8} p50 x{b['p50'] / a['p50']:.2f}  "
                              f"p99 x{b['p99'] / a['p99']:.2f}")
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "read_api.json").write_text(json.dumps(results, indent=1))
    finally:
        if cluster:
            cluster.stop()
        if not args.db_dir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
