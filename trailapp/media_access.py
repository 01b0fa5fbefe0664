"""Who may fetch a stored media file: anyone once its contribution is published (and
any organiser's photo of a place, which is published with the place); before that only
its author with their token, or an organiser of its municipality previewing it. Anyone
else gets the same 404 as for a file that does not exist."""

from __future__ import annotations

from typing import Any

from . import policy
from .contributions import token_matches
from .errors import NotFound
from .store import Store

NO_SUCH_MEDIA_WHAT = "such media file"
NO_SUCH_MEDIA = f"There is no {NO_SUCH_MEDIA_WHAT}."  # the same for absent and not yours


def media_file(store: Store, name: str, token: str | None, organiser: Any | None
               ) -> tuple[dict[str, Any], bool]:
    """A stored media file's row and whether it is public. Public once its contribution
    is published; before that only for its author's token, or for an organiser of its
    municipality previewing it. Anyone else: 404, the same as for no such file. An
    organiser's photo of a place is public (it is published with the place)."""
    with store.reader() as reader:
        row = reader.media_by_file(name)
        if row is None and (image := reader.place_image_by_file(name)) is not None:
            return {**image, "media_type": "image/jpeg"}, True
    if row is not None and row["contribution_status"] == "approved":
        return row, True
    if row is not None and token_matches(row["token_hash"], token):
        return row, False
    if row is not None and organiser is not None:
        policy.authorise_object(organiser, row["municipality"], NO_SUCH_MEDIA_WHAT)
        return row, False
    raise NotFound(NO_SUCH_MEDIA)
