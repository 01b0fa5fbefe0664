"""The steering group's report (issue 17): the figures of a seeded period computed by
hand, small numbers hidden in every HTML cell, CSV file and the PDF's text, the other
municipality's report refused, and the PDF opened and its first page rendered."""

from __future__ import annotations

import csv
import io
import re

import pytest
from babel.messages.pofile import read_po
from helpers.organisers import add_organiser, token_headers
from helpers.report import pdf_first_page_png, pdf_text, row, seed, seed_answers

from trailapp.domain import REPORT_CHARTS

PERIOD = "from=2026-01-01&to=2026-03-31"
GAST, KYRKA = "bol-gastgivars", "bol-bollnas-kyrka"


@pytest.fixture
def world(geo_app):
    """Bollnäs, January to March 2026, by hand:
    January  8 stories, Swedish, 13-15, at Gästgivars; approved after 1, 2, ... 8 hours;
             all tagged 4.7, three also 11.4.
    February 6 stories, English, 16-17, and 2 activities, Swedish, under 13, at the church.
    March    5 stories, Swedish, 13-15, at Gästgivars, pending.
    Outside: 7 Lobatse stories in February and 3 Bollnäs stories in April."""
    store = geo_app.extensions["trailapp"].store
    january = [row(f"2026-01-{d + 10}T09:00:00Z", status="approved",
                   decided_at=f"2026-01-{d + 10}T{9 + d + 1:02d}:00:00Z",
                   sdg_targets=("4.7", "11.4") if d < 3 else ("4.7",)) for d in range(8)]
    february = [row(f"2026-02-0{d + 1}T12:00:00Z", place_id=KYRKA, lang="en",
                    age_band="16-17") for d in range(6)]
    february += [row("2026-02-20T12:00:00Z", place_id=KYRKA, kind="activity",
                     age_band="under-13") for _ in range(2)]
    march = [row("2026-03-31T23:30:00Z") for _ in range(5)]
    lobatse = [row("2026-02-10T08:00:00Z", place_id="lob-high-court", municipality="lobatse",
                   lang="en") for _ in range(7)]
    april = [row("2026-04-01T00:00:00Z") for _ in range(3)]
    ids = seed(store, january + february + march + lobatse + april)
    headers = {who: token_headers(store, add_organiser(store, who, municipalities=(m,)))
               for who, m in (("anna", "bollnas"), ("kagiso", "lobatse"))}
    return geo_app.test_client(), headers, ids


def get(world, query: str, who: str = "anna"):
    client, headers, _ = world
    return client.get(f"/moderation/report?{query}", headers=headers[who])


def chart_csv(world, chart: str, lang: str = "en") -> list[list[str]]:
    r = get(world, f"municipality=bollnas&{PERIOD}&lang={lang}&format=csv&chart={chart}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


def small_cells(cells: list[str]) -> list[str]:
    """Cells that print a count under 5 (zero included)."""
    return [c for c in cells if re.fullmatch(r"\s*[0-4]\s*", c)]


def test_the_report_has_the_figures_computed_by_hand(world):
    assert chart_csv(world, "per_month") == [
        ["Month", "Contributions"], ["2026-01", "8"], ["2026-02", "8"], ["2026-03", "5"],
        ["Total", "21"]]
    assert chart_csv(world, "by_place") == [
        ["Place", "Contributions"], ["Gästgivars farm, Vallsta", "13"], ["Bollnäs Church", "8"],
        ["Total", "21"]]
    # Per kind each month has one small cell (activities: 0, 2, 0). With the month totals
    # printed, a lone hidden cell would be their difference: so the stories are hidden
    # too, and with the activities' total hidden the stories' total is as well.
    assert chart_csv(world, "by_kind") == [
        ["Month", "Story", "Activity", "Total"],
        ["2026-01", "not shown", "fewer than 5", "8"],
        ["2026-02", "not shown", "fewer than 5", "8"],
        ["2026-03", "not shown", "fewer than 5", "5"],
        ["Total", "not shown", "fewer than 5", "21"]]
    page = get(world, f"municipality=bollnas&{PERIOD}").get_data(as_text=True)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd class=\"count\">([^<]+)</dd>", page))
    assert figures == {"Decided": "8", "Hours to a decision (median)": "4.5 h",
                       "Hours to a decision (9 in 10 within)": "7.0 h",
                       "Target 4.7": "8", "Target 11.4": "fewer than 5",
                       # The field survey as it stands (geodata: 8 approximate and 7
                       # unknown places in Bollnäs, nothing surveyed yet).
                       "Places located by young surveyors": "fewer than 5",
                       "Places still to locate": "15",
                       "Trail kilometres recorded by walking": "0.0 km",
                       "Fixes and tracks waiting for review": "fewer than 5",
                       # No twin places in this world.
                       "Twin places paired now": "fewer than 5",
                       "Twin places paired in the period": "fewer than 5",
                       # No challenges in this world.
                       "Heritage passports in use": "fewer than 5"}


