"""One error hierarchy for the whole service; each error carries its HTTP status.

No Flask here: the HTTP layer maps any ApiError to the one JSON error shape
{"code", "description", "status", "errors"} in a single handler (`errors` is always
there: one entry per faulty field, or an empty list).
"""

from __future__ import annotations

import sqlite3
from typing import Any


class ApiError(Exception):
    """Base class: a problem the client can act on, with its HTTP status."""

    status = 500
    code = "ServerError"

    def __init__(self, description: str, *, errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(description)
        self.description = description
        self.errors = errors or []
        self.headers = headers or {}

    def to_dict(self) -> dict:
        """The JSON body for this error."""
        return {"code": self.code, "description": self.description, "status": self.status,
                "errors": self.errors}


class InvalidParameter(ApiError):
    """A query parameter is malformed, out of range or not allowed here (400)."""

    status = 400
    code = "InvalidParameterValue"

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}",
                         errors=[{"field": parameter, "message": message}])
        self.parameter = parameter


class Unauthorized(ApiError):
    """No credentials, or credentials that are not valid (401)."""

    status = 401
    code = "Unauthorized"


class Forbidden(ApiError):
    """Signed in, but not allowed to do this here (403)."""

    status = 403
    code = "Forbidden"


class Unprocessable(ApiError):
    """Well-formed, but against a rule (422); the message names the field."""

    status = 422
    code = "Unprocessable"

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}",
                         errors=[{"field": field_name, "message": message}])


class NotFound(ApiError):
    """No such collection or feature (404)."""

    status = 404
    code = "NotFound"


class Conflict(ApiError):
    """The request is valid but the resource's state does not allow it (409)."""

    status = 409
    code = "Conflict"


class NotAcceptable(ApiError):
    """None of the media types the client accepts can be produced (406)."""

    status = 406
    code = "NotAcceptable"


class InvalidGeodata(ApiError):
    """Geodata that cannot be loaded; the message names file, feature and fault."""

    status = 422
    code = "InvalidGeodata"


class ServiceUnavailable(ApiError):
    """The store is busy; try again later (503). A full disk is InsufficientStorage (507)."""

    status = 503
    code = "ServiceUnavailable"


class StoreBusy(ServiceUnavailable):
    """The database's write lock was not free within the busy timeout (503)."""

    def __init__(self, seconds: float):
        super().__init__(
            "The database is busy; please try again shortly.",
            headers={"Retry-After": str(max(1, round(seconds)))},
        )


class ResyncRequired(ApiError):
    """The sync cursor cannot be answered any more (or never could): start again (410)."""

    status = 410
    code = "ResyncRequired"


class UnsupportedMediaType(ApiError):
    """The body's content type is not one this route takes (415)."""

    status = 415
    code = "UnsupportedMediaType"


class InsufficientStorage(ApiError):
    """The disk is full (507): nothing of the request was kept."""

    status = 507
    code = "InsufficientStorage"


class MediaError(ApiError):
    """A file that cannot be accepted (415 wrong type, 413 too large, 422 unreadable)."""

    def __init__(self, status: int, field: str, message: str):
        super().__init__(f"{field}: {message}", errors=[{"field": field, "message": message}])
        self.status = status
        self.code = {413: MEDIA_CODES[0], 415: MEDIA_CODES[1]}.get(status, MEDIA_CODES[2])


class TooManyRequests(ApiError):
    """The client went over a limit (429 with Retry-After); `limit` names the bucket,
    the count and the window (a ratelimit.Limit)."""

    status = 429
    code = "TooManyRequests"

    def __init__(self, limit: Any, retry_after: int):
        super().__init__(
            f"Too many {limit.bucket} requests: at most {limit.count} per "
            f"{limit.window_s // 60} minutes. Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after), "RateLimit-Limit": str(limit.count),
                     "RateLimit-Remaining": "0", "RateLimit-Reset": str(retry_after)})


# The codes of errors that Werkzeug raises (no route was reached, or a body was refused
# before a route read it), by status.
HTTP_CODES = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
    405: "MethodNotAllowed", 406: "NotAcceptable", 408: "RequestTimeout", 410: "Gone",
    411: "LengthRequired", 412: "PreconditionFailed", 413: "PayloadTooLarge",
    414: "URITooLong", 415: "UnsupportedMediaType", 416: "RangeNotSatisfiable",
    429: "TooManyRequests", 431: "RequestHeaderFieldsTooLarge", 501: "NotImplemented",
}
MEDIA_CODES = ("PayloadTooLarge", "UnsupportedMediaType", "InvalidMedia")


def http_code(status: int) -> str:
    """The error code of a status that no ApiError names."""
    return HTTP_CODES.get(status, "ServerError" if status >= 500 else "BadRequest")


def error_codes() -> list[str]:
    """Every `code` an error body can carry (the enum of Error.code in /api)."""
    codes = {ApiError.code, *HTTP_CODES.values(), *MEDIA_CODES}
    todo: list[type[ApiError]] = [ApiError]
    while todo:
        cls = todo.pop()
        codes.add(cls.code)
        todo.extend(cls.__subclasses__())
    return sorted(codes)


def database_unavailable(error: BaseException) -> bool:
    """True when a database error means "try again shortly" rather than a fault: SQLite
    locked, or PostgreSQL unreachable, restarting, or a lock not granted in time."""
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(error, psycopg.OperationalError) and not database_full(error)


def database_full(error: BaseException) -> bool:
    """True when the database reports its storage full."""
    if isinstance(error, sqlite3.OperationalError):
        return "disk is full" in str(error) or "disk I/O error" in str(error)
    return type(error).__name__ == "DiskFull"  # psycopg.errors.DiskFull (SQLSTATE 53100)
