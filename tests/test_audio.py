"""Audio is decoded and encoded anew (issue 10, findings 1 and 9): no tag of the upload,
wherever it hides, reaches the stored file, and the length is measured, never read
from a header. Checked on real files with exiftool and `strings`."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import av
import pytest
from helpers.contributions import bearer, post_files, stored_files, story
from helpers.media_files import (
    encode_sine,
    m4a,
    m4a_with_xmp,
    mp3,
    mp3_with_a_lying_xing_header,
    mp3_with_trailing_tags,
    mp3s_joined_with_a_tag_between,
    ogg_chained,
    ogg_opus,
    wav,
    wav_two_data_chunks,
)
from helpers.packs import pack_info
from helpers.store import count

from trailapp import moderation
from trailapp.audio import clean_audio
from trailapp.media import Limits, MediaError, MediaStore

MARKER = "Kalle Spionsson"  # a fake creator's name, hidden in each upload

# What exiftool may report of a stored sound: technical fields only. Dates must be zero.
TECHNICAL = {
    "File:FileType", "File:FileTypeExtension", "File:MIMEType",
    "QuickTime:MajorBrand", "QuickTime:MinorVersion", "QuickTime:CompatibleBrands",
    "QuickTime:MediaDataSize", "QuickTime:MediaDataOffset", "QuickTime:MovieHeaderVersion",
    "QuickTime:CreateDate", "QuickTime:ModifyDate", "QuickTime:TimeScale",
    "QuickTime:Duration", "QuickTime:PreferredRate", "QuickTime:PreferredVolume",
    "QuickTime:MatrixStructure", "QuickTime:PreviewTime", "QuickTime:PreviewDuration",
    "QuickTime:PosterTime", "QuickTime:SelectionTime", "QuickTime:SelectionDuration",
    "QuickTime:CurrentTime", "QuickTime:NextTrackID", "QuickTime:HandlerType",
    "QuickTime:HandlerVendorID",
    "Track1:TrackHeaderVersion", "Track1:TrackCreateDate", "Track1:TrackModifyDate",
    "Track1:TrackID", "Track1:TrackDuration", "Track1:TrackLayer", "Track1:TrackVolume",
    "Track1:MatrixStructure", "Track1:MediaHeaderVersion", "Track1:MediaCreateDate",
    "Track1:MediaModifyDate", "Track1:MediaTimeScale", "Track1:MediaDuration",
    "Track1:MediaLanguageCode", "Track1:HandlerType", "Track1:HandlerDescription",
    "Track1:Balance", "Track1:AudioFormat", "Track1:AudioChannels",
    "Track1:AudioBitsPerSample", "Track1:AudioSampleRate", "Composite:AvgBitrate",
}
NEUTRAL = {"Track1:HandlerDescription": "SoundHandler", "QuickTime:HandlerType": "Metadata",
           "QuickTime:HandlerVendorID": "Apple", "Track1:MediaLanguageCode": "und"}


def exiftool(path) -> dict:
    """Every tag exiftool finds in a file, as 'Group:Tag' -> value (file system ones aside)."""
    out = subprocess.run(["exiftool", "-j", "-a", "-G1", "-s", str(path)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return {k: v for k, v in json.loads(out)[0].items()
            if k != "SourceFile" and not k.startswith(("System:", "ExifTool:"))}


def strings(path) -> str:
    """What `strings` prints for a file: every readable run of 4 characters or more."""
    return subprocess.run(["strings", "-a", str(path)], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def submit(client, name: str, data: bytes) -> tuple[dict, bytes, str]:
    """Post one sound; return the owner's view of it, the served bytes and their type."""
    r = post_files(client, story(), [(name, data)])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    media = client.get(f"/contributions/{body['id']}",
                       headers=bearer(body["token"])).get_json()["media"][0]
    served = client.get(media["href"], headers=bearer(body["token"]))
    assert served.status_code == 200
    return body | {"media": media}, served.data, served.mimetype


