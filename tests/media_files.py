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


# -- audio containers built byte by byte (no encoder is installed here) ---------------


def mp3(frames: int = 100, title: bytes = b"Lisa's song") -> bytes:
    """An MPEG-1 Layer III stream of silent 128 kbit/s frames (26 ms each) behind an
    ID3v2 tag holding a title, and an ID3v1 tag at the end."""
    header = bytes([0xFF, 0xFB, 0x90, 0x64])  # MPEG1 L3, 128 kbit/s, 44.1 kHz, no pad
    frame = header + bytes(417 - 4)
    text = b"\x00" + title
    tit2 = b"TIT2" + struct.pack(">I", len(text)) + b"\x00\x00" + text
    size = len(tit2)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F,
                      size & 0x7F])
    id3v2 = b"ID3\x03\x00\x00" + syncsafe + tit2
    id3v1 = b"TAG" + title.ljust(30, b"\0") + bytes(128 - 33)
    return id3v2 + frame * frames + id3v1


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def m4a(seconds: int = 2, title: str = "Lisa's voice", location: str = "+61.53+016.36/"
        ) -> bytes:
    """An MP4 audio file (M4A brand) whose moov holds a duration, and udta tags with a
    title and an ISO 6709 location (as phones write them)."""
    ftyp = _box(b"ftyp", b"M4A \x00\x00\x00\x00M4A mp42isom")
    mvhd = _box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, 1000,
                                                          seconds * 1000) + bytes(80))
    nam = _box(b"\xa9nam", _box(b"data", struct.pack(">II", 1, 0) + title.encode()))
    meta = _box(b"meta", b"\x00\x00\x00\x00" + _box(b"hdlr", bytes(8) + b"mdirappl"
                                                    + bytes(13)) + _box(b"ilst", nam))
    xyz = _box(b"\xa9xyz", struct.pack(">HH", len(location), 0) + location.encode())
    udta = _box(b"udta", meta + xyz)
    moov = _box(b"moov", mvhd + udta)
    mdat = _box(b"mdat", bytes(2000))
    return ftyp + moov + mdat


def _ogg_page(serial: int, seq: int, granule: int, packet: bytes, flags: int) -> bytes:
    from trailapp.audiotags import _lacing, _ogg_crc

    lacing = _lacing(len(packet))
    header = (b"OggS\x00" + bytes([flags]) + struct.pack("<qII", granule, serial, seq)
              + b"\0\0\0\0" + bytes([len(lacing)]))
    page = header + lacing + packet
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def ogg_opus(seconds: int = 2, comment: bytes = b"TITLE=Lisa's walk") -> bytes:
    """An Ogg Opus stream: head page, a tags page with a comment, one audio page whose
    granule position gives the length (48 kHz)."""
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    vendor = b"test encoder"
    tags = (b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 1)
            + struct.pack("<I", len(comment)) + comment)
    audio = bytes([0xF8, 0xFF, 0xFE])  # one silent CELT frame
    return (_ogg_page(7, 0, 0, head, 2) + _ogg_page(7, 1, 0, tags, 0)
            + _ogg_page(7, 2, 312 + seconds * 48000, audio, 4))


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


def _ogg_raw_page(serial: int, seq: int, granule: int, lacing: list[int], body: bytes,
                  flags: int) -> bytes:
    from trailapp.audiotags import _ogg_crc

    header = (b"OggS\x00" + bytes([flags]) + struct.pack("<qII", granule, serial, seq)
              + b"\0\0\0\0" + bytes([len(lacing)]))
    page = header + bytes(lacing) + body
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def ogg_vorbis_comment_across_pages(seconds: int = 2) -> bytes:
    """Ogg Vorbis whose comment header is split over two pages (as an encoder writes a
    large tag): readable, but its tags cannot be removed from the second page alone."""
    ident = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, 44100, 0, 0, 0, 0xB8, 1)
    comment = b"\x03vorbis" + struct.pack("<I", 244) + b"v" * 244 + struct.pack("<I", 0) + b"\x01"
    return (_ogg_raw_page(3, 0, 0, [len(ident)], ident, 2)
            + _ogg_raw_page(3, 1, 0, [255], comment[:255], 0)
            + _ogg_raw_page(3, 2, 0, [len(comment) - 255], comment[255:], 1)
            + _ogg_raw_page(3, 3, 44100 * seconds, [10], bytes(10), 4))


def photo(width: int = 800, height: int = 600, seed: int = 1) -> bytes:
    """A camera-like JPEG: noisy pixels, so that it stays large after cleaning."""
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()
