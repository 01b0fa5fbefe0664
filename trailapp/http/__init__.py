"""The HTTP layer: blueprints, and the one place errors become responses."""

from __future__ import annotations

import errno
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from ..errors import (
    ApiError,
    InsufficientStorage,
    InvalidParameter,
    ServiceUnavailable,
    database_full,
    database_unavailable,
    http_code,
)
from . import dashboard, html_pages
from .challenges import bp as challenges_bp
from .challenges import public_bp as challenge_answers_bp
from .contributions import bp as contributions_bp
from .editing import bp as editing_bp
from .exchange import bp as exchange_bp
from .ogc import bp as ogc_bp
from .ogc_errors import error_answer
from .openapi import api_bp
from .ops import bp as ops_bp
from .ops import instrument
from .organisers import bp as organisers_bp
from .survey import bp as survey_bp
from .survey_review import review_bp as survey_review_bp
from .sync import bp as sync_bp
from .translations import bp as translations_bp
from .translations import moderation_bp as translations_moderation_bp

log = logging.getLogger("trailapp")



def _disk_full(error: BaseException) -> bool:
    """A full disk, as SQLite or the file system reports it (also when wrapped)."""
    while error is not None:
        if database_full(error):
            return True
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


def register(app: Flask) -> None:
    """Attach blueprints, the duplicate-parameter check and the error handlers."""
    app.register_api(ogc_bp)
    app.register_api(api_bp)
    app.register_api(contributions_bp)
    app.register_api(sync_bp)
    app.register_api(organisers_bp)
    app.register_api(editing_bp)
    app.register_api(survey_bp)
    app.register_api(survey_review_bp)
    app.register_api(exchange_bp)
    app.register_api(challenges_bp)
    app.register_api(challenge_answers_bp)
    app.register_api(translations_bp)
    app.register_api(translations_moderation_bp)
    dashboard.init_app(app)  # HTML pages for organisers: session cookie, CSRF, static
    html_pages.check_settings(app)  # a malformed TRAILAPP_TILE_URL stops the start
    app.register_api(ops_bp)
    instrument(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        # JSON, GeoJSON, GPX and media: nothing here may be framed, sniffed or run.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'none'; frame-ancestors 'none'")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.is_secure:  # over HTTPS (directly, or as the trusted proxy says)
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.before_request
    def refuse_repeated_parameters() -> None:
        for name in request.args:
            if len(request.args.getlist(name)) > 1:
                raise InvalidParameter(name, "given more than once")

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error_answer(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        api = ApiError(error.description or error.name)
        api.status = status
        api.code = http_code(status)
        if status == 404:
            api.description = f"There is nothing at {request.path}; see / for what there is."
        response = error_answer(api)
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Response:
        if _disk_full(error):
            log.error("storage full on %s %s: %s", request.method, request.path, error)
            return error_answer(InsufficientStorage(
                "The server has no room to store this now; nothing was saved. Please try "
                "again later.", headers={"Retry-After": "60"}))
        if database_unavailable(error):
            return error_answer(ServiceUnavailable(
                "The database is busy; please try again shortly.",
                headers={"Retry-After": "1"}))
        log.exception("unhandled error on %s %s", request.method, request.path)
        api = ApiError("Something went wrong on our side. It has been logged.")
        return error_answer(api)
