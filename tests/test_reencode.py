"""Sounds stored before uploads were re-encoded (issue 10, finding 1): `flask
reencode-sounds` encodes them anew, so no tag an old tag-remover missed is served."""

from __future__ import annotations

import subprocess
import uuid

from helpers.contributions import bearer, post_json, story
from helpers.media_files import mp3_with_trailing_tags

from trailapp import moderation


def _old_sound(geo_client, store, media_root, marker: str) -> dict:
    """A published story whose sound was stored as the old pipeline kept it: an MP3
    with a Lyrics3v2 and an appended ID3v2.4 tag still inside."""
    receipt = post_json(geo_client, story(title="Farfars röst")).get_json()
    name = f"ab/{uuid.uuid4().hex}.mp3"
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mp3_with_trailing_tags(marker))
    with store.writer() as w:
        w.insert_media({"id": uuid.uuid4().hex[:24], "contribution_id": receipt["id"],
                        "position": 0, "kind": "audio", "media_type": "audio/mpeg",
                        "file": name, "thumb_file": None, "bytes": path.stat().st_size,
                        "duration_s": 2.0})
    moderation.approve(store, receipt["id"])
    return {**receipt, "old": name}


def test_an_old_sound_is_encoded_anew_and_served_without_its_tags(geo_app, geo_client, store,
                                                                  runner):
    media_root = geo_app.extensions["trailapp"].contributions.media.root
    marker = "Farmor-Ingegerd-Svensson"
    item = _old_sound(geo_client, store, media_root, marker)
    assert marker.encode() in (media_root / item["old"]).read_bytes()

    result = geo_app.test_cli_runner().invoke(args=["reencode-sounds"])
    assert result.exit_code == 0, result.output
    assert "Encoded anew 1 of 1 old sound(s)." in result.output

    feature = geo_client.get(f"/collections/stories/items/{item['id']}").get_json()
    [sound] = feature["properties"]["media"]
    assert sound["type"] == "audio/mp4" and sound["href"].endswith(".m4a")
    served = geo_client.get(sound["href"][sound["href"].index("/media/"):])
    assert served.status_code == 200 and served.mimetype == "audio/mp4"
    assert marker.encode() not in served.data
    assert not (media_root / item["old"]).exists()
    strings = subprocess.run(["strings", "-n", "6"], input=served.data, capture_output=True,
                             check=True).stdout
    assert marker.encode() not in strings
    status = geo_client.get(f"/contributions/{item['id']}", headers=bearer(item["token"]))
    assert status.get_json()["media"][0]["type"] == "audio/mp4"

    again = geo_app.test_cli_runner().invoke(args=["reencode-sounds"])
    assert "Encoded anew 0 of 0 old sound(s)." in again.output
