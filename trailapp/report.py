"""The steering group's report: the figures of one period for one municipality (or all
of the organiser's), as plain data that the HTML page, the PDF and the CSV files all
print from. Small numbers are suppressed here, once, so those can never differ.

The report is a list of sections, one function each (SECTIONS at the end): a section
reads its figures through the store and returns tables, numbers and examples. To add a
section (survey progress, exchange figures), write one more function and list it there.

Suppression (docs/organisers.md): a count of young people under domain.SMALL_NUMBER is
"fewer than 5", zero included. A total whose hidden parts could be worked back from it
by subtraction is protected by hiding one more part of it (the smallest shown), or the
total itself when no part is left to hide (small_numbers.py).

Longer than 300 lines because its sections and the relations between their tables
(which totals protect which cells) are read together.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from . import i18n, policy
from .auth import Organiser
from .domain import (
    AGE_BANDS,
    CHALLENGE_KINDS,
    EXCHANGE_KINDS,
    LANGS,
    REPORT_EXAMPLES_MAX,
    REPORT_KINDS,
    REPORT_MAX_DAYS,
    REPORT_YEARS,
    SDG_TARGETS,
    SMALL_NUMBER,
)
from .errors import Unprocessable
from .small_numbers import FEWER, WITHHELD, Count, protect
from .stats import _cell  # the one spreadsheet-safe CSV cell
from .store import Reader, Store

__all__ = ["FEWER", "WITHHELD", "Count", "Report", "Section", "Table", "build", "table_csv"]


@dataclass
class Table:
    """A chart's figures: rows x columns of counts, with totals where they are shown."""

    key: str
    title: str
    row_heading: str
    rows: list[str]
    row_labels: list[str]
    columns: list[str]
    column_labels: list[str]
    raw: list[list[int]]
    cell_ids: list[list[str]]
    row_total_ids: list[str] | None = None
    column_total_ids: list[str] | None = None
    total_id: str | None = None
    cells: list[list[Count]] = field(default_factory=list)
    row_totals: list[Count] | None = None
    column_totals: list[Count] | None = None
    total: Count | None = None
    points: list[dict[str, Any]] = field(default_factory=list)  # by place: where each is
    stacked: bool = True  # False: the columns are not parts of one whole (bars side by side)


@dataclass
class Section:
    """One part of the report: a heading, its tables and its single figures."""

    key: str
    title: str
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, Any]] = field(default_factory=list)  # (label, Count or text)
    examples: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None


@dataclass
class Report:
    """Every section of one report, suppression applied."""

    municipalities: list[str]
    start: date
    end: date  # inclusive
    lang: str
    sections: list[Section]

    def table(self, key: str) -> Table:
        """The table of one chart (KeyError for an unknown chart)."""
        for section in self.sections:
            for table in section.tables:
                if table.key == key:
                    return table
        raise KeyError(key)


