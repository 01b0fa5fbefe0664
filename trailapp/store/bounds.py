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
since its own version and patches the features named there; when there are many (or
after a restore, which moves the sync floor), or on first use, the collection is read
again in a thread of its own. A snapshot older than the index, and every request while
the index is being read or patched, is answered by SQL. Only the readers of a Store use
it: a writer's snapshot holds its own uncommitted changes.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

#: More changes than this since the index's version: read the collection again.
PATCH_LIMIT = 64
#: After a failed read of a collection, SQL answers for this long before another try.
RETRY_S = 5.0


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
        if len(boxes) == 1 and not len(self.nrow):  # one box, only points: the usual
            minx, miny, maxx, maxy = boxes[0]
            lo = int(np.searchsorted(self.px, minx, "left"))
            hi = int(np.searchsorted(self.px, maxx, "right"))
            y = self.py[lo:hi]
            hit = lo + np.flatnonzero((y >= miny) & (y <= maxy))
            return self.prow[hit[np.argsort(self.prank[hit])]].tolist(), []
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
    """A snapshot from (rowid, id, is_point, minx, miny, maxx, maxy) rows, any order.
    Column-wise in numpy: at a million places the Python work is a transpose and a sort
    of the ids (mostly sorted already)."""
    rows = sorted(rows, key=itemgetter(1))
    if not rows:
        empty, none = np.zeros(0), np.zeros(0, np.int64)
        return Snapshot(version, [], empty, empty, none, none, np.zeros((0, 4)), none, none)
    rowid, ids, point, minx, miny, maxx, maxy = zip(*rows, strict=True)
    rowids = np.array(rowid, dtype=np.int64)
    is_point = np.array(point, dtype=bool)
    x, y = np.array(minx, dtype=np.float64), np.array(miny, dtype=np.float64)
    rank = np.arange(len(rows), dtype=np.int64)
    p = np.flatnonzero(is_point)
    p = p[np.argsort(x[p], kind="stable")]
    q = np.flatnonzero(~is_point)
    nbox = np.column_stack([x[q], y[q], np.array(maxx, dtype=np.float64)[q],
                            np.array(maxy, dtype=np.float64)[q]])
    return Snapshot(version, list(ids), x[p], y[p], rowids[p], rank[p], nbox, rowids[q],
                    rank[q])


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
        if row[2]:  # a point
            at = int(np.searchsorted(px, row[3], "right"))
            px, py = np.insert(px, at, row[3]), np.insert(py, at, row[4])
            prow, prank = np.insert(prow, at, row[0]), np.insert(prank, at, r)
        else:
            nbox = np.vstack([nbox, np.array([row[3:7]], dtype=np.float64)])
            nrow, nrank = np.append(nrow, row[0]), np.append(nrank, r)
    return Snapshot(version, ids, px, py, prow, prank, nbox, nrow, nrank)


def _changed_ids(reader: Any, collection: str, since: int, until: int) -> list[str] | None:
    """Ids of a collection's features changed in (since, until]; None when there are
    more than PATCH_LIMIT changes, or a restore happened in between."""
    rows = reader.changes_after(since, until, [collection, "_restore"], None, PATCH_LIMIT + 1)
    if len(rows) > PATCH_LIMIT or any(r["collection"] == "_restore" for r in rows):
        return None
    return list(dict.fromkeys(r["feature_id"] for r in rows))


class BoundsIndex:
    """The snapshots of one worker, one per collection asked for. `open_reader` is the
    store's reader(): a collection is read whole in a thread of its own, on its own
    snapshot, while SQL answers (at a million places the read takes seconds)."""

    def __init__(self, open_reader: Callable[[], Any]) -> None:
        self._open_reader = open_reader
        self._snapshots: dict[str, Snapshot] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._building: dict[str, threading.Thread] = {}
        self._failed: dict[str, float] = {}  # when a read of the collection last failed
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

    def wait(self) -> None:
        """Until no collection is being read (tests)."""
        for thread in list(self._building.values()):
            thread.join()

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
            changed = None
            version = (seq, reader.sync_floor())
            if s is not None and s.version[1] == version[1]:
                changed = _changed_ids(reader, collection, s.version[0], seq)
            if changed is None:
                self._build_aside(collection)
                return None
            s = patch(s, version, reader.located_bounds_of(collection, changed))
            self._snapshots[collection] = s
            return s
        finally:
            lock.release()

    def _build_aside(self, collection: str) -> None:
        with self._guard:
            if collection in self._building or \
                    time.monotonic() - self._failed.get(collection, -RETRY_S) < RETRY_S:
                return
            thread = threading.Thread(target=self._build, args=(collection,), daemon=True,
                                      name=f"bounds-{collection}")
            self._building[collection] = thread
        thread.start()

    def _build(self, collection: str) -> None:
        try:
            with self._open_reader() as r:
                s = build((r.version()[0], r.sync_floor()), r.located_bounds(collection))
            with self._guard:
                current = self._snapshots.get(collection)
                if current is None or current.version[0] <= s.version[0]:
                    self._snapshots[collection] = s
        except Exception:  # noqa: BLE001 - a closed store, a busy database: SQL answers,
            self._failed[collection] = time.monotonic()  # and a request tries again later
        finally:
            with self._guard:
                self._building.pop(collection, None)
