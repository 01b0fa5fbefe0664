"""Request and response models of delta sync and offline packs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ... import domain
from .base import Cursor, Lang, MunicipalityId, Strict


def _list_of(items: tuple[str, ...]) -> str:
    """A pattern for a comma-separated list of these words."""
    one = "|".join(items)
    return rf"^({one})(,({one}))*$"


COLLECTION_LIST = _list_of(domain.COLLECTION_IDS)
LANG_LIST = _list_of(domain.LANGS)


class SyncQuery(Strict):
    """Parameters of /sync."""

    since: Cursor = Field(description="The cursor of your last "
                       "sync or of the pack you installed (s0 for everything, while the "
                       "change log still starts at the beginning).")
    collections: str | None = Field(None, pattern=COLLECTION_LIST, description="Comma-"
                                    "separated collections; default all four.")
    municipality: MunicipalityId | None = None
    lang: Lang | None = Field(None, description="Language of texts (as for items).")
    limit: int = Field(500, ge=1, le=1000, description="Changes per page (default 500).")


class PackQuery(Strict):
    """Parameters of a pack."""

    lang: str | None = Field(None, pattern=LANG_LIST, description="Languages to include, "
                             "comma-separated; default sv,en,tn.")
    media: Literal[domain.PACK_MEDIA] | None = Field(  # type: ignore[valid-type]
        None, description="Media to include: thumbnails (default), full (and thumbnails) "
        "or none.")


class PackPath(BaseModel):
    packId: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,120}$",  # noqa: N815
                        description="bollnas, lobatse, or trail-<trail id>.")


class PackInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    href: str
    bytes: int
    sha256: str
    version: int
    cursor: str


class PackList(BaseModel):
    packs: list[PackInfo]


RESPONSE_MODELS = [PackInfo, PackList]
