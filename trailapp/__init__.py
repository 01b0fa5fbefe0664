"""trailapp: the backend of a heritage-trail app for Bollnäs and Lobatse."""

from __future__ import annotations

__version__ = "0.1.0"  # first, so that modules imported below can read it

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_compress import Compress
from flask_cors import CORS
from flask_openapi3 import Info, OpenAPI
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings
from .catalog import Catalog
from .consensus import Rules
from .contributions import Settings as ContributionSettings
from .features import GEOJSON, GPX, JSON, dumps
from .features import OPENAPI as OPENAPI_TYPE
from .http.cache import ResponseCache
from .http.fast import FastReads
from .media import Limits, MediaStore
from .packs import Packs
from .ratelimit import Limit
from .store import Store, open_store
from .survey import Settings as SurveySettings
from .survey import tasks as survey_tasks

if TYPE_CHECKING:
    from .store.postgres import PgStore

@dataclass
class State:
    """What the app holds for its lifetime, on app.extensions['trailapp']."""

    store: Store | PgStore  # the SQLite file, or PostgreSQL (store/postgres/)
    catalog: Catalog
    contributions: ContributionSettings
    packs: Packs
    survey: SurveySettings
    openapi_text: str | None = None


def _contribution_settings(config: dict[str, Any]) -> ContributionSettings:
    return ContributionSettings(
        secret=config["SECRET_KEY"],
        media=MediaStore(config["MEDIA_DIR"]),
        limits=Limits(image_bytes=config["MEDIA_MAX_IMAGE_BYTES"],
                      audio_bytes=config["MEDIA_MAX_AUDIO_BYTES"],
                      audio_seconds=config["MEDIA_MAX_AUDIO_SECONDS"],
                      files=config["MEDIA_MAX_FILES"]),
        guardian_under={"bollnas": config["GUARDIAN_CONSENT_UNDER_BOLLNAS"],
                        "lobatse": config["GUARDIAN_CONSENT_UNDER_LOBATSE"]},
        snap_m=config["SNAP_DISTANCE_M"],
        submit_limit=Limit("submission", config["SUBMISSION_LIMIT"],
                           config["SUBMISSION_WINDOW_S"]),
        address_limit=Limit("submission-address", config["SUBMISSION_LIMIT_PER_ADDRESS"],
                            config["SUBMISSION_WINDOW_S"]),
        workshop_limit=Limit("submission-workshop", config["WORKSHOP_SUBMISSION_LIMIT"],
                             config["WORKSHOP_SUBMISSION_WINDOW_S"]),
        report_limit=Limit("report", config["REPORT_LIMIT"], config["REPORT_WINDOW_S"]),
        hide_after_reports=config["HIDE_AFTER_REPORTS"],
        pack_dir=config["PACK_DIR"],
        erasure_log=config["ERASURE_LOG"],
    )


def _survey_settings(config: dict[str, Any], contributions: ContributionSettings
                     ) -> SurveySettings:
    return SurveySettings(
        contributions=contributions,
        rules=Rules(min_votes=config["SURVEY_MIN_FIXES"], agree_m=config["SURVEY_AGREE_M"]),
        max_accuracy_m=config["SURVEY_MAX_ACCURACY_M"],
        area_margin_m=config["SURVEY_AREA_MARGIN_M"],
        retention_days=config["SURVEY_RETENTION_DAYS"],
        length_warn=config["SURVEY_LENGTH_WARN_PERCENT"] / 100,
        tracks={k: v for k, v in config.items() if k.startswith("TRACK_")})


def create_app(test_config: dict[str, Any] | None = None) -> OpenAPI:
    """Make the app: settings, store (migrated), services, routes and error handlers."""
    from . import cli, http
    from .http.openapi import validation_error

    app = OpenAPI(
        __name__,
        info=Info(
            title="trailapp: Bollnäs and Lobatse heritage trails",
            version=__version__,
            description="OGC API – Features (Part 1: Core) over the trails and cultural-"
                        "history places of Bollnäs and Lobatse. GeoJSON (RFC 7946), "
                        "WGS84 longitude/latitude.",
        ),
        security_schemes={
            "contributionToken": {
                "type": "http", "scheme": "bearer",
                "description": "The token returned when a contribution was submitted."},
            "organiserToken": {
                "type": "http", "scheme": "bearer",
                "description": "An organiser's API token (flask create-token)."},
            "passportKey": {
                "type": "http", "scheme": "bearer",
                "description": "The heritage passport key the app made (issue 14)."}},
        validation_error_status=400,
        validation_error_model=http.models.Error,
        validation_error_callback=validation_error,
        doc_ui=False,
        instance_relative_config=True,
    )
    app.config.update(settings.load(app.instance_path, test_config))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    store = open_store(app.config["DATABASE"], app.config["BUSY_TIMEOUT_MS"],
                       app.config["DATABASE_POOL_SIZE"],
                       int(app.config["FEATURE_MEMORY_MB"] * 2**20))
    store.initialise()
    catalog = Catalog()
    contribution_settings = _contribution_settings(app.config)
    survey_settings = _survey_settings(app.config, contribution_settings)
    app.extensions["trailapp"] = State(
        store=store, catalog=catalog, contributions=contribution_settings,
        packs=Packs(app.config["PACK_DIR"], contribution_settings.media, catalog,
                    int(app.config["PACK_CACHE_MB"] * 2**20),
                    survey_tasks=lambda reader, lang, m: dumps(survey_tasks(
                        reader, survey_settings, lang, m)).encode()),
        survey=survey_settings)

    if app.config["FAST_READS"]:  # inside the response cache, which keeps its answers
        app.wsgi_app = FastReads(app, app.wsgi_app)  # type: ignore[method-assign]
    if app.config["RESPONSE_CACHE_MB"]:
        app.wsgi_app = ResponseCache(  # type: ignore[method-assign]
            app.wsgi_app, lambda: catalog.current_version(store),
            int(app.config["RESPONSE_CACHE_MB"]) * 2**20)
    if app.config["PROXY_FIX"]:  # outermost, so the cache sees the client's host
        n = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore

    # flask-compress only compresses types listed before it is initialised.
    # Static files (Leaflet's JS and CSS) are left to the TLS proxy's gzip: compressing
    # a send_file response here would read it whole and leave the file open.
    app.config["COMPRESS_MIMETYPES"] = [JSON, GEOJSON, GPX, OPENAPI_TYPE, "text/csv",
                                        "text/html"]
    app.config["COMPRESS_ALGORITHM"] = ["gzip"]
    Compress(app)
    CORS(app, methods=["GET", "HEAD", "OPTIONS"],
         expose_headers=["ETag", "Last-Modified", "Content-Language", "Retry-After",
                         "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"])

    http.register(app)
    cli.register(app)
    return app
