"""Small numbers are not published: the one rule that hides counts of young people
under domain.SMALL_NUMBER and protects the totals that would give them away
(docs/organisers.md, "Small numbers"). report.py applies it once to all its figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .domain import SMALL_NUMBER

FEWER = "fewer than 5"
WITHHELD = "not shown"


@dataclass(frozen=True)
class Count:
    """A published count: its value, or None with why it is not shown."""

    value: int | None
    hidden: str | None = None  # None, "small" (under 5) or "withheld" (protects another)

    def text(self, gettext: Callable[[str], str] = str) -> str:
        """The count as printed in every table, chart label and CSV cell."""
        if self.value is not None:
            return str(self.value)
        return gettext(FEWER if self.hidden == "small" else WITHHELD)


def _unsafe(values: dict[str, int], small: set[str], secret: list[str]) -> bool:
    """True when hidden parts could be worked back from their total: one part alone;
    parts adding up to fewer than 5 young people; or small parts that must all be 4."""
    rest = sum(values[p] for p in secret)
    all_small = all(p in small for p in secret)
    return (len(secret) == 1 or rest < SMALL_NUMBER
            or (all_small and rest >= (SMALL_NUMBER - 1) * len(secret)))


def protect(values: dict[str, int], relations: list[tuple[str, list[str]]]
            ) -> dict[str, Count]:
    """Every count by id, small ones hidden and the totals of `relations` (total id,
    the ids it adds up) protected."""
    small = {k for k, v in values.items() if v < SMALL_NUMBER}
    hidden = set(small)
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            secret = [p for p in parts if p in hidden]
            if total in hidden or not secret or not _unsafe(values, small, secret):
                continue
            shown = sorted((p for p in parts if p not in hidden), key=lambda p: values[p])
            hidden.add(shown[0] if shown else total)
            changed = True
    return {k: Count(None, "small" if k in small else "withheld") if k in hidden
            else Count(v) for k, v in values.items()}
