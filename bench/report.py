"""Report benchmark: the steering group's report for a year with --contributions
contributions in Bollnäs, beside the bare SQL for the same figures in the same run.

Reference: the store's aggregate queries alone (per month by kind, age band and
language, per place, time to a decision, Agenda 2030), on one read connection. Then the
report's figures (those queries plus suppression), the HTML page (plus the charts) and
the PDF, each through the organisers' API. Medians of --repeats runs; figures, not a
pass/fail.

    .venv/bin/python bench/report.py [--contributions 50000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trailapp import auth, create_app, loader, report  # noqa: E402
from trailapp.domain import AGE_BANDS, LANGS  # noqa: E402

PERIOD = ("2025-01-01T00:00:00", "2026-01-01T00:00:00")


def seed(store, n: int) -> None:
    """n contributions over 2025 at Bollnäs' places; a third approved after 1-200 h."""
    rng = random.Random(17)
    with store.reader() as r:
        places = [row[0] for row in r.conn.execute(
            "SELECT id FROM features WHERE collection = 'places' AND municipality = 'bollnas'")]
    with store.writer() as w:
        for i in range(n):
            day = rng.randrange(365)
            created = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                    time.gmtime(1735689600 + day * 86400 + rng.randrange(86400)))
            decided = None
            if i % 3 == 0:
                decided = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(
                    1735689600 + day * 86400 + rng.randrange(1, 200) * 3600))
            activity = rng.random() < 0.1
            w.insert_contribution({
                "id": f"{i:024x}", "kind": "activity" if activity else "story",
                "place_id": rng.choice(places), "municipality": "bollnas",
                "status": "approved" if decided else "pending",
                "lang": rng.choices(LANGS, (80, 18, 2))[0], "title": f"T{i}", "body": "B",
                "pseudonym": f"P{i}", "age_band": rng.choices(list(AGE_BANDS), (20, 50, 25, 5))[0],
                "consent_by": "self", "consent_notice_version": "1", "consent_at": created,
                "starts_at": created if activity else None,
                "ends_at": created if activity else None,
                "time_zone": "Europe/Stockholm" if activity else None,
                "token_hash": f"t{i}", "request_hash": f"r{i}", "text_hash": f"x{i}",
                "created": created, "updated": created, "decided_at": decided,
                "sdg_targets": json.dumps(["4.7", "11.4"] if decided else [])})


def bare_sql(store) -> None:
    """The same figures as the report, by the store's queries alone."""
    scope = ["bollnas"]
    with store.reader() as r:
        for by in ("kind", "age_band", "lang"):
            r.monthly_counts(scope, *PERIOD, by)
        r.place_counts(scope, *PERIOD)
        r.decision_hours(scope, *PERIOD)
        r.sdg_counts(scope, *PERIOD)


def median_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributions", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE": f"{folder}/bench.sqlite3", "MEDIA_DIR": f"{folder}/m",
                          "PACK_DIR": f"{folder}/p", "SECRET_KEY": "bench-only"})
        store = app.extensions["trailapp"].store
        loader.load(store, [ROOT / "geodata"])
        start = time.perf_counter()
        seed(store, args.contributions)
        print(f"seeded {args.contributions} contributions in "
              f"{time.perf_counter() - start:.1f} s")
        organiser_id = auth.create_organiser(store, "bench", "bench-password-long-enough-1",
                                             "moderator", ["bollnas"])
        _, token = auth.create_token(store, organiser_id, "bench")
        who = auth.token_organiser(store, token)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        url = "/moderation/report?municipality=bollnas&from=2025-01-01&to=2025-12-31&lang=sv"

        def get(query: str = "") -> None:
            r = client.get(url + query, headers=headers)
            assert r.status_code == 200, r.get_data(as_text=True)[:300]

        bare = median_s(lambda: bare_sql(store), args.repeats)
        rows = [("bare SQL (same figures)", bare)]
        year = (date(2025, 1, 1), date(2025, 12, 31))
        rows.append(("report figures (SQL + suppression)", median_s(
            lambda: report.build(store, who, "bollnas", *year, "sv"), args.repeats)))
        rows += [("CSV of one chart (API)", median_s(lambda: get("&format=csv&chart=by_kind"),
                                                     args.repeats)),
                 ("HTML page with charts (API)", median_s(get, args.repeats)),
                 ("PDF (API)", median_s(lambda: get("&format=pdf"), args.repeats))]
        print(f"{'what':40} {'median s':>10} {'x bare SQL':>11}")
        for name, seconds in rows:
            print(f"{name:40} {seconds:10.3f} {seconds / bare:11.1f}")
        store.close()


if __name__ == "__main__":
    main()