def test_both_municipalities_add_up_for_an_organiser_of_both(world, geo_app):
    client, _, _ = world
    store = geo_app.extensions["trailapp"].store
    both = token_headers(store, add_organiser(store, "sam", municipalities=("bollnas",
                                                                            "lobatse")))
    r = client.get(f"/moderation/report?{PERIOD}&format=csv&chart=per_month", headers=both)
    assert r.get_data(as_text=True).lstrip("\ufeff").splitlines() == [
        "Month,Contributions", "2026-01,8", "2026-02,15", "2026-03,5", "Total,28"]


def test_no_count_under_5_appears_in_the_html_or_any_csv(world):
    page = get(world, f"municipality=bollnas&{PERIOD}&lang=sv").get_data(as_text=True)
    cells = re.findall(r'class="count">([^<]*)<', page)
    assert len(cells) >= 60 and "färre än 5" in cells
    assert small_cells(cells) == []
    for chart in REPORT_CHARTS:
        rows = chart_csv(world, chart, lang="sv")
        assert small_cells([c for r in rows[1:] for c in r[1:]]) == [], chart
    assert "<script>" not in page and "<svg" not in page  # charts are images


def test_the_pdf_opens_holds_no_small_count_and_its_first_page_renders(world, tmp_path):
    r = get(world, f"municipality=bollnas&{PERIOD}&lang=sv&format=pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.data)
    text = pdf_text(pdf)
    assert "Rapport till styrgruppen" in text and "färre än 5" in text
    assert "Bidrag per månad" in text and "Gästgivars" in text
    tokens = text.split()
    assert "21" in tokens and "13" in tokens
    assert [t for t in tokens if re.fullmatch(r"[0-4]", t)] == []
    png = pdf_first_page_png(pdf, tmp_path / "report-page-1")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    print(f"report first page: {png}")


def test_a_lobatse_moderator_cannot_get_bollnas_report(world):
    for fmt in ("html", "pdf", "csv&chart=per_month"):
        r = get(world, f"municipality=bollnas&{PERIOD}&format={fmt}", who="kagiso")
        assert r.status_code == 403 and r.get_json()["code"] == "Forbidden"
    # Without a municipality: Lobatse's own figures only. February's 7 is hidden too:
    # beside the total of 7 it would tell that January and March had none.
    mine = get(world, f"{PERIOD}&format=csv&chart=per_month", who="kagiso")
    assert mine.get_data(as_text=True).lstrip("\ufeff").splitlines() == [
        "Month,Contributions", "2026-01,fewer than 5", "2026-02,not shown",
        "2026-03,fewer than 5", "Total,7"]


def test_example_stories_must_be_approved_stories_of_the_report(world):
    _, _, ids = world
    chosen = get(world, f"municipality=bollnas&{PERIOD}&examples={ids[2]},{ids[0]}")
    page = chosen.get_data(as_text=True)
    assert page.index("Berättelse") and page.index(">Räv") > 0
    for other in (ids[8], ids[-4]):  # a pending story; a Lobatse story
        r = get(world, f"municipality=bollnas&{PERIOD}&examples={other}")
        assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "examples"


@pytest.mark.parametrize("query, field, status", [
    ("from=2026-02-30", "from", 400), ("to=yesterday", "to", 400),
    ("from=2026-03-01&to=2026-02-01", "to", 422), ("from=2020-01-01&to=2026-01-01", "to", 422),
    ("from=9999-12-31&to=9999-12-31", "from", 422), ("to=0001-01-01", "to", 422),
    ("municipality=oslo", "municipality", 400), ("lang=tn", "lang", 400),
    ("format=docx", "format", 400), ("format=csv", "chart", 422),
    ("format=csv&chart=pie", "chart", 400), ("examples=abc", "examples", 400)])
def test_a_bad_parameter_gets_an_error_naming_it(world, query, field, status):
    r = get(world, query)
    assert r.status_code == status
    assert [e["field"] for e in r.get_json()["errors"]] == [field]


def test_every_word_of_the_report_has_a_swedish_translation(world):
    from trailapp import report

    path = report.__file__.replace("report.py", "translations/sv/LC_MESSAGES/messages.po")
    with open(path, "rb") as po:
        translated = {m.id for m in read_po(po) if m.id and m.string}
    words = {report.FEWER, report.WITHHELD, *report.AGE_LABELS.values(),
             *report.KIND_LABELS.values(), *report.LANG_LABELS.values(),
             *report.CHALLENGE_KIND_LABELS.values()}
    page = get(world, f"municipality=bollnas&{PERIOD}&lang=sv").get_data(as_text=True)
    for english in ("Contributions per month", "Time to a decision", "not shown", "Total"):
        assert f">{english}<" not in page
    assert words - translated == set()


@pytest.mark.parametrize("values, hidden", [
    # one small part beside its total: the smallest part still shown is hidden too
    ({"t": 20, "a": 3, "b": 7, "c": 10}, {"a", "b"}),
    # two small parts adding up to under 5: one more part is hidden
    ({"t": 22, "a": 1, "b": 1, "c": 10, "d": 10}, {"a", "b", "c"}),
    # two small parts that must both be 4 (8 = 4 + 4): one more part is hidden
    ({"t": 18, "a": 4, "b": 4, "c": 10}, {"a", "b", "c"}),
    # two small parts adding up to 5 (1 + 4, 2 + 3, ...): none can be told, nothing more
    ({"t": 15, "a": 1, "b": 4, "c": 10}, {"a", "b"}),
    # only small parts, under 5 together: the total is small itself and hidden
    ({"t": 3, "a": 1, "b": 2}, {"t", "a", "b"}),
])
def test_a_total_never_gives_a_hidden_count_away(values, hidden):
    from trailapp.small_numbers import protect

    counts = protect(values, [("t", [k for k in values if k != "t"])])
    assert {k for k, c in counts.items() if c.value is None} == hidden
    assert all(c.value == values[k] for k, c in counts.items() if k not in hidden)


def test_challenges_done_by_place_kind_and_age_band_and_answers_not_counted_twice(world,
                                                                                geo_app):
    store = geo_app.extensions["trailapp"].store
    approved = {"status": "approved"}
    seed_answers(store, "photo", [row(f"2026-01-0{d + 1}T09:00:00Z", **approved,
                                      decided_at=f"2026-01-0{d + 1}T10:00:00Z")
                                  for d in range(6)])
    seed_answers(store, "free-answer", [row("2026-02-01T09:00:00Z", place_id=KYRKA,
                                            age_band="16-17", **approved,
                                            decided_at="2026-02-01T10:00:00Z")])
    seed_answers(store, "free-answer", [row("2026-02-02T09:00:00Z")])  # pending: not done
    # The participation tables are the same as without the answers (they count once,
    # in their own section).
    assert chart_csv(world, "per_month")[-1] == ["Total", "21"]
    assert chart_csv(world, "by_place")[1:] == [
        ["Gästgivars farm, Vallsta", "13"], ["Bollnäs Church", "8"], ["Total", "21"]]
    assert chart_csv(world, "by_age_band")[-1][-1] == "21"
    by_place = chart_csv(world, "challenges_by_place")
    assert by_place[0] == ["Place", "Free answer", "Photo", "Interview", "Find the detail",
                           "Multiple choice", "Total"]
    # 7 done: 6 photos at the farm and 1 free answer at the church. With the total of 7
    # printed, the farm's 6 would give the church's 1 away (7 - 6): it is not shown.
    few, hidden = "fewer than 5", "not shown"
    assert by_place[1:] == [["Bollnäs Church", few, few, few, few, few, few],
                            ["Gästgivars farm, Vallsta", few, hidden, few, few, few, hidden],
                            ["Total", few, hidden, few, few, few, "7"]]
    assert not small_cells([c for r in by_place for c in r[1:]])
    ages = chart_csv(world, "challenges_by_age_band")
    assert ages[0][:3] == ["Kind", "under 13", "13 to 15"]
    assert ages[2] == ["Photo", few, hidden, few, few, hidden]
    assert ages[-1][-1] == "7"
    page = get(world, f"municipality=bollnas&{PERIOD}").get_data(as_text=True)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd class=\"count\">([^<]+)</dd>", page))
    assert figures["Heritage passports in use"] == "8"


