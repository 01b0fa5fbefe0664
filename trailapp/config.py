"""Configuration: defaults first, then TRAILAPP_* from the environment.

Every setting here is listed in docs/operations.md; a test fails when one is not.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

#: Settings and their defaults. Paths left as None are placed under the instance folder.
DEFAULTS: dict[str, Any] = {
    # Path of the embedded SQLite database file.
    "DATABASE": None,
    # Folder for uploaded media (outside any static folder).
    "MEDIA_DIR": None,
    # Folder for built offline packs (a cache: safe to delete).
    "PACK_DIR": None,
    # Size bound of the pack folder in MiB (0: no bound); least recently used pack
    # variants are removed first. Media are never copied into it.
    "PACK_CACHE_MB": 256,
    # Ids of erased contributions (no content), kept outside the database so that
    # `flask reapply-erasures` can erase them again after a backup is restored.
    "ERASURE_LOG": None,
    # Signs session cookies. When unset, a random key is made once and kept in
    # instance/secret_key (mode 0600); never a fixed default.
    "SECRET_KEY": None,
    # How long a writer waits for the write lock (SQLite's busy timeout; PostgreSQL's
    # lock_timeout and the wait for a pooled connection).
    "BUSY_TIMEOUT_MS": 5000,
    # PostgreSQL only: connections each server process keeps to the database.
    "DATABASE_POOL_SIZE": 10,
    # Paging of /collections/{id}/items.
    "ITEMS_DEFAULT_LIMIT": 100,
    "ITEMS_MAX_LIMIT": 1000,
    # near=lon,lat&radius=metres
    "NEAR_DEFAULT_RADIUS_M": 5000,
    "NEAR_MAX_RADIUS_M": 100_000,
    # trail={id}&within=metres
    "TRAIL_DEFAULT_WITHIN_M": 500,
    "TRAIL_MAX_WITHIN_M": 10_000,
    # Largest request body accepted (bytes); larger gets 413.
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
    # Cache-Control max-age (seconds) on public GET responses.
    "CACHE_MAX_AGE": 60,
    # Contributions: largest request with media, and per-file caps.
    "MEDIA_MAX_REQUEST_BYTES": 40 * 1024 * 1024,
    "MEDIA_MAX_IMAGE_BYTES": 15 * 1024 * 1024,
    "MEDIA_MAX_AUDIO_BYTES": 20 * 1024 * 1024,
    "MEDIA_MAX_AUDIO_SECONDS": 180,
    "MEDIA_MAX_FILES": 5,
    # Submissions per app install (X-Install-Id) or, without one, per address, per
    # window (0 turns the limit off); and a coarse limit per address in the same window
    # (a class on one Wi-Fi shares it); and reports.
    "SUBMISSION_LIMIT": 10,
    "SUBMISSION_WINDOW_S": 600,
    "SUBMISSION_LIMIT_PER_ADDRESS": 60,
    # Submissions sent with one workshop's code (X-Workshop-Code), shared by the whole
    # group, per window; each install keeps its own SUBMISSION_LIMIT as well.
    "WORKSHOP_SUBMISSION_LIMIT": 200,
    "WORKSHOP_SUBMISSION_WINDOW_S": 3600,
    "REPORT_LIMIT": 20,
    "REPORT_WINDOW_S": 3600,
    # Distinct reports after which a published contribution is hidden for review.
    "HIDE_AFTER_REPORTS": 3,
    # A submitted point is snapped to the nearest place within this distance.
    "SNAP_DISTANCE_M": 250,
    # The side (metres) of the grid cells whose centre is the public position of a place
    # protected as an `area` (issue 14); a place keeps the size it was protected with.
    "PROTECTION_CELL_M": 500,
    # Below this age a guardian must consent (Sweden's age of digital consent is 13;
    # Lobatse uses 16 until counsel says otherwise).
    "GUARDIAN_CONSENT_UNDER_BOLLNAS": 13,
    "GUARDIAN_CONSENT_UNDER_LOBATSE": 16,
    # In-process cache of public GET responses, per worker, in MiB (0 turns it off).
    # Entries are keyed by the content version, so a write makes them all stale.
    "RESPONSE_CACHE_MB": 64,
    # Rendered features each worker keeps in memory, in MiB (0: read each by SQL);
    # true at one content version, the changed ones forgotten as the version moves on
    # (trailapp/store/texts.py).
    "FEATURE_MEMORY_MB": 128,
    # Answer plain item reads (one feature; a page by bbox/limit/offset) in front of
    # Flask, with the same bytes and headers (trailapp/http/fast.py); 0 turns it off.
    "FAST_READS": True,
    # Let /metrics answer callers other than the machine itself (off: loopback only).
    "METRICS_PUBLIC": False,
    # Field survey (docs/survey.md): a place is ready for review when at least
    # SURVEY_MIN_FIXES independent surveyors' fixes lie within SURVEY_AGREE_M of their
    # consensus; a fix whose reported accuracy is worse than SURVEY_MAX_ACCURACY_M, or that
    # lies farther than the place's uncertainty_m + SURVEY_AREA_MARGIN_M from its
    # approximate point, is refused; fixes and tracks are erased SURVEY_RETENTION_DAYS
    # after their place or trail was decided; publishing a line warns when its length
    # differs from the official one by more than SURVEY_LENGTH_WARN_PERCENT.
    "SURVEY_MIN_FIXES": 3,
    "SURVEY_AGREE_M": 25,
    "SURVEY_MAX_ACCURACY_M": 50,
    "SURVEY_AREA_MARGIN_M": 500,
    "SURVEY_RETENTION_DAYS": 30,
    "SURVEY_LENGTH_WARN_PERCENT": 15,
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers
    # are trusted. 0 trusts none (a client could otherwise forge its address).
    "PROXY_FIX": 0,
    # Survey tracks (POST /survey/tracks): the largest file in bytes and the most points
    # read before cleaning; a step between fixes longer than TRACK_JUMP_M is a jump;
    # fixes moving faster than TRACK_MAX_SPEED_KMH over TRACK_SPEED_WINDOW_S seconds are
    # a vehicle (when the file has times); TRACK_TRIM_M metres are cut from each end;
    # the line is simplified with a tolerance of TRACK_SIMPLIFY_M metres.
    "TRACK_MAX_BYTES": 10 * 1024 * 1024,
    "TRACK_MAX_POINTS": 100_000,
    "TRACK_JUMP_M": 200,
    "TRACK_MAX_SPEED_KMH": 15,
    "TRACK_SPEED_WINDOW_S": 30,
    "TRACK_TRIM_M": 200,
    "TRACK_SIMPLIFY_M": 3,
    # Background tiles of the maps on the HTML pages of the OGC resources (f=html) and
    # of the dashboard: a
    # URL template such as https://tiles.example.org/{z}/{x}/{y}.png, and the credit
    # its provider asks for (plain text). Unset (the default): a plain background,
    # and no request leaves the service. The pages' CSP allows images from exactly
    # that origin ({s} subdomains as *).
    "TILE_URL": None,
    "TILE_ATTRIBUTION": None,
}


def load(instance_path: str, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings: defaults, then the environment, then test_config."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        raw = os.environ.get(f"TRAILAPP_{key}")
        if raw is not None:
            config[key] = _coerce(key, raw, DEFAULTS[key])
    if test_config:
        config.update(test_config)
    instance = Path(instance_path)
    if config["DATABASE"] is None:
        config["DATABASE"] = str(instance / "trailapp.sqlite3")
    postgres = _check_database(str(config["DATABASE"]))
    if config["MEDIA_DIR"] is None:
        config["MEDIA_DIR"] = str(instance / "media")
    if config["PACK_DIR"] is None:
        config["PACK_DIR"] = str(instance / "packs")
    if config["ERASURE_LOG"] is None:
        config["ERASURE_LOG"] = str(
            (instance if postgres else Path(config["DATABASE"]).parent) / "erasures.log")
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance)
    return config


def _check_database(database: str) -> bool:
    """TRAILAPP_DATABASE is the path of the embedded SQLite file, or a postgresql://
    URL (True then). Any other URL is refused at start, naming itself: taken as a file
    name it would silently make a new, empty database in a folder called `mysql:`."""
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", database)
    if scheme is None:
        return False
    if scheme.group(1).lower() in ("postgresql", "postgres"):
        return True
    raise ValueError(
        f"TRAILAPP_DATABASE={scheme.group(1)}://…: the store is an embedded SQLite file "
        "(give its path; the default is instance/trailapp.sqlite3) or PostgreSQL "
        "(postgresql://…). See docs/operations.md.")


def _coerce(key: str, raw: str, default: Any) -> Any:
    """Turn an environment string into the type of the default, naming bad values."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"TRAILAPP_{key} must be a whole number, got {raw!r}") from None
    return raw


def _instance_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, made on first use.

    Several workers may start at once: the key is written whole to a temporary file and
    hard-linked into place, so every worker reads the same complete key.
    """
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        fd, temp = tempfile.mkstemp(dir=instance, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temp, 0o600)
            try:
                os.link(temp, path)  # atomic; fails if another worker won
            except FileExistsError:
                pass
        finally:
            os.unlink(temp)
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key; delete it or set TRAILAPP_SECRET_KEY")
    return key
