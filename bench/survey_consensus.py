"""Consensus benchmark: 10,000 fixes for 500 places (4-6 surveyors a place, 1-4 fixes
each, phone-like noise and 10 % outliers), combined by trailapp.consensus beside the
bare libraries doing the core of the same work (pyproj's Geod into a local plane per
place, numpy's weighted mean; no voters, no outlier test), in the same run. Then the
accuracy: over many simulated surveys of five surveyors, how often the centre lies
within 5 m of the truth.

    .venv/bin/python bench/survey_consensus.py [--places 500] [--fixes 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from pyproj import Geod, Transformer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trailapp import consensus  # noqa: E402

GEOD = Geod(ellps="WGS84")
BASE = (16.38, 61.35)


def survey(rng: np.random.Generator, truth: tuple[float, float], surveyors: int,
           per: tuple[int, int], prefix: str, limit: int | None = None
           ) -> list[consensus.Fix]:
    """Fixes around truth: reported accuracy a in 4-12 m and an error of about a; 10 %
    outliers 50-300 m away."""
    fixes = []
    for s in range(surveyors):
        for k in range(int(rng.integers(per[0], per[1] + 1))):
            a = float(rng.uniform(4, 12))
            if rng.random() < 0.1:
                dist, bearing = rng.uniform(50, 300), rng.uniform(0, 360)
            else:
                dx, dy = rng.normal(0, a / np.sqrt(2), 2)
                dist, bearing = np.hypot(dx, dy), np.degrees(np.arctan2(dx, dy))
            lon, lat, _ = GEOD.fwd(*truth, bearing, dist)
            fixes.append(consensus.Fix(f"{prefix}-{s}-{k}", f"{prefix}-{s}", lon, lat, a))
            if limit is not None and len(fixes) >= limit:
                return fixes
    return fixes


def places(n_places: int, n_fixes: int, seed: int = 5) -> list[list[consensus.Fix]]:
    rng = np.random.default_rng(seed)
    per_place = n_fixes // n_places
    out = []
    for p in range(n_places):
        truth = (BASE[0] + rng.uniform(-0.3, 0.3), BASE[1] + rng.uniform(-0.15, 0.15))
        fixes: list[consensus.Fix] = []
        while len(fixes) < per_place:
            fixes += survey(rng, truth, int(rng.integers(4, 7)), (1, 4), f"p{p}-{len(fixes)}",
                            per_place - len(fixes))
        out.append(fixes)
    return out


def bare(groups: list[list[consensus.Fix]]) -> list[tuple[float, float]]:
    """The core of the work with the libraries alone: each place's fixes into a local
    plane by their geodesic distance and azimuth from the median (pyproj's Geod), the
    accuracy-weighted mean (numpy), and back with one geodesic step. No voters, no
    outlier test."""
    out = []
    for fixes in groups:
        lons = np.array([f.lon for f in fixes])
        lats = np.array([f.lat for f in fixes])
        lon0, lat0 = float(np.median(lons)), float(np.median(lats))
        az, _, dist = GEOD.inv(np.full(len(lons), lon0), np.full(len(lons), lat0), lons, lats)
        az = np.radians(az)
        x, y = dist * np.sin(az), dist * np.cos(az)
        w = 1 / np.array([f.accuracy_m for f in fixes]) ** 2
        mx, my = np.average(x, weights=w), np.average(y, weights=w)
        lon, lat, _ = GEOD.fwd(lon0, lat0, np.degrees(np.arctan2(mx, my)), np.hypot(mx, my))
        out.append((lon, lat))
    return out


def bare_proj(groups: list[list[consensus.Fix]]) -> None:
    """The same with a PROJ transformer per place (what a first version did)."""
    for fixes in groups:
        lons = np.array([f.lon for f in fixes])
        lats = np.array([f.lat for f in fixes])
        crs = (f"+proj=aeqd +lat_0={np.median(lats):.4f} +lon_0={np.median(lons):.4f} "
               "+datum=WGS84 +units=m")
        Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lons, lats)


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--places", type=int, default=500)
    parser.add_argument("--fixes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--surveys", type=int, default=1000)
    args = parser.parse_args()
    groups = places(args.places, args.fixes)
    total = sum(len(g) for g in groups)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}: "
          f"{total} fixes for {len(groups)} places, median of {args.repeat}")
    # Both sides start cold: pyproj's transformers are made per place in each.
    ours = timed(lambda: [consensus.combine(g) for g in groups], args.repeat)
    plain = timed(lambda: bare(groups), args.repeat)
    proj = timed(lambda: bare_proj(groups), 1)
    print(f"  consensus.combine, every place: {ours * 1000:8.1f} ms")
    print(f"  bare pyproj + numpy mean:       {plain * 1000:8.1f} ms")
    print(f"  ratio (ours / bare):            {ours / plain:8.2f}")
    print(f"  (a PROJ transformer per place:  {proj * 1000:8.1f} ms, once)")

    rng = np.random.default_rng(2026)
    errors, outliers_left = [], 0
    for i in range(args.surveys):
        fixes = survey(rng, BASE, 5, (1, 3), f"s{i}")
        c = consensus.combine(fixes)
        errors.append(GEOD.inv(*BASE, c.lon, c.lat)[2])
        far = {f.id for f in fixes if GEOD.inv(*BASE, f.lon, f.lat)[2] >= 50}
        outliers_left += len(far - set(c.outliers))
    errors_a = np.array(errors)
    print(f"  {args.surveys} surveys of 5 surveyors: within 5 m {np.mean(errors_a < 5):.1%}, "
          f"median error {np.median(errors_a):.1f} m, 90th percentile "
          f"{np.percentile(errors_a, 90):.1f} m; outlier fixes counted: {outliers_left}")


if __name__ == "__main__":
    main()