def test_challenges_done_by_kind_is_a_chart_and_a_csv_agreeing_with_the_others(world,
                                                                              geo_app):
    store = geo_app.extensions["trailapp"].store
    for kind, n in (("photo", 6), ("free-answer", 5), ("audio-interview", 3),
                    ("find-the-detail", 2)):
        seed_answers(store, kind, [row("2026-01-05T09:00:00Z", status="approved",
                                       decided_at="2026-01-05T10:00:00Z")
                                   for _ in range(n)])
    few = "fewer than 5"
    # The hidden kinds add up to 5 (3 + 2 + 0): no subtraction from 16 can split them.
    assert chart_csv(world, "challenges_by_kind") == [
        ["Kind", "Challenges done"], ["Free answer", "5"], ["Photo", "6"],
        ["Interview", few], ["Find the detail", few], ["Multiple choice", few],
        ["Total", "16"]]
    # The same counts as the by-place chart's totals per kind.
    assert chart_csv(world, "challenges_by_place")[-1] == [
        "Total", "5", "6", few, few, few, "16"]
    sv = chart_csv(world, "challenges_by_kind", lang="sv")
    assert sv[0] == ["Typ", "Utförda utmaningar"] and sv[1] == ["Fritt svar", "5"]
    page = get(world, f"municipality=bollnas&{PERIOD}").get_data(as_text=True)
    assert 'id="chart-challenges_by_kind"' in page


