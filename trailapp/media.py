"""Media from young people: judged by content, cleaned of metadata, stored safely.

Images (JPEG, PNG, WebP) are decoded under a pixel cap (a decompression bomb is
refused from its header, before decoding), turned upright by their EXIF
orientation, scaled to at most 2048 px and re-encoded without any metadata (no
EXIF, no GPS, no ICC, no XMP), with a thumbnail. Audio (AAC/M4A, MP3, Ogg/Opus,
WAV) is decoded, measured by its samples and re-encoded as AAC in an M4A file with no
metadata (see audio.py). Files get
server-made random names in the media folder, outside any static folder.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import struct
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from PIL import Image, ImageOps

from . import audio
from .errors import MediaError

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
AUDIO_TYPES = set(audio.DEMUXERS)  # accepted uploads; all are stored as audio.MEDIA_TYPE
MAX_PIXELS = 50_000_000     # a 50-megapixel phone photo (JPEG) still passes
MAX_PIXELS_LOSSLESS = 25_000_000  # PNG and WebP decode whole (no JPEG draft mode)
# At most two images are decoded at once per process: a 50-MP decode takes ~150 MB.
_DECODING = threading.BoundedSemaphore(2)
MAX_EDGE = 2048             # stored images are scaled down to this long edge
THUMB_EDGE = 400
JPEG_QUALITY = 85


@dataclass
class Limits:
    """Caps for one request's files."""

    image_bytes: int = 15 * 1024 * 1024
    audio_bytes: int = 20 * 1024 * 1024
    audio_seconds: float = 180.0
    files: int = 5


@dataclass
class Processed:
    """A cleaned file, written under a temporary name until the row is committed."""

    kind: str
    media_type: str
    file: str
    thumb_file: str | None
    bytes: int
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


def sniff(head: bytes) -> str | None:
    """The media type judged from the content, or None."""
    kind = filetype.guess(head)
    return kind.mime if kind else None


#: Every stored name, as _name makes it (and the thumbnail beside a photo): the media
#: route refuses any other name before it looks anything up. Sounds stored before they
#: were re-encoded keep their mp3/aac/ogg/wav names.
NAME = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}(-thumb)?\.(jpg|m4a|mp3|aac|ogg|wav)$")
PART = ".part"  # a file being written; it gets its name only when its row commits


def _name(ext: str) -> str:
    """A random server-made file name in a two-level folder: ab/ab12….ext."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}.{ext}"


def _part(final: Path) -> Path:
    return final.with_name(final.name + PART)


def read_capped(stream: BinaryIO, limits: Limits) -> bytes:
    """An upload's bytes, read up to one byte past the largest file any kind may be (so
    that too large is seen without reading more)."""
    return stream.read(max(limits.image_bytes, limits.audio_bytes) + 1)


class MediaStore:
    """Writes cleaned files into the media folder, atomically and only once committed."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The absolute path of a stored name (names are server-made, never a client's)."""
        return self.root / name

    def open(self, name: str) -> tuple[BinaryIO, int, str]:
        """A stored file opened for reading, its size and a strong ETag. The ETag comes
        from the stored name, which is random and never given to other content; never
        from the file's times, which would tell when it was sent."""
        file = open(self.path(name), "rb")  # noqa: SIM115 - the response closes it
        return file, os.fstat(file.fileno()).st_size, name.rsplit("/", 1)[-1]

    def _write_temp(self, name: str, data: bytes) -> None:
        final = self.path(name)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = _part(final)
        try:
            with open(temp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)  # a full disk leaves no half-written file
            raise

    def publish(self, names: list[str]) -> None:
        """Move written files into place. Called inside the write transaction, just before
        the row commits: if the commit fails, the caller discards them again."""
        for name in names:
            final = self.path(name)
            os.replace(_part(final), final)

    def discard(self, names: list[str]) -> None:
        """Remove files of a failed request, whether or not they were moved in place."""
        for name in names:
            final = self.path(name)
            for p in (final, _part(final)):
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass

    def orphans(self, known: set[str], older_than_s: float, now: float) -> list[str]:
        """Stored names (and .part leftovers) that no database row names, older than
        older_than_s: what a crash between file and commit can leave behind."""
        if not self.root.exists():
            return []
        found = []
        for path in self.root.glob("*/*"):
            name = str(path.relative_to(self.root))
            base = name.removesuffix(PART)
            if base not in known and now - path.stat().st_mtime > older_than_s:
                found.append(base)
        return sorted(set(found))

    def process(self, field: str, stream: BinaryIO, limits: Limits) -> Processed:
        """Check, clean and write one uploaded file (as a .part file)."""
        data = read_capped(stream, limits)
        media_type = sniff(data[:8192])
        if media_type in IMAGE_TYPES:
            if len(data) > limits.image_bytes:
                raise MediaError(413, field, f"images may be at most "
                                 f"{limits.image_bytes // 2**20} MiB")
            return self._image(field, data, media_type)
        if media_type in AUDIO_TYPES:
            if len(data) > limits.audio_bytes:
                raise MediaError(413, field, f"audio may be at most "
                                 f"{limits.audio_bytes // 2**20} MiB")
            return self._audio(field, data, media_type, limits)
        raise MediaError(415, field, "only JPEG, PNG or WebP images and AAC/M4A, MP3, "
                         "Ogg/Opus or WAV audio are accepted (judged by content, not name)")

    def _image(self, field: str, data: bytes, media_type: str) -> Processed:
        full, thumb, size = clean_image(field, data, media_type)
        name = _name("jpg")
        thumb_name = name.replace(".jpg", "-thumb.jpg")
        self._write_temp(name, full)
        try:
            self._write_temp(thumb_name, thumb)
        except BaseException:
            self.discard([name])
            raise
        return Processed("image", "image/jpeg", name, thumb_name, len(full), *size)

    def _audio(self, field: str, data: bytes, media_type: str, limits: Limits) -> Processed:
        try:
            cleaned = audio.clean_audio(data, media_type, limits.audio_seconds)
        except audio.AudioRefused as exc:
            raise MediaError(exc.status, field, exc.message) from exc
        name = _name(audio.EXTENSION)
        self._write_temp(name, cleaned.data)
        return Processed("audio", audio.MEDIA_TYPE, name, None, len(cleaned.data),
                         duration_s=cleaned.duration_s)


def clean_image(field: str, data: bytes, media_type: str
                ) -> tuple[bytes, bytes, tuple[int, int]]:
    """Decode under the pixel cap, turn upright, scale, re-encode without metadata."""
    with _DECODING:
        return _clean_image(field, data, media_type)


def _clean_image(field: str, data: bytes, media_type: str
                 ) -> tuple[bytes, bytes, tuple[int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[media_type]])
            cap = MAX_PIXELS if media_type == "image/jpeg" else MAX_PIXELS_LOSSLESS
            if img.width * img.height > cap:
                raise MediaError(413, field, f"images may have at most "
                                 f"{cap // 1_000_000} megapixels")
            img.draft("RGB", (MAX_EDGE, MAX_EDGE))  # JPEG: decode at a reduced scale
            img = ImageOps.exif_transpose(img)
            img.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaError(413, field, "the image is too large when decoded") from exc
        except (OSError, SyntaxError, ValueError, struct.error) as exc:
            raise MediaError(422, field, "the image could not be decoded") from exc
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    full = _jpeg(img)
    thumb = img.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    return full, _jpeg(thumb), img.size


def _jpeg(img: Image.Image) -> bytes:
    # A fresh image with no info dict: nothing of the original's metadata can follow.
    bare = Image.new(img.mode, img.size)
    bare.paste(img)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
