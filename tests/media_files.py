"""Real media files for the tests, made with Pillow and the standard library."""

from __future__ import annotations

import io
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
