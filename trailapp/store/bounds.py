"""Each worker's own copy of the located features' bounds, for bbox pages (issue 15).

A map that pans asks for a new box on every move. At 100,000 places SQLite's R*Tree
finds the ~375 features a map-sized box meets, then reads each one's row to test its
float64 bounds and put the matches in id order: 0.73 ms, most of the request, and more
as the data grows. Here the bounds of every located feature of a collection are numpy
arrays in memory, the points sorted by longitude: a box is two binary searches and a
vectorised test of the latitudes in between (tens of microseconds), and id order is a
sort of the matches' ranks. Lines and areas (few) are tested all at once, then
exactly by the caller, as before.

The answer is always that of the reader's own snapshot. Each snapshot has a version
(its last change's number). An index older than the snapshot reads the change log
since its own version and patches the features named there, or reads the collection
again when there are many (or after a restore, which moves the sync floor); a
snapshot older than the index, and every request while another thread brings the
index up to date, is answered by SQL. Only the readers of a Store use it: a writer's
snapshot holds its own uncommitted changes.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: More changes than this since the index's version: read the collection again.
PATCH_LIMIT = 64


@dataclass(frozen=True)
class Snapshot:
    """The bounds of one collection's located features at one version. Never changed
    in place: a patch makes a new one, so readers may use an old one meanwhile."""

    version: tuple[int, int]  # (change seq, sync floor)
    ids: list[str]  # every located feature's id, sorted (a rank is a place in it)
    px: np.ndarray  # points: longitude, sorted
    py: np.ndarray  # latitude
    prow: np.ndarray  # rowid
    prank: np.ndarray  # rank of the id
    nbox: np.ndarray  # lines and areas: (n, 4) minx, miny, maxx, maxy
    nrow: np.ndarray
    nrank: np.ndarray

    def matches(self, boxes: Sequence[tuple[float, float, float, float]]
                ) -> tuple[list[int], list[int]]:
        """Rowids of the features whose bounds meet any box, in id order, and which
        of them are not points."""
        ranks, rows, lines = [], [], []
        for minx, miny, maxx, maxy in boxes:
            lo = int(np.searchsorted(self.px, minx, "left"))
            hi = int(np.searchsorted(self.px, maxx, "right"))
            y = self.py[lo:hi]
            hit = lo + np.flatnonzero((y >= miny) & (y <= maxy))
            ranks.append(self.prank[hit])
            rows.append(self.prow[hit])
            if len(self.nrow):
                b = self.nbox
                nhit = np.flatnonzero((b[:, 0] <= maxx) & (b[:, 2] >= minx)
                                      & (b[:, 1] <= maxy) & (b[:, 3] >= miny))
                ranks.append(self.nrank[nhit])
                rows.append(self.nrow[nhit])
                lines.append(self.nrow[nhit])
        rank = np.concatenate(ranks) if ranks else np.zeros(0, np.int64)
        row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        # Two boxes (split at the antimeridian) may both meet a line: once each.
        rank, first = np.unique(rank, return_index=True)  # sorted: id order
        non_points = set(np.concatenate(lines).tolist()) if lines else set()
        return row[first].tolist(), [r for r in row[first].tolist() if r in non_points]


def build(version: tuple[int, int], rows: Sequence[Sequence[Any]]) -> Snapshot:
    """A snapshot from (rowid, id, geom_type, minx, miny, maxx, maxy) rows."""
    rows = sorted(rows, key=lambda r: r[1])
    ids = [r[1] for r in rows]
    points = [(r[3], r[4], r[0], i) for i, r in enumerate(rows) if r[2] == "Point"]
    points.sort()
    others = [(r[3], r[4], r[5], r[6], r[0], i) for i, r in enumerate(rows)
              if r[2] != "Point"]
    p = np.array(points, dtype=np.float64).reshape(-1, 4)
    n = np.array(others, dtype=np.float64).reshape(-1, 6)
    return Snapshot(version, ids, p[:, 0].copy(), p[:, 1].copy(), p[:, 2].astype(np.int64),
                    p[:, 3].astype(np.int64), n[:, :4].copy(), n[:, 4].astype(np.int64),
                    n[:, 5].astype(np.int64))


def patch(s: Snapshot, version: tuple[int, int], changed: dict[str, Sequence[Any] | None]
          ) -> Snapshot:
    """s with each changed feature (id → its row now, or None when it is gone or has
    no location) taken out and put back where its row says."""
    ids = list(s.ids)
    px, py, prow, prank = s.px, s.py, s.prow, s.prank
    nbox, nrow, nrank = s.nbox, s.nrow, s.nrank
    for fid, row in changed.items():
        r = bisect.bisect_left(ids, fid)
        if r < len(ids) and ids[r] == fid:  # take the old one out
            ids.pop(r)
            keep = prank != r
            px, py, prow, prank = px[keep], py[keep], prow[keep], prank[keep]
            keep = nrank != r
            nbox, nrow, nrank = nbox[keep], nrow[keep], nrank[keep]
            prank = prank - (prank > r)
            nrank = nrank - (nrank > r)
        if row is None:
            continue
        r = bisect.bisect_left(ids, fid)
        ids.insert(r, fid)
        prank = prank + (prank >= r)
        nrank = nrank + (nrank >= r)
        if row[2] == "Point":
            at = int(np.searchsorted(px, row[3], "right"))
            px, py = np.insert(px, at, row[3]), np.insert(py, at, row[4])
            prow, prank = np.insert(prow, at, row[0]), np.insert(prank, at, r)
        else:
            nbox = np.vstack([nbox, np.array([row[3:7]], dtype=np.float64)])
            nrow, nrank = np.append(nrow, row[0]), np.append(nrank, r)
    return Snapshot(version, ids, px, py, prow, prank, nbox, nrow, nrank)


class BoundsIndex:
    """The snapshots of one worker, one per collection asked for."""

    def __init__(self) -> None:
        self._snapshots: dict[str, Snapshot] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def matches(self, reader: Any, collection: str,
                boxes: Sequence[tuple[float, float, float, float]]
                ) -> tuple[list[int], list[int]] | None:
        """(rowids in id order, those of lines and areas) in the reader's snapshot, or
        None when SQL must answer (see the module docstring)."""
        seq = reader.version()[0]
        s = self._snapshots.get(collection)
        if s is None or s.version[0] != seq:
            s = self._refresh(reader, collection, seq)
            if s is None:
                return None
        return s.matches(boxes)

    def _refresh(self, reader: Any, collection: str, seq: int) -> Snapshot | None:
        with self._guard:
            lock = self._locks.setdefault(collection, threading.Lock())
        if not lock.acquire(blocking=False):
            return None  # another thread is at it: SQL answers meanwhile
        try:
            s = self._snapshots.get(collection)
            if s is not None and s.version[0] == seq:
                return s
            if s is not None and s.version[0] > seq:
                return None  # an older snapshot than the index
            version = (seq, reader.sync_floor())
            changed = None
            if s is not None and s.version[1] == version[1]:
                changed = reader.changed_feature_ids(collection, s.version[0], PATCH_LIMIT)
            if changed is None:
                s = build(version, reader.located_bounds(collection))
            else:
                s = patch(s, version, reader.located_bounds_of(collection, changed))
            self._snapshots[collection] = s
            return s
        finally:
            lock.release()
