"""A pack on disk without its media: the zip's own bytes (headers, GeoJSON, texts,
central directory) in one "head" file, and a layout saying which byte ranges of the
zip come from the head and which from a file in the media folder.

Media entries are STORED (photos and sounds are compressed already), so their bytes
sit in the zip unchanged and every language and media variant of a pack reads them
from the one copy the media folder holds: nothing is copied per variant. The reader
puts the zip back together on the fly, byte for byte, and seeks anywhere in it, so
Range requests need no whole file either.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

ZIP_TIME = (2020, 1, 1, 0, 0, 0)
CHUNK = 1 << 20

#: One run of the zip's bytes: [length, "head", offset in the head file] or
#: [length, "media", stored media name].
Segment = list[Any]


class Stale(Exception):
    """A media file the layout names is gone or has another size: build the pack again."""


class _Recorder:
    """A seekable sink for zipfile: bytes go to the head file, except while `media`
    names a media file, when only their length is noted in the layout."""

    def __init__(self, head: BinaryIO):
        self.head = head
        self.head_size = 0
        self.segments: list[Segment] = []
        self.starts: list[int] = []
        self.pos = 0
        self.end = 0
        self.media: str | None = None

    def tell(self) -> int:
        return self.pos

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else self.end + pos if whence == 2 else self.pos + pos
        return self.pos

    def flush(self) -> None:
        self.head.flush()

    def write(self, data: Any) -> int:
        n = len(data)
        if self.pos < self.end:  # zipfile rewriting a local header with CRC and sizes
            i = bisect.bisect_right(self.starts, self.pos) - 1
            length, kind, offset = self.segments[i]
            if kind != "head" or self.pos + n > self.starts[i] + length:
                raise ValueError("a rewrite may only touch bytes of the head")
            self.head.seek(offset + self.pos - self.starts[i])
            self.head.write(data)
            self.head.seek(self.head_size)
        else:
            if self.media is None:
                self.head.write(data)
                self.head_size += n
            last = self.segments[-1] if self.segments else None
            if last and last[1] == ("media" if self.media else "head") and (
                    self.media is None or last[2] == self.media):
                last[0] += n
            else:
                self.starts.append(self.end)
                self.segments.append([n, "media", self.media] if self.media else
                                     [n, "head", self.head_size - n])
        self.pos += n
        self.end = max(self.end, self.pos)
        return n


def write_zip(head: BinaryIO, files: dict[str, bytes | Path], media_name: Callable[[Path], str]
              ) -> list[Segment]:
    """Write the archive of files (manifest.json first, then sorted names) into head,
    leaving out the bytes of media files (the Path values); return the layout.
    media_name gives the stored name a media file is read back by."""
    recorder = _Recorder(head)
    with zipfile.ZipFile(recorder, "w") as archive:  # type: ignore[arg-type]
        for name in ["manifest.json", *sorted(n for n in files if n != "manifest.json")]:
            data = files[name]
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            if isinstance(data, bytes):
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
                continue
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = data.stat().st_size
            with archive.open(info, "w") as dest, open(data, "rb") as source:
                recorder.media = media_name(data)
                for block in iter(lambda: source.read(CHUNK), b""):
                    dest.write(block)
                recorder.media = None
    return recorder.segments


class PackReader(io.RawIOBase):
    """The whole zip, read (and seeked) from the head file and the media folder."""

    def __init__(self, head: BinaryIO, segments: list[Segment], media_root: Path):
        super().__init__()
        self.head = head
        self.segments = segments
        self.media_root = media_root
        self.starts = []
        total = 0
        for length, _, _ in segments:
            self.starts.append(total)
            total += length
        self.size = total
        self.pos = 0
        self._open: tuple[str, BinaryIO] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else self.size + pos if whence == 2 else self.pos + pos
        return self.pos

    def readinto(self, buffer: Any) -> int:
        if self.pos >= self.size or not len(buffer):
            return 0
        i = bisect.bisect_right(self.starts, self.pos) - 1
        length, kind, ref = self.segments[i]
        inside = self.pos - self.starts[i]
        want = min(len(buffer), length - inside)
        source = self.head if kind == "head" else self._media(ref)
        source.seek((ref if kind == "head" else 0) + inside)
        n = source.readinto(memoryview(buffer)[:want])  # type: ignore[attr-defined]
        if not n:
            raise Stale(f"{ref} is shorter than the pack's layout says")
        self.pos += n
        return n

    def _media(self, name: str) -> BinaryIO:
        if self._open is None or self._open[0] != name:
            if self._open is not None:
                self._open[1].close()
            self._open = (name, open(self.media_root / name, "rb"))  # noqa: SIM115
        return self._open[1]

    def close(self) -> None:
        if self._open is not None:
            self._open[1].close()
            self._open = None
        self.head.close()
        super().close()


def open_pack(head_path: Path, segments: list[Segment], media_root: Path) -> PackReader:
    """A reader of the pack, after checking that every media file it reads is there
    with the size it had when the pack was built (FileNotFoundError if the head went)."""
    for length, kind, ref in segments:
        if kind == "media":
            try:
                if (media_root / ref).stat().st_size != length:
                    raise Stale(f"{ref} changed size")
            except FileNotFoundError:
                raise Stale(f"{ref} is gone") from None
    return PackReader(open(head_path, "rb"), segments, media_root)  # noqa: SIM115


def digest(read: Callable[[int], bytes]) -> tuple[int, str]:
    """Size and SHA-256 of everything read() gives, in blocks."""
    sha, size = hashlib.sha256(), 0
    for block in iter(lambda: read(CHUNK), b""):
        sha.update(block)
        size += len(block)
    return size, sha.hexdigest()


def file_digest(path: str | os.PathLike[str]) -> tuple[int, str]:
    """Size and SHA-256 of a file."""
    with open(path, "rb") as f:
        return digest(f.read)