@dataclass(frozen=True)
class Period:
    """What every section reads: who is in scope, when, and in which language."""

    reader: Reader
    municipalities: list[str]
    start: date
    end: date
    lang: str
    examples: list[str]

    @property
    def bounds(self) -> tuple[str, str]:
        """[start, end + 1 day) as the store's UTC times."""
        return (f"{self.start.isoformat()}T00:00:00",
                f"{(self.end + timedelta(days=1)).isoformat()}T00:00:00")

    def months(self) -> list[str]:
        """Every month of the period, 'YYYY-MM', in order."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def _relations(tables: list[Table]) -> list[tuple[str, list[str]]]:
    """Every 'total = sum of parts' that the printed tables let a reader write down."""
    out: list[tuple[str, list[str]]] = []
    for t in tables:
        if t.row_total_ids:
            out += [(t.row_total_ids[i], t.cell_ids[i]) for i in range(len(t.rows))]
        if t.column_total_ids:
            out += [(t.column_total_ids[j], [row[j] for row in t.cell_ids])
                    for j in range(len(t.columns))]
        if t.total_id and t.row_total_ids:
            out.append((t.total_id, list(t.row_total_ids)))
        if t.total_id and t.column_total_ids:
            out.append((t.total_id, list(t.column_total_ids)))
    return out


def _apply(sections: list[Section], extra: dict[str, int]) -> dict[str, Count]:
    tables = [t for s in sections for t in s.tables]
    values = dict(extra)
    for t in tables:
        for i, row in enumerate(t.cell_ids):
            values.update(zip(row, t.raw[i], strict=True))
        sums = {"row": [sum(r) for r in t.raw],
                "column": [sum(col) for col in zip(*t.raw, strict=True)] or [0] * len(t.columns)}
        values.update(zip(t.row_total_ids or [], sums["row"], strict=False))
        values.update(zip(t.column_total_ids or [], sums["column"], strict=False))
        if t.total_id:
            values[t.total_id] = sum(sums["row"])
    counts = protect(values, _relations(tables))
    for t in tables:
        t.cells = [[counts[c] for c in row] for row in t.cell_ids]
        t.row_totals = [counts[c] for c in t.row_total_ids] if t.row_total_ids else None
        t.column_totals = ([counts[c] for c in t.column_total_ids]
                           if t.column_total_ids else None)
        t.total = counts[t.total_id] if t.total_id else None
    return counts


# -- sections ----------------------------------------------------------------------------

AGE_LABELS = {"under-13": "under 13", "13-15": "13 to 15", "16-17": "16 and 17",
              "18+": "18 and over"}
KIND_LABELS = {"story": "Story", "activity": "Activity", "question": "Question",
               "reply": "Reply", "translation": "Translation"}
LANG_LABELS = {"sv": "Swedish", "en": "English", "tn": "Setswana"}


def _monthly(p: Period, key: str, title: str, by: str, columns: list[str],
             labels: dict[str, str], drop_unused: bool = False) -> Table:
    months = p.months()
    found = {(m, v): n for m, v, n in p.reader.monthly_counts(p.municipalities, *p.bounds, by)}
    if drop_unused:  # an exchange kind nobody used in the period is left out
        columns = [c for c in columns if c not in EXCHANGE_KINDS + ("translation",)
                   or any(v == c for _, v in found)]
    return Table(key, title, "Month", months, months, columns,
                 [labels.get(c, c) for c in columns],
                 [[found.get((m, c), 0) for c in columns] for m in months],
                 [[f"{key}:{m}:{c}" for c in columns] for m in months],
                 row_total_ids=[f"month:{m}" for m in months],
                 column_total_ids=[f"{key}:all:{c}" for c in columns], total_id="total")


def _participation(p: Period) -> Section:
    """How many took part, month by month, by kind, age band and language."""
    kinds = _monthly(p, "by_kind", "Contributions per month by kind", "kind",
                     list(REPORT_KINDS), KIND_LABELS, drop_unused=True)
    months = kinds.rows
    per_month = Table("per_month", "Contributions per month", "Month", months, months,
                      ["count"], ["Contributions"],
                      [[sum(row)] for row in kinds.raw], [[f"month:{m}"] for m in months],
                      column_total_ids=["total"])
    return Section("participation", "Taking part", [
        per_month, kinds,
        _monthly(p, "by_age_band", "Contributions per month by age band", "age_band",
                 list(AGE_BANDS), AGE_LABELS),
        _monthly(p, "by_language", "Contributions per month by language", "lang",
                 list(LANGS), LANG_LABELS)],
        note="Each contribution counts once: young people send them without an account.")


def _places(p: Period) -> Section:
    """How much was contributed at each place (the map)."""
    rows = p.reader.place_counts(p.municipalities, *p.bounds)
    table = Table("by_place", "Contributions by place", "Place",
                  [r["place_id"] for r in rows],
                  [i18n.pick(r["names"], p.lang)[0] or r["place_id"] for r in rows],
                  ["count"], ["Contributions"], [[r["count"]] for r in rows],
                  [[f"place:{r['place_id']}"] for r in rows], column_total_ids=["total"])
    table.points = [{"place_id": r["place_id"], "lon": r["lon"], "lat": r["lat"],
                     "label": label} for r, label in zip(rows, table.row_labels, strict=True)
                    if r["lon"] is not None]
    return Section("places", "Places", [table])


def _decisions(p: Period) -> Section:
    """How fast organisers decided (received in the period and decided since)."""
    hours = p.reader.decision_hours(p.municipalities, *p.bounds)
    enough = hours["decided"] >= SMALL_NUMBER  # times of fewer than 5 are not shown

    def shown(value: float | None) -> str:
        return f"{value:.1f} h" if enough and value is not None else WITHHELD

    return Section("decisions", "Time to a decision", figures=[
        ("Decided", ("decided", hours["decided"])),
        ("Hours to a decision (median)", shown(hours["median"])),
        ("Hours to a decision (9 in 10 within)", shown(hours["p90"]))])


def _agenda(p: Period) -> Section:
    """Approved contributions counted towards Agenda 2030 targets 4.7 and 11.4."""
    counts = p.reader.sdg_counts(p.municipalities, *p.bounds)
    return Section("agenda_2030", "Agenda 2030", figures=[
        (f"Target {t}", (f"sdg:{t}", counts.get(t, 0))) for t in SDG_TARGETS])


def _examples(p: Period) -> Section:
    """The approved stories the organiser chose (?examples=), in the order given."""
    found = {r["id"]: r for r in p.reader.report_examples(p.municipalities, p.examples)}
    missing = [i for i in p.examples if i not in found]
    if missing:
        raise Unprocessable("examples", f"{missing[0]} is not an approved story of this "
                                        "report's municipalities")
    return Section("examples", "Examples", examples=[found[i] for i in p.examples])


def _survey(p: Period) -> Section:
    """How far the field survey has come (now, not only in the period): places and
    trail lines, never the young surveyors themselves."""
    done = p.reader.survey_progress(p.municipalities)
    # Counts go through the same rule as every other: under 5 reads "fewer than 5".
    return Section("survey", "Field survey", figures=[
        ("Places located by young surveyors", ("survey:located", int(done["located"]))),
        ("Places still to locate", ("survey:to_locate", int(done["to_locate"]))),
        ("Trail kilometres recorded by walking", f"{done['trail_km']:.1f} km"),
        ("Fixes and tracks waiting for review", ("survey:waiting", int(done["waiting"])))],
        note="As it stands today, whatever the period.")


def _exchange(p: Period) -> Section:
    """How much the two towns exchanged: their twin places, and per twin pair the
    questions asked (published in the period), those answered (a published reply)
    and the median days from a question's publication to its first published reply."""
    twins = p.reader.twin_counts(p.municipalities, *p.bounds)
    figures: list[tuple[str, Any]] = [
        ("Twin places paired now", ("twins:active", int(twins["active"]))),
        ("Twin places paired in the period", ("twins:accepted", int(twins["accepted"])))]
    pairs: dict[str, list[dict[str, Any]]] = {}
    for row in p.reader.question_threads(p.municipalities, *p.bounds):
        pairs.setdefault(row["twin_id"], []).append(row)
    ids = list(pairs)
    labels = [f"{pairs[t][0]['place_id']} – {pairs[t][0]['twin_place_id']}" for t in ids]
    figures += [(f"{label}: median days to a first reply", _median_days(pairs[t]))
                for t, label in zip(ids, labels, strict=True)]
    columns = ["asked", "answered", "replies", "translations"]
    by_pair = Table(
        "exchange_by_pair", "Questions, replies and translations per twin pair",
        "Twin places", ids, labels, columns,
        ["Questions asked", "Questions answered", "Replies", "Translations"],
        [[len(rows), sum(1 for r in rows if r["first_reply"]),
          sum(r["replies"] for r in rows), sum(r["translations"] for r in rows)]
         for rows in pairs.values()],
        [[f"questions:{t}:{c}" for c in columns] for t in ids], stacked=False)
    return Section("exchange", "Exchange between the towns", [by_pair], figures=figures,
                   note="Replies and translations: those published, of the questions "
                        "counted (translations of a question or of its replies).")


