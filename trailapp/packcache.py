"""The pack folder: built variants on disk (a zip head and its layout, packfiles.py),
found and marked as used, evicted least recently used first under the size bound, and
purged whole after an erasure. Renames and removals hold one lock per folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import packfiles


@dataclass
class Built:
    """A built pack on disk: base.head (the zip without media bytes) and base.layout."""

    base: Path
    sha256: str
    size: int
    version: int
    cursor: str
    segments: list[packfiles.Segment]



VERSION = re.compile(r"\.v(\d+)\.(head|layout)$")


def purge(folder: str | os.PathLike[str]) -> int:
    """Remove every built pack (after an erasure: no archive may keep erased words or
    photos); they are built again on demand. Returns how many files went."""
    if not Path(folder).exists():
        return 0
    removed = 0
    with folder_lock(Path(folder)):
        for path in [*Path(folder).glob("*~*"), *Path(folder).glob("*part")]:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """One process at a time renames or removes packs in the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def head_path(base: Path) -> Path:
    return base.with_name(base.name + ".head")


def layout_path(base: Path) -> Path:
    return base.with_name(base.name + ".layout")


def load(base: Path, version: int) -> Built | None:
    """A built pack's layout, marked as just used (eviction goes by last use)."""
    try:
        layout = json.loads(layout_path(base).read_text())
        if not head_path(base).exists():
            return None
        mark_used(base)
    except FileNotFoundError:
        return None
    return Built(base, layout["sha256"], layout["size"], version, layout["cursor"],
                 layout["segments"])


def mark_used(base: Path) -> None:
    # The fine clock: file times from the kernel's coarse clock can tie within a tick.
    now = time.time_ns()
    os.utime(layout_path(base), ns=(now, now))


def remove(base: Path) -> None:
    """Remove one variant's files, the layout (which commits it) first."""
    layout_path(base).unlink(missing_ok=True)
    head_path(base).unlink(missing_ok=True)


def evict(folder: Path, cache_bytes: int, keep: Path) -> None:
    """Remove the least recently used variants until the folder holds at most
    cache_bytes (the variant just built stays, whatever its size). Under the lock."""
    variants = []
    for layout in folder.glob("*~*.layout"):
        try:
            used = layout.stat().st_mtime
            size = layout.stat().st_size + layout.with_suffix(".head").stat().st_size
        except FileNotFoundError:
            continue
        variants.append((used, layout.with_suffix(""), size))
    total = sum(size for _, _, size in variants)
    for _, base, size in sorted(variants):
        if total <= cache_bytes:
            break
        if base != keep:
            remove(base)
            total -= size
