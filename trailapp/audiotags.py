"""Removing tags from audio files without re-encoding them: ID3 from MP3 and AAC, the
RIFF chunks of a WAV beside its sound, MP4 udta/meta boxes (blanked in place, so no
offset moves), and the comment header of Ogg Opus/Vorbis (rewritten, CRC and all)."""

from __future__ import annotations

import struct

from .errors import ApiError


class AudioError(ApiError):
    """An audio file laid out so that its tags cannot be removed safely (422)."""

    status = 422
    code = "InvalidMedia"

    def __init__(self, message: str):
        super().__init__(f"media: {message}", errors=[{"field": "media", "message": message}])


def strip_audio_tags(media_type: str, data: bytes) -> bytes:
    """Audio without its tags (titles, comments, pictures, locations)."""
    if media_type == "audio/mpeg":
        return _strip_id3(data)
    if media_type == "audio/x-wav":
        return _strip_riff(data)
    if media_type == "audio/mp4":
        return _blank_mp4_metadata(data)
    if media_type == "audio/ogg":
        return _strip_ogg_comments(data)
    return _strip_id3(data)  # raw AAC (ADTS) may carry ID3 tags too


def _strip_id3(data: bytes) -> bytes:
    """MP3/AAC without ID3v2 at the front and ID3v1 / APE at the end."""
    while data[:3] == b"ID3" and len(data) > 10:
        size = ((data[6] & 0x7F) << 21) | ((data[7] & 0x7F) << 14) | \
               ((data[8] & 0x7F) << 7) | (data[9] & 0x7F)
        footer = 10 if data[5] & 0x10 else 0
        data = data[10 + size + footer:]
    if data[-128:-125] == b"TAG":
        data = data[:-128]
    if data[-32:-24] == b"APETAGEX":
        size = struct.unpack("<I", data[-20:-16])[0]
        data = data[:-(size + 32)] if size + 32 <= len(data) else data
    return data


def _strip_riff(data: bytes) -> bytes:
    """WAV keeping only its 'fmt ' and 'data' chunks (LIST/INFO, id3 and the rest go)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return data
    kept = [b"WAVE"]
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        chunk = data[pos:pos + 8 + size + (size & 1)]
        if cid in (b"fmt ", b"data"):
            # The length was read from one data chunk; a second could play on unmeasured.
            if any(k[:4] == cid for k in kept[1:]):
                raise AudioError(f"the WAV file has more than one "
                                 f"{cid.decode().strip()!r} chunk")
            kept.append(chunk)
        pos += 8 + size + (size & 1)
    body = b"".join(kept)
    return b"RIFF" + struct.pack("<I", len(body)) + body


_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}


def _blank_mp4_metadata(data: bytes) -> bytes:
    """M4A with every 'udta' and 'meta' box turned into a zeroed 'free' box.

    Renaming in place keeps every size and offset (chunk offsets point into mdat),
    so the audio is untouched and the tags, location included, are gone.
    """
    out = bytearray(data)

    def walk(start: int, end: int) -> None:
        pos = start
        while pos + 8 <= end:
            size = struct.unpack(">I", out[pos:pos + 4])[0]
            kind = bytes(out[pos + 4:pos + 8])
            header = 8
            if size == 1 and pos + 16 <= end:
                size = struct.unpack(">Q", out[pos + 8:pos + 16])[0]
                header = 16
            elif size == 0:
                size = end - pos
            if size < header or pos + size > end:
                return
            if kind in (b"udta", b"meta"):
                out[pos + 4:pos + 8] = b"free"
                out[pos + header:pos + size] = bytes(size - header)
            elif kind in _MP4_CONTAINERS:
                walk(pos + header, pos + size)
            pos += size

    walk(0, len(out))
    return bytes(out)


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_TABLE[((crc >> 24) & 0xFF) ^ byte]
    return crc


_OGG_TABLE = []
for _i in range(256):
    _r = _i << 24
    for _ in range(8):
        _r = ((_r << 1) ^ 0x04C11DB7) if _r & 0x80000000 else (_r << 1)
    _OGG_TABLE.append(_r & 0xFFFFFFFF)


def _strip_ogg_comments(data: bytes) -> bytes:
    """Ogg Opus/Vorbis with the comment header replaced by an empty one.

    The comment packet must sit alone on the stream's second page (as encoders
    write it); anything else is refused rather than passed on with its tags.
    """
    pages, pos = [], 0
    while pos + 27 <= len(data) and data[pos:pos + 4] == b"OggS":
        nseg = data[pos + 26]
        lacing = data[pos + 27:pos + 27 + nseg]
        end = pos + 27 + nseg + sum(lacing)
        pages.append((pos, end, lacing))
        pos = end
    if len(pages) < 2 or pos != len(data):
        raise AudioError("the Ogg file is not laid out as expected")
    start, end, lacing = pages[1]
    header = bytearray(data[start:start + 27])
    packet = data[start + 27 + len(lacing):end]
    if packet.startswith(b"OpusTags"):
        empty = b"OpusTags" + struct.pack("<I", 0) + struct.pack("<I", 0)
    elif packet.startswith(b"\x03vorbis"):
        # Vorbis: the setup header follows in the same page; keep it unchanged.
        try:
            vendor_len = struct.unpack("<I", packet[7:11])[0]
            pos = 11 + vendor_len
            count = struct.unpack("<I", packet[pos:pos + 4])[0]
            pos += 4
            for _ in range(count):
                pos += 4 + struct.unpack("<I", packet[pos:pos + 4])[0]
        except struct.error:  # the comment packet runs past its page: tags not removable
            raise AudioError("the Ogg file's tags are too large to "
                             "remove") from None
        rest = packet[pos + 1:]  # framing bit, then the setup packet
        empty = b"\x03vorbis" + struct.pack("<I", 0) + struct.pack("<I", 0) + b"\x01"
        if rest:
            lacing_out = _lacing(len(empty)) + _lacing(len(rest))
            return _ogg_page(data, start, end, header, lacing_out, empty + rest)
    else:
        raise AudioError("the Ogg file holds neither Opus nor Vorbis")
    if lacing and lacing[-1] == 255:  # the comment packet continues on the next page
        raise AudioError("the Ogg file's tags are too large to remove")
    return _ogg_page(data, start, end, header, _lacing(len(empty)), empty)


def _lacing(length: int) -> bytes:
    return bytes([255] * (length // 255) + [length % 255])


def _ogg_page(data: bytes, start: int, end: int, header: bytearray, lacing: bytes,
              body: bytes) -> bytes:
    header[26] = len(lacing)
    header[22:26] = b"\0\0\0\0"
    page = bytes(header) + lacing + body
    crc = _ogg_crc(page)
    page = page[:22] + struct.pack("<I", crc) + page[26:]
    return data[:start] + page + data[end:]
