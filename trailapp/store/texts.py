"""Each worker's memory of rendered features, for pages and single reads (issue 15).

Every feature is stored already rendered, as JSON text per language. Reading that text
back was most of an uncached read once the bounds came from memory (store/bounds.py):
a row of a few KB per feature, about 3 µs each in SQLite and Python, 1.1 ms for a page
of 376. Here each worker keeps the texts it has read, least recently used first out
when they pass a size bound (TRAILAPP_FEATURE_MEMORY_MB).

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
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

#: More changes than this since the memory's version: forget everything.
FORGET_LIMIT = 1000
#: Bytes counted for each text beyond its characters, and for each feature.
TEXT_OVERHEAD = 80
ENTRY_OVERHEAD = 300

Version = tuple[int, int]  # (change seq, sync floor)


class FeatureTexts:
    """rowid → (collection, id, {lang: rendered JSON}) at one version, bounded in size."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._lock = threading.Lock()
        self._version: Version | None = None
        self._entries: OrderedDict[int, tuple[str, str, dict[str, str]]] = OrderedDict()
        self._rowid: dict[tuple[str, str], int] = {}
        self._bytes = 0

    # -- reads ------------------------------------------------------------------------

    def by_rowid(self, reader: Any, rowids: Sequence[int], lang: str,
                 read: Callable[[list[int]], dict[int, tuple[str, str, str]]]
                 ) -> dict[int, str]:
        """Texts of the given rowids in the reader's snapshot; those not in memory come
        from read(missing rowids) → {rowid: (collection, id, text)}."""
        seq = self._current(reader)
        out: dict[int, str] = {}
        missing: list[int] = []
        with self._lock:
            if seq is None or self._version is None or self._version[0] != seq:
                seq = None
            else:
                entries = self._entries
                for r in rowids:
                    entry = entries.get(r)
                    text = entry[2].get(lang) if entry is not None else None
                    if text is None:
                        missing.append(r)
                    else:
                        out[r] = text
                        entries.move_to_end(r)
        if seq is None:
            return {r: t for r, (_c, _i, t) in read(list(rowids)).items()}
        if missing:
            found = read(missing)
            for r, (_c, _i, text) in found.items():
                out[r] = text
            self._remember(seq, lang, found)
        return out

    def by_id(self, reader: Any, collection: str, feature_id: str, lang: str,
              read: Callable[[], tuple[int, str] | None]) -> str | None:
        """The text of one feature in the reader's snapshot, or None when there is no
        such feature; read() → (rowid, text) or None when it is not in memory."""
        seq = self._current(reader)
        with self._lock:
            if seq is not None and self._version is not None and self._version[0] == seq:
                r = self._rowid.get((collection, feature_id))
                entry = self._entries.get(r) if r is not None else None
                text = entry[2].get(lang) if entry is not None else None
                if text is not None:
                    self._entries.move_to_end(r)  # type: ignore[arg-type]
                    return text
            else:
                seq = None
        found = read()
        if found is not None and seq is not None:
            self._remember(seq, lang, {found[0]: (collection, feature_id, found[1])})
        return found[1] if found is not None else None

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
                self._bytes = 0
            else:
                for key in changed:
                    r = self._rowid.get(key)
                    if r is not None:
                        self._forget(r)
            self._version = (seq, floor)
        return seq

    def _remember(self, seq: int, lang: str, found: dict[int, tuple[str, str, str]]) -> None:
        """Keep texts read by SQL at version seq, if the memory is still there."""
        if not found:
            return
        with self._lock:
            if self._version is None or self._version[0] != seq:
                return
            for r, (collection, feature_id, text) in found.items():
                entry = self._entries.get(r)
                if entry is None:
                    entry = (collection, feature_id, {})
                    self._entries[r] = entry
                    self._rowid[(collection, feature_id)] = r
                    self._bytes += ENTRY_OVERHEAD
                elif lang in entry[2]:
                    continue
                entry[2][lang] = text
                self._bytes += len(text) + TEXT_OVERHEAD
            while self._bytes > self.budget and self._entries:
                self._forget(next(iter(self._entries)))

    def _forget(self, rowid: int) -> None:
        collection, feature_id, texts = self._entries.pop(rowid)
        self._rowid.pop((collection, feature_id), None)
        self._bytes -= ENTRY_OVERHEAD + sum(len(t) + TEXT_OVERHEAD for t in texts.values())
