"""The erasure log: the ids (never the content) of what young people erased, kept outside
the database so that restoring an older backup cannot bring any of it back
(`flask reapply-erasures`). Contributions, survey fixes and tracks share it: their ids
are random and never collide in practice."""

from __future__ import annotations

import os

from .times import now_rfc3339


def append(path: str | None, ids: list[str]) -> None:
    """Add ids to the log, durably (no-op without a log or ids)."""
    if not path or not ids:
        return
    with open(path, "a", encoding="utf-8") as log:
        for item_id in ids:
            log.write(f"{item_id} {now_rfc3339()}\n")
        log.flush()
        os.fsync(log.fileno())


def ids(path: str | None) -> set[str]:
    """Every id in the log (empty without one)."""
    if not path or not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as log:
        return {line.split()[0] for line in log if line.strip()}
