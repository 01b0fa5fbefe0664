"""Real media files for the tests, made with Pillow and the standard library."""

from __future__ import annotations

import io
import random
import struct
import wave
import zlib

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base

GPS_POSITION = {GPS.GPSLatitudeRef: "N", GPS.GPSLatitude: (61.0, 20.0, 54.0),
                GPS.GPSLongitudeRef: "E", GPS.GPSLongitude: (16.0, 23.0, 18.0)}


def jpeg_with_gps(width: int = 640, height: int = 480, orientation: int = 6) -> bytes:
    """A JPEG whose EXIF holds a GPS position, a camera, a comment and an orientation."""
    img = Image.new("RGB", (width, height), (200, 30, 30))
    img.paste((30, 30, 200), (0, 0, width // 2, height // 4))  # a mark to see rotation
    exif = Image.Exif()
    exif[Base.Make] = "TestCam"
    exif[Base.Model] = "Phone 12"
    exif[Base.ImageDescription] = "Lisa Andersson at home"
    exif[Base.Orientation] = orientation
    exif.get_ifd(IFD.GPSInfo).update(GPS_POSITION)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, quality=90,
             icc_profile=b"\0" * 128, comment=b"a private comment")
    return out.getvalue()


def png(width: int = 32, height: int = 32, alpha: bool = True) -> bytes:
    img = Image.new("RGBA" if alpha else "RGB", (width, height), (0, 128, 0, 128))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def decompression_bomb_png(side: int = 100_000) -> bytes:
    """A tiny PNG whose header claims side×side pixels (10 gigapixels by default)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + \
        chunk(b"IEND", b"")


def wav(seconds: float = 1.0, rate: int = 8000, info: bytes | None = b"Lisa's phone") -> bytes:
    """A mono 16-bit WAV; with a LIST/INFO chunk holding a name when info is given."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * int(seconds * rate))
    data = out.getvalue()
    if info is None:
        return data
    text = info + b"\0" * (1 + len(info) % 2)
    sub = b"INAM" + struct.pack("<I", len(info) + 1) + text
    chunk = b"LIST" + struct.pack("<I", 4 + len(sub)) + b"INFO" + sub
    body = data[8:] + chunk
    return b"RIFF" + struct.pack("<I", len(body)) + body


HTML_AS_JPG = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"


# -- real audio, encoded with PyAV (FFmpeg's libraries), then tampered with ------------

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")  # the XMP box's uuid


def encode_sine(fmt: str, codec: str, seconds: float = 2.0, rate: int = 44100,
                layout: str = "mono", metadata: dict | None = None,
                stream_metadata: dict | None = None, options: dict | None = None) -> bytes:
    """A 440 Hz tone of the given length, encoded and muxed by FFmpeg with the given
    container and stream metadata (as a phone's recorder writes it)."""
    import av
    import numpy as np

    out = io.BytesIO()
    with av.open(out, "w", format=fmt, options=options or {}) as container:
        container.metadata.update(metadata or {})
        stream = container.add_stream(codec, rate=rate, layout=layout)
        stream.metadata.update(stream_metadata or {})
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout=layout,
                                      rate=rate, frame_size=stream.codec_context.frame_size
                                      or None)
        n = int(seconds * rate)
        tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)).astype(np.int16)
        channels = 1 if layout == "mono" else 2
        frame = av.AudioFrame.from_ndarray(np.repeat(tone, channels)[None, :], format="s16",
                                           layout=layout)
        frame.sample_rate = rate
        for chunk in resampler.resample(frame) + resampler.resample(None):
            container.mux(stream.encode(chunk))
        container.mux(stream.encode(None))
    return out.getvalue()


def _syncsafe(size: int) -> bytes:
    return bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])


def id3v2(text: str, version: int = 3, footer: bool = False) -> bytes:
    """An ID3v2 tag with an artist and a comment-like user text (v2.3 or v2.4; a v2.4
    tag appended at the end of a file carries a footer so readers find it backwards)."""
    def frame(kind: bytes, payload: bytes) -> bytes:
        size = _syncsafe(len(payload)) if version == 4 else struct.pack(">I", len(payload))
        return kind + size + b"\x00\x00" + payload
    frames = (frame(b"TPE1", b"\x03" + text.encode())
              + frame(b"TXXX", b"\x03GPS\x00" + text.encode()))
    flags = 0x10 if footer else 0
    header = b"ID3" + bytes([version, 0, flags]) + _syncsafe(len(frames))
    return header + frames + (b"3DI" + header[3:] if footer else b"")


def lyrics3v2(text: str) -> bytes:
    """A Lyrics3 v2.00 block (fields, a six-digit size, LYRICS200), as players append it."""
    fields = b"IND00002" + b"10" + b"LYR" + b"%05d" % len(text) + text.encode()
    body = b"LYRICSBEGIN" + fields
    return body + b"%06d" % len(body) + b"LYRICS200"


def mp3(seconds: float = 2.0, title: str = "Lisa's song") -> bytes:
    """An MP3 (LAME) with a title in its ID3v2 tag and in an ID3v1 tag at the end."""
    return encode_sine("mp3", "libmp3lame", seconds, metadata={"title": title},
                       options={"write_id3v1": "1"})


