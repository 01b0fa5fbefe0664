"""The cleaning steps of a recorded track, on plain arrays (longitude, latitude,
elevation, seconds): spikes, vehicle speed, gaps, the trim of both ends and the
simplification. survey_tracks.py reads the files and calls these in order.

Every distance is geodesic on WGS84 (pyproj.Geod) except the simplification's
tolerance, which is planar in the municipality's metric projection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from . import domain
from .geo import GEOD, metric

#: The cuts are made this much beyond the trim, so that rounding the positions to
#: about 1 cm cannot bring the line's ends back inside it.
ROUNDING_MARGIN_M = 0.05


class TooShort(ValueError):
    """Nothing is left once the ends are trimmed; the message says why."""


@dataclass
class Points:
    """A run of fixes; elevation and time are NaN where the file had none."""

    lon: np.ndarray
    lat: np.ndarray
    ele: np.ndarray
    time: np.ndarray

    def take(self, keep: np.ndarray) -> Points:
        """The fixes selected by a boolean mask or an index array."""
        return Points(self.lon[keep], self.lat[keep], self.ele[keep], self.time[keep])

    def __len__(self) -> int:
        return len(self.lon)


def steps_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Geodesic length of each step between consecutive fixes (n - 1 values)."""
    if len(lon) < 2:
        return np.zeros(0)
    return np.asarray(GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2])


