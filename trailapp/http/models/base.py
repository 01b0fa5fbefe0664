"""What every request and response model shares: strict query models with schemas made
once, the language and municipality literals built from the domain registry, the typed
query values (parsed once, here at the edge), links and the one error shape."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from ... import domain
from ...errors import error_codes
from .. import params

# Literals from the registry: adding a language or municipality there adds it here.
Lang = Literal[domain.LANGS]  # type: ignore[valid-type]
MunicipalityId = Literal[domain.MUNICIPALITY_IDS]  # type: ignore[valid-type]
CollectionId = Literal[domain.COLLECTION_IDS]  # type: ignore[valid-type]
GeodataCollection = Literal[domain.GEODATA_COLLECTIONS]  # type: ignore[valid-type]
ContributionKind = Literal[domain.SUBMITTED_KINDS]  # type: ignore[valid-type]
Status = Literal[domain.STATUSES]  # type: ignore[valid-type]
SdgTarget = Literal[domain.SDG_TARGETS]  # type: ignore[valid-type]

ErrorCode = Literal[tuple(error_codes())]  # type: ignore[valid-type]

FEATURE_ID = domain.FEATURE_ID


def _spoken(items: tuple[str, ...]) -> str:
    """'a, b or c': a list as a description says it."""
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else items[0]


LANG_LIST_TEXT = _spoken(domain.LANGS)
COLLECTION_LIST_TEXT = _spoken(domain.COLLECTION_IDS)
# Patterns for the document (fuzzers and clients); the parsers give the friendly
# messages and check what a pattern cannot (ranges, order).
_NUM = r"-?[0-9]+(\.[0-9]+)?"
BBOX_PATTERN = rf"^{_NUM},{_NUM},{_NUM},{_NUM}(,{_NUM},{_NUM})?$"
POINT_PATTERN = rf"^{_NUM},{_NUM}$"
INSTANT = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
           r"(Z|[+-][0-9]{2}:[0-9]{2})")
DATETIME_PATTERN = rf"^({INSTANT}|({INSTANT}|\.\.)?/({INSTANT}|\.\.)?)$"
CURSOR_PATTERN = domain.CURSOR.replace("(", "").replace(")", "")
_CURSOR = re.compile(domain.CURSOR)


def _parsed(parse: Any) -> BeforeValidator:
    """Run a parser from params on the raw query string (ValueError names the fault)."""
    def run(value: Any) -> Any:
        return parse(value) if isinstance(value, str) else value
    return BeforeValidator(run)


def _cursor(value: Any) -> Any:
    match = _CURSOR.match(value) if isinstance(value, str) else None
    if match is None:
        raise PydanticCustomError("string_pattern_mismatch",
                                  "String should match pattern '{pattern}'",
                                  {"pattern": CURSOR_PATTERN})
    return int(match.group(1))


#: Typed query values: the model hands the route a tuple, an interval or an int, and
#: the document still shows the string the client sends.
Bbox = Annotated[tuple[float, float, float, float], _parsed(params.parse_bbox),
                 WithJsonSchema({"type": "string", "pattern": BBOX_PATTERN})]
Point = Annotated[tuple[float, float], _parsed(params.parse_point),
                  WithJsonSchema({"type": "string", "pattern": POINT_PATTERN})]
Interval = Annotated[tuple[str | None, str | None], _parsed(params.parse_datetime),
                     WithJsonSchema({"type": "string", "pattern": DATETIME_PATTERN})]
Instant = Annotated[str, _parsed(lambda v: params.rfc3339(params.parse_instant(v))),
                    WithJsonSchema({"type": "string", "format": "date-time",
                                    "pattern": f"^{INSTANT}$"})]


def _crs(value: Any) -> Any:
    if isinstance(value, str) and value.strip() in domain.CRSES:
        return value.strip()
    raise PydanticCustomError(
        "crs_unsupported", "the CRS {crs} is not supported; use one of {crses}",
        {"crs": repr(value)[:120], "crses": ", ".join(domain.CRS_URIS)})


#: A CRS by its OGC URI (OGC API - Features Part 2); the message names a refused one.
CrsUri = Annotated[str, BeforeValidator(_crs),
                   WithJsonSchema({"type": "string", "format": "uri",
                                   "enum": list(domain.CRS_URIS)})]
#: bbox numbers, checked against their CRS (bbox-crs) by the route.
BboxNumbers = Annotated[tuple[float, float, float, float],
                        _parsed(params.parse_bbox_numbers),
                        WithJsonSchema({"type": "string", "pattern": BBOX_PATTERN})]
Cursor = Annotated[int, BeforeValidator(_cursor),
                   WithJsonSchema({"type": "string", "pattern": CURSOR_PATTERN})]

_SCHEMAS: dict[tuple[Any, ...], dict[str, Any]] = {}


class CachedSchema(BaseModel):
    """A model whose JSON schema is made once (see model_json_schema)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        """Pydantic's schema, made once per model and arguments.

        flask-openapi3 asks for a query or header model's JSON schema on every request
        (to find list-valued fields); building it costs more than the rest of a
        request. It is only read, so one copy serves.
        """
        key = (cls, args, tuple(sorted(kwargs.items(), key=lambda kv: kv[0])))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        return _SCHEMAS[key]


class Strict(CachedSchema):
    """A query or body model: unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")


class Link(BaseModel):
    model_config = ConfigDict(extra="allow")
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class ErrorItem(BaseModel):
    field: str | None = None
    message: str


class Error(BaseModel):
    """The one error shape of the whole service."""

    code: ErrorCode = Field(  # type: ignore[valid-type]
        description="A short machine-readable name, e.g. InvalidParameterValue.")
    description: str = Field(description="What went wrong, for a person to read.")
    status: int = Field(description="The HTTP status code.")
    errors: list[ErrorItem] = Field(description="One entry per faulty field; an empty list "
                                    "when the fault is not in a field.")


RESPONSE_MODELS: list[type[BaseModel]] = [Link, ErrorItem, Error]