def decoded_seconds(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as c:
        stream = c.streams.audio[0]
        return sum(f.samples for f in c.decode(stream)) / stream.rate


# -- finding 1: nothing but the sound survives ----------------------------------------

UPLOADS = [
    pytest.param("voice.m4a", lambda: m4a_with_xmp(MARKER), 2.0, id="m4a-xmp-uuid-box"),
    pytest.param("song.mp3", lambda: mp3_with_trailing_tags(MARKER), 2.0,
                 id="mp3-lyrics3v2-and-appended-id3v24"),
    pytest.param("joined.mp3", lambda: mp3s_joined_with_a_tag_between(MARKER), 3.0,
                 id="two-mp3s-with-id3-between"),
    pytest.param("walk.ogg", lambda: ogg_chained(MARKER), 3.0,
                 id="chained-ogg-second-stream-comments"),
    pytest.param("walk.opus", lambda: ogg_opus(comment="TITLE=" + MARKER * 4000), 2.0,
                 id="ogg-comments-across-pages"),
    pytest.param("plain.mp3", lambda: mp3(title=MARKER), 2.0, id="mp3-id3v2-and-id3v1"),
    pytest.param("plain.m4a", lambda: m4a(title=MARKER), 2.0, id="m4a-udta-tags"),
    pytest.param("voice.wav", lambda: wav(1.0, info=MARKER.encode()), 1.0,
                 id="wav-list-info"),
]


@pytest.mark.parametrize("name, make, seconds", UPLOADS)
def test_a_stored_sound_holds_nothing_but_technical_fields(app, geo_client, tmp_path,
                                                           name, make, seconds):
    original = make()
    upload = tmp_path / name
    upload.write_bytes(original)
    assert MARKER in strings(upload)  # the marker is there to be found before

    body, served, media_type = submit(geo_client, name, original)

    [stored] = stored_files(app)
    assert stored.read_bytes() == served
    assert stored.suffix == ".m4a" and media_type == "audio/mp4"
    assert body["media"]["type"] == "audio/mp4"
    assert MARKER not in strings(stored)
    assert "Lavf" not in strings(stored)  # no encoder string either
    tags = exiftool(stored)
    assert set(tags) <= TECHNICAL, set(tags) - TECHNICAL
    assert tags["File:MIMEType"] == "audio/mp4" and tags["Track1:AudioFormat"] == "mp4a"
    assert {k: tags[k] for k in NEUTRAL} == NEUTRAL
    assert {v for k, v in tags.items() if k.endswith("Date")} == {"0000:00:00 00:00:00"}
    assert decoded_seconds(served) == pytest.approx(seconds, abs=0.1)


def test_exiftool_finds_the_hidden_tags_in_the_uploads(tmp_path):
    """The check above can fail: exiftool reads these very tags in the uploads (tags
    it does not look for, such as those appended to an MP3, `strings` finds)."""
    for name, data in [("x.m4a", m4a_with_xmp(MARKER)), ("p.m4a", m4a(title=MARKER))]:
        (tmp_path / name).write_bytes(data)
        found = exiftool(tmp_path / name)
        assert MARKER in json.dumps(found)
        assert set(found) - TECHNICAL
    dates = exiftool(tmp_path / "p.m4a")
    assert dates["QuickTime:CreateDate"] == "2024:05:17 14:03:00"
    assert dates["Track1:HandlerDescription"] == "Lisa's recorder"
    assert "XMP-exif:GPSLatitude" in exiftool(tmp_path / "x.m4a")


def test_a_full_pack_carries_the_cleaned_sound(app, geo_client, store):
    body, served, _ = submit(geo_client, "song.mp3", mp3_with_trailing_tags(MARKER))
    moderation.approve(store, body["id"])
    info = pack_info(geo_client, "bollnas", media="full")
    archive = zipfile.ZipFile(io.BytesIO(geo_client.get(info["href"]).data))
    name = body["media"]["href"].removeprefix("http://localhost/media/")
    packed = archive.read("media/" + name)
    assert packed == served and MARKER.encode() not in packed


def test_stereo_stays_stereo_and_mono_stays_mono(tmp_path):
    stereo = clean_audio(encode_sine("ogg", "libopus", 1.0, rate=48000, layout="stereo"),
                         "audio/ogg", 180)
    mono = clean_audio(wav(1.0), "audio/x-wav", 180)
    for data, channels in ((stereo.data, 2), (mono.data, 1)):
        with av.open(io.BytesIO(data)) as c:
            assert c.streams.audio[0].codec_context.channels == channels
            assert c.streams.audio[0].codec_context.name == "aac"


# -- finding 9: the length is measured -------------------------------------------------


def test_a_lying_xing_header_does_not_shorten_the_measured_length(geo_client, store):
    data = mp3_with_a_lying_xing_header(6.0, claimed_frames=10)  # claims 0.26 s
    body, served, _ = submit(geo_client, "long.mp3", data)
    with store.reader() as r:
        [row] = r.media_of(body["id"])
    assert row["duration_s"] == pytest.approx(6.0, abs=0.05)
    assert decoded_seconds(served) == pytest.approx(6.0, abs=0.1)


def test_a_wav_with_two_data_chunks_is_stored_as_long_as_it_was_measured(geo_client, store):
    """Regression (was refused): a second data chunk played on past the measured length.
    Now the stored sound is the decoded one, so its length is the one measured."""
    body, served, _ = submit(geo_client, "two.wav", wav_two_data_chunks())
    with store.reader() as r:
        [row] = r.media_of(body["id"])
    assert decoded_seconds(served) == pytest.approx(row["duration_s"], abs=0.05)


def test_a_sound_longer_than_the_limit_is_refused_whatever_its_header_says(tmp_path):
    media = MediaStore(tmp_path / "media")
    data = mp3_with_a_lying_xing_header(6.0, claimed_frames=10)
    with pytest.raises(MediaError) as refused:
        media.process("media", io.BytesIO(data), Limits(audio_seconds=5))
    assert refused.value.status == 413
    assert refused.value.errors == [{"field": "media",
                                     "message": "audio may be at most 5 seconds long"}]
    assert not (tmp_path / "media").exists()


def test_undecodable_audio_is_refused_naming_the_field(app, geo_client, store):
    junk = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 40  # a tag, no frames
    r = post_files(geo_client, story(), [("junk.mp3", junk)])
    assert r.status_code == 422
    assert r.get_json()["errors"] == [{"field": "media",
                                       "message": "the audio file could not be decoded"}]
    assert count(store, "contributions") == 0 and stored_files(app) == []


def test_decoding_stops_when_its_time_is_up():
    from trailapp.audio import AudioRefused

    with pytest.raises(AudioRefused) as refused:
        clean_audio(mp3(1.0), "audio/mpeg", 180, max_decode_s=0)
    assert refused.value.status == 422


def test_a_full_disk_while_encoding_is_507_not_a_bad_file(app, geo_client, store,
                                                          monkeypatch):
    """FFmpeg reports a full disk as its own OSError: that is no fault of the upload."""
    import errno

    from trailapp import audio

    real_open = av.open

    def open_on_a_full_disk(target, mode="r", **options):
        if mode == "w":
            raise av.error.OSError(errno.ENOSPC, "No space left on device")
        return real_open(target, mode, **options)

    monkeypatch.setattr(audio.av, "open", open_on_a_full_disk)
    r = post_files(geo_client, story(), [("v.wav", wav(0.5))])
    assert r.status_code == 507
    assert count(store, "contributions") == 0 and stored_files(app) == []