def test_the_report_csv_carries_questions_replies_and_translations_per_twin_pair(world,
                                                                                 geo_app):
    store = geo_app.extensions["trailapp"].store
    lob = "lob-high-court"
    with store.writer() as writer:
        writer.insert_twin({
            "id": "twin1", "status": "active", "place_id": GAST, "municipality": "bollnas",
            "twin_place_id": lob, "twin_municipality": "lobatse", "theme": "work",
            "text": "{}", "proposed_by": "anna", "proposed_at": "2026-01-01T00:00:00Z",
            "accepted_by": "kagiso", "accepted_at": "2026-01-02T00:00:00Z",
            "updated": "2026-01-02T00:00:00Z"})
    published = {"status": "approved", "decided_at": "2026-02-01T10:00:00Z"}
    questions = [row("2026-02-01T09:00:00Z", kind="question", **published)
                 for _ in range(6)]
    replies = [{**row("2026-02-02T09:00:00Z", place_id=lob, municipality="lobatse",
                      lang="en", kind="reply", status="approved",
                      decided_at="2026-02-03T10:00:00Z"), "parent_id": questions[0]["id"]}
               for _ in range(5)]
    replies.append({**row("2026-02-02T09:00:00Z", place_id=lob, municipality="lobatse",
                          kind="reply"), "parent_id": questions[1]["id"]})  # pending
    translated = [questions[0]["id"]] * 5 + [replies[0]["id"]]
    translations = [{**row("2026-02-04T09:00:00Z", kind="translation", status="approved",
                           decided_at="2026-02-04T10:00:00Z"), "parent_id": parent}
                    for parent in translated]
    seed(store, questions + replies + translations)
    # 6 questions, 1 answered (fewer than 5), 5 published replies (the pending one is
    # not counted), 6 translations: 5 of a question and 1 of a reply.
    assert chart_csv(world, "exchange_by_pair") == [
        ["Twin places", "Questions asked", "Questions answered", "Replies", "Translations"],
        [f"{GAST} – {lob}", "6", "fewer than 5", "5", "6"]]
    sv = chart_csv(world, "exchange_by_pair", lang="sv")
    assert sv[0] == ["Vänplatser", "Ställda frågor", "Besvarade frågor", "Svar",
                     "Översättningar"]


@pytest.mark.sqlite_only  # SQLite's trace callback and EXPLAIN QUERY PLAN
def test_the_reports_period_queries_search_an_index_instead_of_reading_every_row(world,
                                                                                 geo_app):
    """Each query of a period (municipalities and a range of `created`) searches an
    index (m013's, or the queue's when it asks for a status) instead of scanning the
    contributions table."""
    store = geo_app.extensions["trailapp"].store
    statements: list[str] = []
    bounds = (["bollnas"], "2026-01-01T00:00:00", "2026-04-01T00:00:00")
    with store.reader() as reader:
        reader.conn.set_trace_callback(statements.append)
        try:
            found = reader.monthly_counts(*bounds, "kind")
            reader.place_counts(*bounds)
            reader.decision_hours(*bounds)
            reader.sdg_counts(*bounds)
        finally:
            reader.conn.set_trace_callback(None)
        assert found == [("2026-01", "story", 8), ("2026-02", "activity", 2),
                         ("2026-02", "story", 6), ("2026-03", "story", 5)]
        plans = {sql: [r[3] for r in reader.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
                 for sql in statements if "FROM contributions" in sql}
    assert len(plans) >= 4
    for sql, plan in plans.items():
        assert not [p for p in plan if p.startswith("SCAN contributions")], (sql, plan)
        assert any(p.startswith("SEARCH contributions USING INDEX") for p in plan), plan