def mp3_with_trailing_tags(marker: str, seconds: float = 2.0) -> bytes:
    """An MP3 followed by a Lyrics3v2 block and then an ID3v2.4 tag with a footer."""
    return mp3(seconds) + lyrics3v2(marker) + id3v2(marker, version=4, footer=True)


def mp3s_joined_with_a_tag_between(marker: str, seconds: float = 1.5) -> bytes:
    """Two MP3 files joined end to end: the second one's ID3v2 tag sits mid-stream."""
    second = encode_sine("mp3", "libmp3lame", seconds, options={"id3v2_version": "0",
                                                                "write_xing": "0"})
    return mp3(seconds) + id3v2(marker) + second


def mp3_with_a_lying_xing_header(seconds: float, claimed_frames: int = 10) -> bytes:
    """An MP3 whose Xing/Info header claims claimed_frames frames (26 ms each) whatever
    it really holds, and no ID3 tag."""
    data = bytearray(encode_sine("mp3", "libmp3lame", seconds,
                                 options={"id3v2_version": "0"}))
    at = max(data.find(b"Xing"), data.find(b"Info"))
    assert 0 < at < 200 and data[at + 7] & 1  # the frames field is present
    data[at + 8:at + 12] = struct.pack(">I", claimed_frames)
    return bytes(data)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def m4a(seconds: float = 2.0, title: str = "Lisa's voice") -> bytes:
    """An M4A (AAC) with a title and a creation time, as phones write them."""
    return encode_sine("ipod", "aac", seconds,
                       metadata={"title": title, "creation_time": "2024-05-17T14:03:00Z"},
                       stream_metadata={"handler_name": "Lisa's recorder"})


def m4a_with_xmp(marker: str, seconds: float = 2.0) -> bytes:
    """An M4A with an XMP uuid box (creator and GPS position) at its end, where cameras
    and editors put it; chunk offsets into mdat stay true."""
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
           '"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
           ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
           ' xmlns:exif="http://ns.adobe.com/exif/1.0/"'
           f' exif:GPSLatitude="61,20.9N" exif:GPSLongitude="16,23.3E">'
           f'<dc:creator><rdf:Seq><rdf:li>{marker}</rdf:li></rdf:Seq></dc:creator>'
           '</rdf:Description></rdf:RDF></x:xmpmeta>')
    return m4a(seconds) + _box(b"uuid", XMP_UUID + xmp.encode())


def ogg_opus(seconds: float = 2.0, comment: str = "Lisa's walk",
             serial_offset: int = 0) -> bytes:
    """An Ogg Opus stream whose comment header holds a title."""
    return encode_sine("ogg", "libopus", seconds, rate=48000, metadata={"title": comment},
                       options={"serial_offset": str(serial_offset)})


def ogg_chained(marker: str, seconds: float = 1.5) -> bytes:
    """Two Ogg Opus streams chained one after the other (as a stream recorder writes
    them); only the second one's comment header holds the marker."""
    return (ogg_opus(seconds, comment="first") +
            ogg_opus(seconds, comment=f"ARTIST={marker}", serial_offset=99))


# -- files that must be refused (hostile or broken) ------------------------------------


def gif() -> bytes:
    """A real GIF: an image, but not a type the service takes."""
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, format="GIF")
    return out.getvalue()


SVG_WITH_SCRIPT = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>fetch("/contributions")</script><rect width="10" height="10"/>'
                   b'</svg>')


def zip_archive() -> bytes:
    """A ZIP holding one JPEG (an archive is not a photo, whatever it holds)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("photo.jpg", jpeg_with_gps(16, 16))
    return out.getvalue()


def mp4_video(seconds: int = 2) -> bytes:
    """An MP4 with a video brand (isom/avc1): a film, not a sound."""
    ftyp = _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41")
    mvhd = _box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, 1000,
                                                          seconds * 1000) + bytes(80))
    return ftyp + _box(b"moov", mvhd) + _box(b"mdat", bytes(2000))


def truncated_jpeg() -> bytes:
    """A JPEG with a valid header, cut in half."""
    data = jpeg_with_gps(320, 240, orientation=1)
    return data[:len(data) // 2]


def wav_broken_header() -> bytes:
    """RIFF/WAVE magic, then a 'fmt ' chunk too short to hold a format."""
    body = b"WAVE" + b"fmt " + struct.pack("<I", 4) + bytes(4)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def wav_two_data_chunks(long_s: int = 200, short_s: int = 1, rate: int = 800) -> bytes:
    """A WAV with a long 'data' chunk and then a short one: a reader that measures the
    last chunk sees a short sound, a player that plays the first plays a long one."""
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    chunks = b"".join(b"data" + struct.pack("<I", rate * 2 * s) + bytes(rate * 2 * s)
                      for s in (long_s, short_s))
    body = b"WAVE" + fmt + chunks
    return b"RIFF" + struct.pack("<I", len(body)) + body


def photo(width: int = 800, height: int = 600, seed: int = 1) -> bytes:
    """A camera-like JPEG: noisy pixels, so that it stays large after cleaning."""
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()
