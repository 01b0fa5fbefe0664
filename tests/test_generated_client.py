"""A client generated from /api with openapi-python-client runs the app's main journey
against a served app: list packs, download one, places near a point, a place with its
stories, submit with a retry, status, erase, sync (issue 11). The generator runs
offline, once per session, into pytest's temporary folder."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from helpers.app import settings_in
from helpers.contributions import PLACE
from helpers.organisers import add_organiser, token_headers

from trailapp import create_app
from trailapp.http.openapi import build_document

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """The generated package, imported (package name from info.x-package-name)."""
    folder = tmp_path_factory.mktemp("client")
    app = create_app(settings_in(folder))
    try:
        doc = build_document(app)
    finally:
        app.extensions["trailapp"].store.close()
    name = doc["info"]["x-package-name"]
    (folder / "api.json").write_text(json.dumps(doc), encoding="utf-8")
    (folder / "config.yml").write_text(
        f"project_name_override: {name.replace('_', '-')}\npackage_name_override: {name}\n"
        "post_hooks: []\n", encoding="utf-8")
    run = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(folder / "api.json"), "--config",
         str(folder / "config.yml"), "--meta", "none", "--output-path", str(folder / name)],
        capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(folder))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


class _Tag:
    """The operations of one tag: tag.operation is the generated module."""

    def __init__(self, package, tag: str) -> None:
        self.prefix = f"{package.__name__}.api.{tag}"

    def __getattr__(self, operation: str):
        return importlib.import_module(f"{self.prefix}.{operation}")


def api(package, tag: str) -> _Tag:
    return _Tag(package, tag)


def test_the_main_journey_through_a_generated_client(generated, served, geo_app):
    models = importlib.import_module(f"{generated.__name__}.models")
    client = generated.Client(base_url=served.url)
    offline, ogc, mine = (api(generated, m) for m in
                          ("offline", "ogc_api_features", "contributions"))

    # packs: list them, download one whole
    packs = offline.list_packs.sync(client=client)
    assert isinstance(packs, models.PackList)
    bollnas = next(p for p in packs.packs if p.id == "bollnas")
    assert bollnas.href.startswith(served.url + "/packs/bollnas")
    data = client.get_httpx_client().get(bollnas.href).content
    assert len(data) == bollnas.bytes_
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()

    # places near a point, nearest first, typed
    near = ogc.list_places.sync(client=client, near="16.367889,61.532361", radius=500)
    assert isinstance(near, models.PlaceCollection)
    first = near.features[0]
    assert first.id == PLACE and first.properties.distance_m == 0
    assert first.properties.municipality.value == "bollnas"

    # submit, then retry with the same Idempotency-Key from the same install
    key, install = str(uuid.uuid4()), uuid.uuid4().hex
    body = models.SubmissionModel(
        kind=models.SubmissionModelKind.STORY, place=PLACE,
        lang=models.SubmissionModelLang.SV, title="Min farmors gård",
        body="Vi var här i somras och tittade på målningarna.", pseudonym="Modig Lo 42",
        age_band=models.SubmissionModelAgeBand("13-15"),
        consent_by=models.SubmissionModelConsentBy.SELF,
        consent_notice_version=mine.get_privacy_notice.sync(client=client).version)
    submitted = mine.submit_contribution.sync_detailed(
        client=client, body=body, idempotency_key=key, x_install_id=install)
    assert submitted.status_code == 201, submitted.content
    receipt = submitted.parsed
    assert isinstance(receipt, models.Receipt) and receipt.replayed is False
    assert receipt.place.href == f"{served.url}/collections/places/items/{PLACE}"
    retry = mine.submit_contribution.sync_detailed(
        client=client, body=body, idempotency_key=key, x_install_id=install)
    assert retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.parsed.id == receipt.id and retry.parsed.token == receipt.token

    # an organiser approves it: the place now has a story
    store = geo_app.extensions["trailapp"].store
    organiser_token = token_headers(store, add_organiser(store, "gen", "moderator"))[
        "Authorization"].removeprefix("Bearer ")
    organiser = generated.AuthenticatedClient(base_url=served.url, token=organiser_token)
    approved = api(generated, "organisers").approve_contribution.sync_detailed(
        receipt.id, client=organiser, body=models.ApproveBody())
    assert approved.status_code == 200, approved.content
    place = ogc.get_place.sync(PLACE, client=client)
    assert isinstance(place, models.PlaceFeature) and place.properties.stories.count == 1
    stories = ogc.list_stories.sync(client=client, place=PLACE)
    assert isinstance(stories, models.StoryCollection)
    [story] = stories.features
    assert story.properties.name == "Min farmors gård"
    assert story.properties.place.id == PLACE

    # status with the token, then erase
    own = generated.AuthenticatedClient(base_url=served.url, token=receipt.token)
    status = mine.get_own_contribution.sync(receipt.id, client=own)
    assert isinstance(status, models.ContributionStatus)
    assert status.status.value == "approved" and status.title == "Min farmors gård"
    assert mine.erase_own_contribution.sync_detailed(receipt.id, client=own).status_code == 204
    gone = mine.get_own_contribution.sync_detailed(receipt.id, client=own)
    assert gone.status_code == 404 and gone.parsed.code.value == "NotFound"

    # sync from the pack's cursor: the story came and went
    page = offline.sync_changes.sync(client=client, since=bollnas.cursor)
    assert isinstance(page, models.SyncPage)
    kinds = {(type(c).__name__, c.id) for c in page.changes}
    assert ("Delete", receipt.id) in kinds
    assert any(isinstance(c, models.UpsertPlace) and c.feature.properties.name
               for c in page.changes)
