"""Each worker's memory of rendered features (trailapp/store/texts.py, issue 15): what it
answers is exactly what SQL answers in the same snapshot, in every language, after
every kind of write (the changed features forgotten, the others kept), after many writes
and after a restore (all forgotten), for a reader whose snapshot is older than the
memory (SQL answers it), and within its size bound."""

from __future__ import annotations

import random

import pytest
from helpers.app import place, settings_in, write_geojson
from helpers.mixed import mixed_features

from trailapp import create_app, loader
from trailapp.store import texts as texts_module
from trailapp.store.features import FeatureFilter

PLACES = FeatureFilter("places")
LANGS = ("sv", "en", "tn")


@pytest.fixture
def loaded(app, tmp_path):
    store = app.extensions["trailapp"].store
    loader.load(store, [write_geojson(tmp_path / "mixed.geojson", mixed_features())])
    return store


@pytest.fixture
def sql_reads(monkeypatch, loaded) -> list[int]:
    """How many rowids each read by SQL asked for (texts not found in memory)."""
    asked: list[int] = []
    with loaded.reader() as reader:
        cls = type(reader)
    real = cls._texts_sql

    def counted(self, rowids, lang):
        if self.texts is not None:  # on the memory's behalf
            asked.append(len(rowids))
        return real(self, rowids, lang)

    monkeypatch.setattr(cls, "_texts_sql", counted)
    return asked


def _rowids(store) -> dict[str, int]:
    with store.reader() as reader:
        return {r[1]: r[0] for r in reader.conn.execute(
            "SELECT rowid, id FROM features WHERE collection = 'places'")}


def _both(store, rowids: list[int], lang: str) -> tuple[dict, dict]:
    """(the memory's answer, SQL's answer) in one snapshot."""
    with store.reader() as reader:
        assert reader.texts is store.texts is not None
        remembered = reader.json_by_rowid(rowids, lang)
        reader.texts = None
        by_sql = reader.json_by_rowid(rowids, lang)
    return remembered, by_sql


def _agree(store, rng: random.Random, rounds: int = 10) -> None:
    every = sorted(_rowids(store).values())
    for _ in range(rounds):
        picked = rng.sample(every, 30)
        for lang in LANGS:
            remembered, by_sql = _both(store, picked, lang)
            assert remembered == by_sql and set(remembered) == set(picked)


def _name(store, fid: str, lang: str = "en", memory: bool = True) -> str | None:
    with store.reader() as reader:
        if not memory:
            reader.texts = None
        text = reader.feature_json("places", fid, lang)
    return None if text is None else text.split('"name":"', 1)[1].split('"', 1)[0]


def test_the_memory_answers_what_sql_answers_and_reads_each_text_once(loaded, sql_reads):
    rng = random.Random(1)
    _agree(loaded, rng)
    asked_first = sum(sql_reads)
    assert 0 < asked_first <= 140 * 3  # each feature's text at most once per language
    sql_reads.clear()
    _agree(loaded, rng)
    assert sum(sql_reads) <= 140 * 3 - asked_first  # only what was not read before
    sql_reads.clear()
    every = sorted(_rowids(loaded).values())
    for lang in LANGS:
        _both(loaded, every, lang)
    sql_reads.clear()
    _agree(loaded, rng)
    assert sql_reads == []  # all of it from memory now
    assert len(loaded.texts) == 140
    with loaded.reader() as reader:  # a page and one feature, as SQL gives them
        remembered = reader.page(PLACES, "sv", 60, 30), reader.feature_json(
            "places", "test-l03", "tn")
        reader.texts = None
        assert remembered == (reader.page(PLACES, "sv", 60, 30),
                              reader.feature_json("places", "test-l03", "tn"))
    assert remembered[0][1] == 60


def test_every_kind_of_write_is_seen_and_only_the_changed_are_read_again(loaded, sql_reads,
                                                                          tmp_path):
    every = sorted(_rowids(loaded).values())
    _both(loaded, every, "en")
    assert _name(loaded, "test-l03") == "Test place test-l03"
    sql_reads.clear()
    features = {f["id"]: f for f in mixed_features()}
    renamed = features["test-l03"]
    renamed["properties"].update(name_sv="Nytt namn", name_en="A new name")
    moved = features["test-a05"]
    moved["geometry"] = None  # now to be surveyed
    moved["properties"]["accuracy"] = "unknown"
    loader.load(loaded, [write_geojson(tmp_path / "more.geojson", [
        renamed, moved, place("test-p-new", 16.05, 61.025)])])
    gone = next(f for f in features if f.startswith("test-p"))
    with loaded.writer() as w:
        w.delete_feature("places", gone)
    assert _name(loaded, "test-l03") == "A new name" == _name(loaded, "test-l03", memory=False)
    assert _name(loaded, "test-l03", "sv") == "Nytt namn"
    assert _name(loaded, gone) is None
    assert _name(loaded, "test-p-new") == _name(loaded, "test-p-new", memory=False)
    now = _rowids(loaded)
    remembered, by_sql = _both(loaded, sorted(now.values()), "en")
    assert remembered == by_sql and len(remembered) == 140
    assert '"geometry":null' in remembered[now["test-a05"]]
    # Read again by SQL for the page: the moved one only (the others were read by id
    # above, and the rest kept).
    assert sql_reads == [1]
    assert len(loaded.texts) == 140


