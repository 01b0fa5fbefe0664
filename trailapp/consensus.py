"""Where is the place? A robust centre of young surveyors' independent position fixes.

Plain Python and numpy. Distances are geodesic in effect: every fix is placed in an
azimuthal equidistant plane centred near the fixes (pyproj's Geod: its geodesic
distance and azimuth from the centre), where distances from the centre are the
geodesic distances and, over the few hundred metres a survey spans, every other
distance is within millimetres of it. Degrees are never compared.

The rules, in order:
1. One vote per surveyor: the fixes of one surveyor (the same token, or the same app
   install) are first combined into one position (their accuracy-weighted mean), with
   the accuracy of their best fix. Ten fixes from one phone still count once.
2. A first centre that outliers cannot drag: the geometric median of the votes
   (Weiszfeld's iteration), unweighted (a stray fix often reports a good accuracy).
3. Outliers out: a vote farther from that centre than `reject_m` or than
   3 × the scaled median absolute deviation of the distances (whichever is larger,
   so that a tight group does not reject a fix 6 m out) does not count.
4. The centre of the votes that count: their accuracy-weighted mean (weights
   1/accuracy²), recomputed with the outlier test until nothing changes.
5. Then each fix on its own: a fix farther than that limit from the centre does not
   count even when its surveyor's other fixes do (a phone's stray fix); the votes are
   made again from the fixes that count, until nothing changes (at most 10 rounds).
6. spread_m: the largest distance from the centre of a vote that counts ("every
   agreeing surveyor stood within spread_m of it"). A place is ready for review when at
   least `min_votes` votes count and spread_m ≤ `agree_m`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Fix:
    """One fix: where a surveyor stood, and the accuracy their phone reported."""

    id: str
    voter: str  # who sent it: fixes with the same voter count once
    lon: float
    lat: float
    accuracy_m: float


@dataclass(frozen=True)
class Rules:
    """How many agreeing votes make a place ready for review (settings)."""

    min_votes: int = 3
    agree_m: float = 25.0
    reject_m: float = 30.0  # a vote this far from the robust centre never counts
    min_accuracy_m: float = 3.0  # phones report 1 m in the open: never trust a fix more


@dataclass
class Consensus:
    """The combined position of a place's fixes."""

    lon: float | None
    lat: float | None
    spread_m: float | None
    votes: int  # independent surveyors
    counted: int  # votes that agree (not outliers)
    fixes: int
    ready: bool
    outliers: list[str] = field(default_factory=list)  # ids of fixes that did not count
    distance_m: dict[str, float] = field(default_factory=dict)  # each fix to the centre

    def as_dict(self) -> dict[str, object]:
        return {"lon": self.lon, "lat": self.lat, "spread_m": self.spread_m,
                "votes": self.votes, "counted": self.counted, "fixes": self.fixes,
                "ready": self.ready, "outliers": self.outliers}


class _Plane:
    """An azimuthal equidistant plane at (lon0, lat0), made with geodesics (pyproj's
    Geod): a point's geodesic distance and azimuth from the origin are its polar
    coordinates, so distances from the origin are exact and every other distance over
    a few hundred metres is within millimetres. (A PROJ transformer per place would do
    the same, at about 30 ms to set up each.)"""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0

    def forward(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(lons)
        az, _, dist = GEOD.inv(np.full(n, self.lon0), np.full(n, self.lat0), lons, lats)
        az = np.radians(np.asarray(az, dtype=float))
        dist = np.asarray(dist, dtype=float)
        return dist * np.sin(az), dist * np.cos(az)

    def back(self, x: float, y: float) -> tuple[float, float]:
        lon, lat, _ = GEOD.fwd(self.lon0, self.lat0, float(np.degrees(np.arctan2(x, y))),
                               float(np.hypot(x, y)))
        return float(lon), float(lat)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def _geometric_median(xy: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weiszfeld's iteration, from the coordinate-wise weighted median."""
    centre = np.array([_weighted_median(xy[:, 0], w), _weighted_median(xy[:, 1], w)])
    for _ in range(50):
        d = np.maximum(np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1]), 1e-6)
        k = w / d
        step = np.array([xy[:, 0] @ k, xy[:, 1] @ k]) / k.sum()
        if abs(step[0] - centre[0]) + abs(step[1] - centre[1]) < 1e-3:  # a millimetre
            return step
        centre = step
    return centre


