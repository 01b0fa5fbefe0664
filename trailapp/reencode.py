"""Sounds stored before every sound was decoded and encoded anew (issue 10): their tags
were removed one by one, which missed some. This encodes each of them anew as the
upload pipeline does now, points its row at the new file, publishes its contribution
again (the media link changes), removes the old file and every built pack.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from . import audio, moderation, packcache
from .contributions import Settings
from .errors import MediaError
from .store import Store


def reencode_old_sounds(store: Store, settings: Settings,
                        progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Encode every old sound anew; returns how many were done and which were refused
    (kept as they are, with the reason, for an organiser to decide on)."""
    with store.reader() as reader:
        rows = reader.sounds_not_reencoded(audio.MEDIA_TYPE)
    done, refused = 0, []
    for row in rows:
        try:
            data = settings.media.path(row["file"]).read_bytes()
            item = settings.media.process("media", io.BytesIO(data), settings.limits)
        except (MediaError, FileNotFoundError) as exc:
            refused.append({"media": row["id"], "contribution": row["contribution_id"],
                            "reason": getattr(exc, "description", str(exc))})
            continue
        try:
            with store.writer() as writer:
                writer.replace_media_file(row["id"], item.file, item.media_type, item.bytes,
                                          item.duration_s)
                if row["contribution_status"] == "approved":
                    moderation.republish_at(writer, row["place_id"])
                settings.media.publish([item.file])
        except BaseException:
            settings.media.discard([item.file])
            raise
        settings.media.discard([row["file"]])
        done += 1
        if progress:
            progress(1)
    if done and settings.pack_dir:
        packcache.purge(settings.pack_dir)  # packs built with the old files
    if done:
        store.checkpoint()
    return {"reencoded": done, "refused": refused, "found": len(rows)}
