"""Audio from young people, decoded and encoded anew: nothing of the upload but its sound
reaches the stored file.

Removing known tags one by one missed tags that sit where no remover looks (Lyrics3,
an ID3 tag appended at the end or between two joined files, an MP4 XMP `uuid` box, the
comments of a chained Ogg stream). So every sound is decoded with FFmpeg's libraries
(PyAV) and written as AAC in an M4A file that holds only technical fields: no tags, no
encoder string, zeroed dates, a neutral handler name. Decoding also counts the samples,
so the length is measured, never read from a header that can lie; decoding stops as soon
as the length passes the limit.
"""

from __future__ import annotations

import errno
import io
import tempfile
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

MEDIA_TYPE = "audio/mp4"   # every stored sound: AAC-LC in an M4A file
EXTENSION = "m4a"
# The demuxer for each type judged by content: never FFmpeg's own probing, which knows
# playlists and other formats that point outside the upload.
DEMUXERS = {"audio/mpeg": "mp3", "audio/mp4": "mp4", "audio/aac": "aac",
            "audio/ogg": "ogg", "audio/x-wav": "wav"}
RATE = 44_100
BIT_RATES = {"mono": 64_000, "stereo": 96_000}
MAX_DECODE_S = 60.0        # wall-clock bound on one file's decode and encode
# Muxer options: no encoder string, no creation time (bitexact); the index first, so
# that a phone can start playing before the whole file has arrived (faststart).
MUXER_OPTIONS = {"fflags": "+bitexact", "movflags": "+faststart"}
# At most two sounds are re-encoded at once per process.
_ENCODING = threading.BoundedSemaphore(2)


class AudioRefused(Exception):
    """A sound that cannot be accepted: 413 too long, 422 undecodable."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class CleanAudio:
    """The re-encoded file and the measured length of the sound it was made from."""

    data: bytes
    duration_s: float


def clean_audio(data: bytes, media_type: str, max_seconds: float,
                max_decode_s: float = MAX_DECODE_S) -> CleanAudio:
    """Decode the upload, measure it by its samples and encode it anew without metadata."""
    with _ENCODING, tempfile.TemporaryDirectory(prefix="trailapp-audio-") as tmp:
        out = Path(tmp) / f"clean.{EXTENSION}"  # faststart rewrites the file by name
        try:
            duration = _transcode(data, DEMUXERS[media_type], out, max_seconds,
                                  time.monotonic() + max_decode_s)
        except (av.FFmpegError, ValueError, EOFError) as exc:
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise  # a full disk is the server's fault (507), not the file's
            raise AudioRefused(422, "the audio file could not be decoded") from exc
        return CleanAudio(out.read_bytes(), round(duration, 2))


def _transcode(data: bytes, demuxer: str, out: Path, max_seconds: float,
               deadline: float) -> float:
    seconds = 0.0
    written = 0  # samples given to the encoder
    source = av.open(io.BytesIO(data), format=demuxer)
    target = encoder = resampler = None
    try:
        if not source.streams.audio:
            raise AudioRefused(422, "the file holds no sound")
        stream = source.streams.audio[0]
        for packet in source.demux(stream):
            if time.monotonic() >= deadline:
                raise AudioRefused(422, "the audio file takes too long to decode")
            try:
                frames = packet.decode()
            except av.error.InvalidDataError:
                continue  # a damaged packet is skipped, as a player would
            for frame in frames:
                seconds += frame.samples / frame.sample_rate
                if seconds > max_seconds:
                    raise AudioRefused(413, f"audio may be at most {max_seconds:.0f} "
                                       "seconds long")
                if target is None:
                    layout = "mono" if frame.layout.nb_channels == 1 else "stereo"
                    target = av.open(str(out), "w", format="ipod", options=MUXER_OPTIONS)
                    encoder = target.add_stream("aac", rate=RATE, layout=layout)
                    encoder.bit_rate = BIT_RATES[layout]
                    resampler = av.AudioResampler(format="fltp", layout=layout, rate=RATE,
                                                  frame_size=1024)
                # Time stamps restart in a chained or joined file: count our own.
                frame.pts = None
                for chunk in resampler.resample(frame):
                    written = _encode(target, encoder, chunk, written)
        if target is None:
            raise AudioRefused(422, "the audio file holds no readable sound")
        for chunk in resampler.resample(None):
            written = _encode(target, encoder, chunk, written)
        target.mux(encoder.encode(None))
        target.close()  # writes the index; an error here refuses the file
        target = None
    finally:
        source.close()
        if target is not None:  # refused half-way: close quietly, the folder goes
            try:
                target.close()
            except av.FFmpegError:
                pass
    return seconds


def _encode(target: av.container.OutputContainer, encoder: av.audio.stream.AudioStream,
            chunk: av.AudioFrame, written: int) -> int:
    chunk.pts = written
    chunk.time_base = Fraction(1, RATE)
    target.mux(encoder.encode(chunk))
    return written + chunk.samples
