"""Each worker's memory of rendered features, for pages and single reads (issue 15).

Every feature is stored already rendered, as JSON text per language. Reading that text
back was most of an uncached read once the bounds came from memory (store/bounds.py):
a row of a few KB per feature, about 3 µs each in SQLite and Python, 1.1 ms for a page
of 376; making their links absolute for the address asked at cost as much again on a
big page. Here each worker keeps the texts it has read as each view shows them (a
language, and the base URL the links are made absolute under), least recently used
first out when they pass a size bound (TRAILAPP_FEATURE_MEMORY_MB).

The memory is true at one content version (the change log's last number, with the
sync floor). A reader whose snapshot is at that version reads from it; a reader at a
newer version first moves it on: the features named in the change log since then are
forgotten (all of them after many changes or a restore). A reader at an older version,
or one that finds the memory moved on under it, reads by SQL. Texts read by SQL enter
the memory only while it is at the reader's own version, so it never holds a text of
another version. A feature's (collection, id) and rowid do not change while it exists
(an update keeps its row), so forgetting by (collection, id) is enough. Only the
readers of a Store use it: a writer's snapshot holds its own uncommitted changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import Any

from ..features import absolute_links

#: Views kept at once: (language, base URL) pairs; the oldest goes first.
MAX_VIEWS = 12
#: More changes than this since the memory's version: forget everything.
FORGET_LIMIT = 1000
#: Bytes counted for each text beyond its characters, and for each feature (measured:
#: 100,000 places in one view grew the process by 114 MiB, 1,197 bytes each).
TEXT_OVERHEAD = 100
ENTRY_OVERHEAD = 500

Version = tuple[int, int]  # (change seq, sync floor)
View = tuple[str, "str | None"]  # (language, base URL of absolute links, or None: paths)


def finish(text: str, base: str | None) -> str:
    """A stored rendering as a view shows it: links made absolute under base."""
    return absolute_links(text, base) if base else text


class FeatureTexts:
    """Rendered features by rowid, in each view (a language, and the base URL their
    links are made absolute under) asked for, at one version, bounded in size: the
    least recently used go first (in the order they came until it is half full)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._lock = threading.Lock()
        self._version: Version | None = None
        # rowid → (collection, id), least recently used first; the texts of each view
        self._entries: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self._rowid: dict[tuple[str, str], int] = {}
        self._views: dict[View, dict[int, str]] = {}
        self._bytes = 0

    # -- reads ------------------------------------------------------------------------

    def by_rowid(self, reader: Any, rowids: Sequence[int], view: View,
                 read: Callable[[list[int]], dict[int, tuple[str, str, str]]]
                 ) -> dict[int, str]:
        """Texts of the given rowids in the reader's snapshot, as the view shows them;
        those not in memory come from read(missing rowids) → {rowid: (collection, id,
        stored text)}."""
        seq = self._current(reader)
        with self._lock:
            if seq is None or self._version is None or self._version[0] != seq:
                got = None
            else:
                got = list(map(self._views.get(view, {}).get, rowids))
                if self._bytes > self.budget // 2:  # recency matters once it fills up
                    deque(map(self._entries.move_to_end, (
                        r for r, t in zip(rowids, got, strict=True) if t is not None)), 0)
        if got is None:
            return {r: finish(t, view[1]) for r, (_c, _i, t) in read(list(rowids)).items()}
        out = dict(zip(rowids, got, strict=True))
        if None in got:
            missing = [r for r, t in out.items() if t is None]
            found = {r: (c, i, finish(t, view[1])) for r, (c, i, t) in read(missing).items()}
            for r in missing:
                if r in found:
                    out[r] = found[r][2]
                else:
                    del out[r]
            self._remember(seq, view, found)  # type: ignore[arg-type]
        return out

    def by_id(self, reader: Any, collection: str, feature_id: str, view: View,
              read: Callable[[], tuple[int, str] | None]) -> str | None:
        """The text of one feature in the reader's snapshot as the view shows it, or
        None when there is no such feature; read() → (rowid, stored text) or None."""
        seq = self._current(reader)
        with self._lock:
            if seq is not None and self._version is not None and self._version[0] == seq:
                r = self._rowid.get((collection, feature_id))
                text = self._views.get(view, {}).get(r) if r is not None else None
                if text is not None:
                    self._entries.move_to_end(r)  # type: ignore[arg-type]
                    return text
            else:
                seq = None
        found = read()
        if found is None:
            return None
        text = finish(found[1], view[1])
        if seq is not None:
            self._remember(seq, view, {found[0]: (collection, feature_id, text)})
        return text

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        """Bytes counted against the bound (texts and a fixed overhead each)."""
        return self._bytes

    # -- keeping it true ---------------------------------------------------------------

    def _current(self, reader: Any) -> int | None:
        """The reader's version, after moving the memory on to it when it is newer;
        None when the memory cannot serve this reader."""
        seq = reader.version()[0]
        known = self._version
        if known is not None and known[0] == seq:
            return seq
        if known is not None and known[0] > seq:
            return None  # an older snapshot than the memory
        floor = reader.sync_floor()
        changed: list[tuple[str, str]] | None = None
        if known is not None and known[1] == floor and self._entries:
            rows = reader.changes_after(known[0], seq, None, None, FORGET_LIMIT + 1)
            if len(rows) <= FORGET_LIMIT and all(r["collection"] != "_restore" for r in rows):
                changed = [(r["collection"], r["feature_id"]) for r in rows]
        with self._lock:
            if self._version != known:  # another thread moved it meanwhile
                return seq if self._version is not None and self._version[0] == seq else None
            if changed is None:
                self._entries.clear()
                self._rowid.clear()
                self._views.clear()
                self._bytes = 0
            else:
                for key in changed:
                    r = self._rowid.get(key)
                    if r is not None:
                        self._forget(r)
            self._version = (seq, floor)
        return seq

    def _remember(self, seq: int, view: View, found: dict[int, tuple[str, str, str]]) -> None:
        """Keep texts read by SQL at version seq, if the memory is still there."""
        if not found:
            return
        with self._lock:
            if self._version is None or self._version[0] != seq:
                return
            texts = self._views.get(view)
            if texts is None:
                while len(self._views) >= MAX_VIEWS:  # the oldest view goes
                    oldest = self._views.pop(next(iter(self._views)))
                    self._bytes -= sum(len(t) + TEXT_OVERHEAD for t in oldest.values())
                texts = self._views[view] = {}
            for r, (collection, feature_id, text) in found.items():
                if r not in self._entries:
                    self._entries[r] = (collection, feature_id)
                    self._rowid[(collection, feature_id)] = r
                    self._bytes += ENTRY_OVERHEAD
                elif r in texts:
                    continue
                texts[r] = text
                self._bytes += len(text) + TEXT_OVERHEAD
            while self._bytes > self.budget and self._entries:
                self._forget(next(iter(self._entries)))

    def _forget(self, rowid: int) -> None:
        key = self._entries.pop(rowid)
        self._rowid.pop(key, None)
        self._bytes -= ENTRY_OVERHEAD
        for texts in self._views.values():
            text = texts.pop(rowid, None)
            if text is not None:
                self._bytes -= len(text) + TEXT_OVERHEAD