def _median_days(rows: list[dict[str, Any]]) -> str:
    """The median time (days, one decimal) from publication to the first reply, over
    the answered questions; a dash when none is answered."""
    days = sorted((datetime.fromisoformat(r["first_reply"]) -
                   datetime.fromisoformat(r["decided_at"])).total_seconds() / 86400
                  for r in rows if r["first_reply"])
    if not days:
        return "–"
    middle = len(days) // 2
    median = days[middle] if len(days) % 2 else (days[middle - 1] + days[middle]) / 2
    return f"{median:.1f} days"


def _challenges(p: Period) -> Section:
    """Challenges done (answers approved in the period) by place and kind, and by kind
    and age band; and how many heritage passports hold a stamp (a total only)."""
    rows = p.reader.challenges_done(p.municipalities, *p.bounds)
    places = sorted({r["place_id"] for r in rows})
    names = {r["place_id"]: i18n.pick(r["names"], p.lang)[0] or r["place_id"] for r in rows}
    count: dict[tuple[str, str], int] = {}
    by_age: dict[tuple[str, str], int] = {}
    for r in rows:
        count[r["place_id"], r["kind"]] = count.get((r["place_id"], r["kind"]), 0) + r["n"]
        by_age[r["kind"], r["age_band"]] = by_age.get((r["kind"], r["age_band"]), 0) + r["n"]
    kinds, bands = list(CHALLENGE_KINDS), list(AGE_BANDS)
    kind_labels = [CHALLENGE_KIND_LABELS[k] for k in kinds]
    by_place = Table("challenges_by_place", "Challenges done by place and kind", "Place",
                     places, [names[pl] for pl in places], kinds, kind_labels,
                     [[count.get((pl, k), 0) for k in kinds] for pl in places],
                     [[f"challenge:{pl}:{k}" for k in kinds] for pl in places],
                     row_total_ids=[f"challenge:place:{pl}" for pl in places],
                     column_total_ids=[f"challenge:kind:{k}" for k in kinds],
                     total_id="challenge:total")
    ages = Table("challenges_by_age_band", "Challenges done by kind and age band", "Kind",
                 kinds, kind_labels, bands, [AGE_LABELS.get(b, b) for b in bands],
                 [[by_age.get((k, b), 0) for b in bands] for k in kinds],
                 [[f"challenge-age:{k}:{b}" for b in bands] for k in kinds],
                 row_total_ids=[f"challenge:kind:{k}" for k in kinds],
                 column_total_ids=[f"challenge-age:band:{b}" for b in bands],
                 total_id="challenge:total")
    by_kind = Table("challenges_by_kind", "Challenges done by kind", "Kind", kinds,
                    kind_labels, ["count"], ["Challenges done"],
                    [[sum(count.get((pl, k), 0) for pl in places)] for k in kinds],
                    [[f"challenge:kind:{k}"] for k in kinds],
                    column_total_ids=["challenge:total"])
    return Section("challenges", "Challenges", [by_place, by_kind, ages], figures=[
        ("Heritage passports in use",
         ("passports", p.reader.passport_count(p.municipalities)))],
        note="An answer counts when an organiser approved it (multiple choice: when it "
             "was right).")