def test_many_writes_or_a_restore_forget_everything(loaded, sql_reads, tmp_path, monkeypatch):
    every = sorted(_rowids(loaded).values())
    _both(loaded, every, "sv")
    assert len(loaded.texts) == 140
    monkeypatch.setattr(texts_module, "FORGET_LIMIT", 3)
    loader.load(loaded, [write_geojson(tmp_path / "many.geojson", [
        place(f"test-q{i}", 16.01 + i / 1000, 61.01) for i in range(4)])])
    _agree(loaded, random.Random(2), 1)
    assert len(loaded.texts) == 30  # forgotten, then the 30 read since
    _both(loaded, every, "sv")
    with loaded.writer() as w:  # what flask restore does after putting the file back
        w.conn.execute("DELETE FROM features WHERE id = 'test-q0'")
        w.jump_change_sequence(1000)
    sql_reads.clear()
    with loaded.reader() as reader:
        assert reader.feature_json("places", "test-q0", "sv") is None
    assert len(loaded.texts) == 0
    _agree(loaded, random.Random(3), 2)


def test_a_snapshot_older_than_the_memory_is_answered_by_sql(loaded, tmp_path):
    assert _name(loaded, "test-l03") == "Test place test-l03"
    renamed = next(f for f in mixed_features() if f["id"] == "test-l03")
    renamed["properties"].update(name_sv="Senare", name_en="Later")
    with loaded.reader() as old:
        assert old.feature_json("places", "test-l03", "en") is not None  # snapshot starts
        loader.load(loaded, [write_geojson(tmp_path / "later.geojson", [renamed])])
        assert _name(loaded, "test-l03") == "Later"  # a newer reader moves the memory on
        text = old.feature_json("places", "test-l03", "en")
        assert '"name":"Test place test-l03"' in text  # the old snapshot's own, by SQL
        rowid = _rowids(loaded)["test-l03"]
        assert '"name":"Test place test-l03"' in old.json_by_rowid([rowid], "en")[rowid]
    assert _name(loaded, "test-l03") == "Later"


def test_the_memory_keeps_within_its_bound(app, loaded):
    small = texts_module.FeatureTexts(20_000)
    loaded.texts = small
    every = sorted(_rowids(loaded).values())
    for lang in LANGS:
        remembered, by_sql = _both(loaded, every, lang)
        assert remembered == by_sql
        assert 0 < small.size_bytes <= 20_000 and 0 < len(small) < 140
    recent = every[-5:]  # the last read are the last to go
    with loaded.reader() as reader:
        reader.json_by_rowid(recent, "tn")
    assert all(r in small._entries for r in recent)


def test_no_memory_when_its_size_is_zero(tmp_path):
    app = create_app(settings_in(tmp_path, FEATURE_MEMORY_MB=0))
    store = app.extensions["trailapp"].store
    try:
        with store.reader() as reader:
            assert reader.texts is None
            assert reader.page(PLACES, "en", 10, 0) == ("", 0)
    finally:
        store.close()


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "flask"])
def test_each_address_gets_its_own_absolute_links_from_the_memory(tmp_path, fast):
    """The memory keeps a view per base URL: a feature read first at one host is never
    served with that host's links at another (a page, one feature, both paths)."""
    app = create_app(settings_in(tmp_path, RESPONSE_CACHE_MB=0, FAST_READS=fast))
    store = app.extensions["trailapp"].store
    loader.load(store, [write_geojson(tmp_path / "mixed.geojson", mixed_features())])
    client = app.test_client()
    try:
        for host in ("a.example.org", "b.example.org:8443", "a.example.org"):
            for url in ("/collections/places/items?limit=20",
                        "/collections/places/items?bbox=16.0,61.0,16.1,61.05&limit=20",
                        "/collections/places/items/test-l03"):
                response = client.get(url, headers={"Host": host})
                assert response.status_code == 200
                hrefs = response.get_data(as_text=True).split('"href":"')[1:]
                assert len(hrefs) > 3  # the features' own links and the page's
                assert all(h.startswith(f"http://{host}/") for h in hrefs), (host, url)
        assert {base for _lang, base in store.texts._views} == {  # both were kept
            "http://a.example.org", "http://b.example.org:8443"}
    finally:
        store.close()