def along_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Geodesic distance of each fix from the first, along the line."""
    return np.concatenate([[0.0], np.cumsum(steps_m(lon, lat))])


def _from_m(lon0: float, lat0: float, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return np.asarray(GEOD.inv(np.full(len(lon), lon0), np.full(len(lat), lat0), lon, lat)[2])


def drop_spikes(pts: Points, jump_m: float) -> tuple[Points, int]:
    """Drop fixes that jump more than jump_m from the last good fix and come back.

    A jump is a spike when, within domain.TRACK_SPIKE_LOOKAHEAD fixes, the track is
    again within jump_m of the last good fix: the fixes in between are dropped. A jump
    that does not come back is a gap; split_at_gaps deals with it.
    """
    n = len(pts)
    steps = steps_m(pts.lon, pts.lat).tolist()
    keep = np.ones(n, dtype=bool)
    last, i = 0, 1
    while i < n:
        step = steps[i - 1] if last == i - 1 else float(
            _from_m(pts.lon[last], pts.lat[last], pts.lon[i:i + 1], pts.lat[i:i + 1])[0])
        if step <= jump_m:
            last, i = i, i + 1
            continue
        ahead = np.arange(i + 1, min(n, i + 1 + domain.TRACK_SPIKE_LOOKAHEAD))
        back = np.nonzero(_from_m(pts.lon[last], pts.lat[last], pts.lon[ahead],
                                  pts.lat[ahead]) <= jump_m)[0]
        if back.size:
            j = int(ahead[back[0]])
            keep[i:j] = False
            last, i = j, j + 1
        else:
            last, i = i, i + 1
    return pts.take(keep), int(n - keep.sum())


def drop_fast(pts: Points, max_speed_kmh: float, window_s: float) -> tuple[Points, int]:
    """Drop fixes in any window of window_s seconds covered faster than max_speed_kmh.

    Only when every fix has a time and the times never go back; otherwise nothing is
    dropped (the jump rule alone applies). A window runs from each fix to the first
    fix window_s later; the last fixes, with no such fix after them, are judged over
    the window_s before them.
    """
    n, t = len(pts), pts.time
    if n < 2 or not np.isfinite(t).all() or (np.diff(t) < 0).any():
        return pts, 0
    dist = along_m(pts.lon, pts.lat)
    idx = np.arange(n)
    ends = np.searchsorted(t, t + window_s, side="left")
    starts = np.searchsorted(t, t - window_s, side="right") - 1
    forward = ends < n
    backward = ~forward & (starts >= 0)
    lo = np.concatenate([idx[forward], starts[backward]])
    hi = np.concatenate([ends[forward], idx[backward]])
    speed = (dist[hi] - dist[lo]) / (t[hi] - t[lo])
    fast = speed > max_speed_kmh / 3.6
    marks = np.zeros(n + 1, dtype=int)
    np.add.at(marks, lo[fast], 1)
    np.add.at(marks, hi[fast] + 1, -1)
    drop = np.cumsum(marks)[:n] > 0
    return pts.take(~drop), int(drop.sum())


def split_at_gaps(pts: Points, jump_m: float) -> tuple[Points, int]:
    """Cut the track where a step is still longer than jump_m; keep the longest piece.

    Such a step is a gap that never came back (the recording paused, or a vehicle
    ride was dropped): joining the pieces would draw a straight line nobody walked.
    Returns the piece and the number of fixes in the other pieces.
    """
    steps = steps_m(pts.lon, pts.lat)
    cuts = np.nonzero(steps > jump_m)[0] + 1
    if not cuts.size:
        return pts, 0
    bounds = np.concatenate([[0], cuts, [len(pts)]])
    pieces = [np.arange(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    cumulative = np.concatenate([[0.0], np.cumsum(steps)])
    lengths = [cumulative[p[-1]] - cumulative[p[0]] for p in pieces]
    best = pieces[int(np.argmax(lengths))]
    return pts.take(best), len(pts) - len(best)


def fill_elevation(pts: Points) -> bool:
    """Fill missing elevations along the line from the known ones; False if none known."""
    known = np.isfinite(pts.ele)
    if not known.any():
        return False
    if not known.all():
        dist = along_m(pts.lon, pts.lat)
        pts.ele = np.interp(dist, dist[known], pts.ele[known])
    return True


def trim(pts: Points, trim_m: float) -> tuple[Points, float]:
    """Cut trim_m metres from each end, measured along the line, interpolating the cuts.

    Each cut also lies at least trim_m from that end as the crow flies (a winding
    start is cut further). Returns the rest and the metres removed along the line.
    """
    dist = along_m(pts.lon, pts.lat)
    total = float(dist[-1]) if len(dist) else 0.0
    if total <= 2 * trim_m:
        raise TooShort(f"the cleaned track is {total:.0f} m long; it must be longer than "
                       f"{2 * trim_m:g} m, since {trim_m:g} m are removed from each end")
    if trim_m <= 0:
        return pts, 0.0
    rev = pts.take(np.arange(len(pts))[::-1])
    start, start_at = _cut(pts, dist, trim_m + ROUNDING_MARGIN_M)
    end, end_back = _cut(rev, total - dist[::-1], trim_m + ROUNDING_MARGIN_M)
    end_at = total - end_back
    if start_at >= end_at:
        raise TooShort(f"nothing is left once {trim_m:g} m are removed from each end "
                       "(the walk does not go far enough from where it started and ended)")
    inner = (dist > start_at) & (dist < end_at)
    out = Points(*(np.concatenate([[a], b[inner], [c]]) for a, b, c in
                   zip(start, (pts.lon, pts.lat, pts.ele, pts.time), end, strict=True)))
    return out, start_at + end_back


def _cut(pts: Points, dist: np.ndarray, trim_m: float) -> tuple[tuple[float, ...], float]:
    """The cut point trim_m from the first fix (along and as the crow flies), and its
    distance along the line."""
    crow = _from_m(pts.lon[0], pts.lat[0], pts.lon, pts.lat)
    ok = np.nonzero((dist >= trim_m) & (crow >= trim_m))[0]
    if not ok.size:
        raise TooShort(f"the track never goes {trim_m:.0f} m from where it "
                       "started or ended, so nothing is left once that is removed")
    k = int(ok[0])  # >= 1, since dist[0] == 0 < trim_m
    seg = dist[k] - dist[k - 1]
    az = GEOD.inv(pts.lon[k - 1], pts.lat[k - 1], pts.lon[k], pts.lat[k])[0]

    def at(f: float) -> tuple[float, float]:
        lon, lat, _ = GEOD.fwd(pts.lon[k - 1], pts.lat[k - 1], az, f * seg)
        return lon, lat

    def far(f: float) -> bool:
        lon, lat = at(f)
        return float(_from_m(pts.lon[0], pts.lat[0], np.array([lon]), np.array([lat]))[0]) \
            >= trim_m

    f = min(1.0, max(0.0, (trim_m - dist[k - 1]) / seg)) if seg > 0 else 1.0
    if not far(f):  # along the line far enough, not yet as the crow flies: bisect
        lo, hi = f, 1.0
        for _ in range(40):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if far(mid) else (mid, hi)
        f = hi
    lon, lat = at(f) if f < 1.0 else (pts.lon[k], pts.lat[k])
    ele = pts.ele[k - 1] + f * (pts.ele[k] - pts.ele[k - 1])
    return (lon, lat, ele, np.nan), float(dist[k - 1] + f * seg)


def simplify(pts: Points, tolerance_m: float, crs: str) -> Points:
    """Douglas-Peucker in the metric CRS; the kept fixes keep their own lon/lat/elevation.

    The index of each fix rides along as the projected line's Z, so the kept vertices
    are looked up rather than projected back (no round trip error).
    """
    if tolerance_m <= 0 or len(pts) < 3:
        return pts
    flat = metric(shapely.linestrings(pts.lon, pts.lat), crs)
    xy = shapely.get_coordinates(flat)
    indexed = shapely.linestrings(xy[:, 0], xy[:, 1], np.arange(len(pts), dtype=float))
    kept = shapely.simplify(indexed, tolerance_m, preserve_topology=False)
    idx = shapely.get_coordinates(kept, include_z=True)[:, 2].astype(int)
    return pts.take(idx)


def round_positions(pts: Points, decimals: int, ele_decimals: int) -> Points:
    """Round, then drop any fix that rounding made equal to the one before it."""
    out = Points(np.round(pts.lon, decimals), np.round(pts.lat, decimals),
                 np.round(pts.ele, ele_decimals), pts.time)
    same = np.concatenate([[False], (np.diff(out.lon) == 0) & (np.diff(out.lat) == 0)])
    return out.take(~same)