def _votes(fixes: Sequence[Fix], x: np.ndarray, y: np.ndarray, rules: Rules
           ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """One (x, y, accuracy) per voter: the accuracy-weighted mean of their fixes."""
    by_voter: dict[str, list[int]] = {}
    for i, f in enumerate(fixes):
        by_voter.setdefault(f.voter, []).append(i)
    voters = sorted(by_voter)
    acc = np.maximum(np.array([f.accuracy_m for f in fixes], dtype=float), rules.min_accuracy_m)
    xy = np.empty((len(voters), 2))
    vacc = np.empty(len(voters))
    for k, voter in enumerate(voters):
        idx = np.array(by_voter[voter])
        w = 1.0 / acc[idx] ** 2
        mean = (x[idx] @ w / w.sum(), y[idx] @ w / w.sum())
        tight = np.hypot(x[idx] - mean[0], y[idx] - mean[1]).max() <= rules.reject_m
        if len(idx) > 2 and not tight:  # a surveyor's own stray fix does not pull their vote
            centre = _geometric_median(np.column_stack([x[idx], y[idx]]), w)
            d = np.hypot(x[idx] - centre[0], y[idx] - centre[1])
            keep = d <= max(rules.reject_m, 3 * 1.4826 * float(np.median(d)))
            idx = idx[keep]
            w = 1.0 / acc[idx] ** 2
            mean = (x[idx] @ w / w.sum(), y[idx] @ w / w.sum())
        xy[k] = mean
        vacc[k] = acc[idx].min()
    return voters, xy, vacc


def combine(fixes: Iterable[Fix], rules: Rules | None = None) -> Consensus:
    """The consensus of a place's fixes (see the module's docstring)."""
    rules = rules or Rules()
    fixes = list(fixes)
    if not fixes:
        return Consensus(None, None, None, 0, 0, 0, False)
    lons = np.array([f.lon for f in fixes])
    lats = np.array([f.lat for f in fixes])
    # A plane centred at the coordinate-wise median: outliers do not move its origin.
    lon0, lat0 = round(float(np.median(lons)), 4), round(float(np.median(lats)), 4)
    plane = _Plane(lon0, lat0)
    x, y = plane.forward(lons, lats)
    voters, xy, vacc = _votes(fixes, x, y, rules)
    w = 1.0 / vacc ** 2
    centre = _geometric_median(xy, np.ones(len(voters)))  # one voter, one weight
    keep = np.ones(len(voters), dtype=bool)
    for _ in range(10):
        d = np.hypot(*(xy - centre).T)
        mad = 1.4826 * float(np.median(d[keep])) if keep.any() else 0.0
        new_keep = d <= max(rules.reject_m, 3 * mad)
        if not new_keep.any():
            new_keep = d <= d.min()
        centre = np.array([np.average(xy[new_keep, 0], weights=w[new_keep]),
                           np.average(xy[new_keep, 1], weights=w[new_keep])])
        if (new_keep == keep).all():
            break
        keep = new_keep
    # Last, each fix on its own: one far from the centre does not count, even when its
    # surveyor's other fixes do; the votes are made again from the fixes that count,
    # and the test repeats on the fixes that count until nothing changes.
    d = np.hypot(*(xy - centre).T)
    limit = max(rules.reject_m, 3 * 1.4826 * float(np.median(d[keep])))
    inlier = np.ones(len(fixes), dtype=bool)
    kept: list[Fix] = []
    for _ in range(10):
        fix_d = np.hypot(x - centre[0], y - centre[1])
        new_inlier = fix_d <= limit
        if not new_inlier.any():
            break
        kept = [f for f, ok in zip(fixes, new_inlier, strict=True) if ok]
        idx = np.flatnonzero(new_inlier)
        voters, xy, vacc = _votes(kept, x[idx], y[idx], rules)
        w = 1.0 / vacc ** 2
        centre = np.array([np.average(xy[:, 0], weights=w), np.average(xy[:, 1], weights=w)])
        d = np.hypot(*(xy - centre).T)
        fix_d = np.hypot(x - centre[0], y - centre[1])
        limit = max(rules.reject_m, 3 * 1.4826 * float(np.median(fix_d[new_inlier])))
        if (new_inlier == inlier).all():
            break
        inlier = new_inlier
    inlier = fix_d <= limit
    outliers = [f.id for f, ok in zip(fixes, inlier, strict=True) if not ok]
    counted = len(voters) if kept else 0
    spread = float(d.max()) if kept else None
    lon, lat = plane.back(float(centre[0]), float(centre[1]))
    votes = len({f.voter for f in fixes})
    return Consensus(
        lon=round(float(lon), 7), lat=round(float(lat), 7),
        spread_m=None if spread is None else round(spread, 1),
        votes=votes, counted=counted, fixes=len(fixes),
        ready=counted >= rules.min_votes and spread is not None and spread <= rules.agree_m,
        outliers=outliers,
        distance_m={f.id: round(float(dist), 1) for f, dist in zip(fixes, fix_d, strict=True)})