CHALLENGE_KIND_LABELS = {"free-answer": "Free answer", "photo": "Photo",
                         "audio-interview": "Interview", "find-the-detail": "Find the detail",
                         "multiple-choice": "Multiple choice"}

#: The report's sections in order.
SECTIONS: list[Callable[[Period], Section]] = [_participation, _places, _decisions, _agenda,
                                               _survey, _exchange, _challenges, _examples]


def _figure_counts(sections: list[Section]) -> dict[str, int]:
    return {value[0]: value[1] for s in sections for _, value in s.figures
            if isinstance(value, tuple)}


def build(store: Store, who: Organiser | None, municipality: str | None, start: date | None,
          end: date | None, lang: str, examples: list[str] | None = None) -> Report:
    """The report for one of the organiser's municipalities (or all of theirs); the period
    defaults to twelve months: from the first of the month eleven months before
    `end` (default today, UTC)."""
    scope = policy.scope(who, municipality)
    end = end or datetime.now(UTC).date()
    for name, day in (("from", start), ("to", end)):
        if day and not REPORT_YEARS[0] <= day.year <= REPORT_YEARS[1]:
            raise Unprocessable(name, f"must be in the years {REPORT_YEARS[0]} to "
                                      f"{REPORT_YEARS[1]}")
    start = start or date(end.year - (end.month <= 11), (end.month - 12) % 12 + 1, 1)
    if start > end:
        raise Unprocessable("to", "is before from")
    if (end - start).days > REPORT_MAX_DAYS:
        raise Unprocessable("to", f"a report covers at most {REPORT_MAX_DAYS} days")
    if len(examples or []) > REPORT_EXAMPLES_MAX:
        raise Unprocessable("examples", f"at most {REPORT_EXAMPLES_MAX} stories")
    with store.reader() as reader:
        period = Period(reader, scope, start, end, lang, list(dict.fromkeys(examples or [])))
        sections = [section(period) for section in SECTIONS]
    counts = _apply(sections, _figure_counts(sections))
    for s in sections:
        s.figures = [(label, counts[v[0]] if isinstance(v, tuple) else v)
                     for label, v in s.figures]
    return Report(scope, start, end, lang, sections)


def table_csv(table: Table, gettext: Callable[[str], str] = str) -> str:
    """One chart's figures as CSV, printed from the same counts as the page."""
    out = io.StringIO()
    writer = csv.writer(out)
    totals = table.row_totals is not None
    writer.writerow([gettext(table.row_heading), *(gettext(c) for c in table.column_labels)]
                    + ([gettext("Total")] if totals else []))
    for i, label in enumerate(table.row_labels):
        row = [c.text(gettext) for c in table.cells[i]]
        writer.writerow([_cell(gettext(label)), *row] + ([table.row_totals[i].text(gettext)]
                                                if table.row_totals else []))
    if table.column_totals:
        writer.writerow([gettext("Total"), *(c.text(gettext) for c in table.column_totals)]
                        + ([table.total.text(gettext)] if table.total and totals else []))
    return out.getvalue()

