"""Flask CLI commands: flask --app trailapp <command>. Each calls a plain function.

Longer than 300 lines because every command is declared here, each a thin call into
its service with its help text and options: one list (COMMANDS) to find them all.
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import auth, demo, erasure, loader, moderation, packcache, publishing, reencode
from .domain import MUNICIPALITIES, STATUSES
from .errors import Conflict, InvalidGeodata
from .i18n import LANGS
from .times import rfc3339


def _store():
    return current_app.extensions["trailapp"].store


def _database_name(database: str) -> str:
    """The database setting as it may be printed: a URL's password left out."""
    return re.sub(r"^(\w+://[^:/@]*):[^@]*@", r"\1:***@", database)


class Progress:
    """click progress bars for a service's progress(phase, done, total) callback: one
    bar per phase, on standard error, closed when its phase is done."""

    LABELS = {"read": "Reading files", "write": "Writing features",
              "render": "Rendering features", "seed": "Adding demo content",
              "copy": "Copying rows"}

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        bar = self.bars.get(phase)
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=self.LABELS.get(phase, phase),
                                    file=sys.stderr)
            bar.__enter__()
            self.bars[phase] = bar
        bar.update(done - bar.pos)
        if done >= total:
            self.close(phase)

    def close(self, phase: str | None = None) -> None:
        """End one bar (or every bar still open)."""
        for name in [phase] if phase else list(self.bars):
            bar = self.bars.pop(name, None)
            if bar is not None:
                bar.__exit__(None, None, None)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database (or apply pending migrations) and report its path."""
    applied = _store().initialise()
    click.echo(f"Database ready at {_database_name(current_app.config['DATABASE'])}"
               + (f" (applied {', '.join(applied)})" if applied else ""))


@click.command("load-geodata")
@with_appcontext
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--municipality", type=click.Choice(sorted(MUNICIPALITIES)),
              help="For GPX/KML: the municipality (else found from the coordinates).")
@click.option("--lang", type=click.Choice(LANGS),
              help="For GPX/KML: the language of names (else the municipality's own).")
@click.option("--accuracy", type=click.Choice(["exact", "approximate"]), default="exact",
              show_default=True, help="For GPX/KML: how exact the geometry is.")
@click.option("--trail-id", help="For a GPX file with one track: the trail it belongs to "
              "(its line replaces the stored one; names and stages are kept).")
@click.option("--force", is_flag=True, help="Also overwrite places and trails that an "
              "organiser has edited since (by default those are kept and listed).")
def load_geodata(paths: tuple[Path, ...], municipality: str | None, lang: str | None,
                 accuracy: str, trail_id: str | None, force: bool) -> None:
    """Load GeoJSON, GPX and KML/KMZ files (or folders of them) in one transaction.

    Re-running updates what changed and never duplicates. Any fault stops the whole
    load, and nothing is written.
    """
    options = loader.Options(municipality=municipality, lang=lang, accuracy=accuracy,
                             trail_id=trail_id, force=force)
    started = time.monotonic()
    bars = Progress()
    try:
        report = loader.load(_store(), list(paths), options, progress=bars)
    except InvalidGeodata as exc:
        bars.close()
        click.echo("Nothing was loaded. Fix these and run again:", err=True)
        for item in exc.errors or [{"message": exc.description}]:
            click.echo(f"  - {item['message']}", err=True)
        raise SystemExit(1) from None
    bars.close()
    click.echo(f"Loaded {len(report.files)} file(s): {len(report.created)} created, "
               f"{len(report.updated)} updated, {len(report.unchanged)} unchanged "
               f"({time.monotonic() - started:.1f} s).")
    if report.kept:
        click.echo(f"Kept {len(report.kept)} feature(s) an organiser has edited since "
                   f"(--force overwrites them): {', '.join(report.kept)}")


@click.command("rerender")
@with_appcontext
def rerender() -> None:
    """Render every feature again (after the GeoJSON writer changed)."""
    started = time.monotonic()
    bars = Progress()
    with _store().writer() as writer:
        count = publishing.rerender_all(writer, progress=bars)
    bars.close()
    click.echo(f"Re-rendered {count} feature(s) ({time.monotonic() - started:.1f} s).")


@click.command("check-db")
@with_appcontext
def check_db() -> None:
    """Run SQLite's integrity check; exit 1 unless it answers ok."""
    result = _store().integrity_check()
    click.echo(f"integrity_check: {result}")
    if result != "ok":
        raise SystemExit(1)


@click.command("retention")
@with_appcontext
def retention() -> None:
    """Erase unpublished contributions (pending, rejected, hidden) 30 days after they
    arrived or were taken down, survey fixes and tracks 30 days after their place or
    trail was decided, rate-limit data older than 72 hours, workshops a week
    after they ended, and media files no row names. Run it daily (cron)."""
    state = current_app.extensions["trailapp"]
    done = erasure.purge_expired(_store(), state.contributions, survey=state.survey)
    click.echo(f"Erased {done['contributions']} contribution(s), {done['survey']} survey "
               f"fix(es) and track(s), {done['rate_events']} "
               f"rate-limit event(s), {done['workshops']} ended workshop(s), "
               f"{done['orphan_files']} orphan file(s).")


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@with_appcontext
def backup(destination: Path) -> None:
    """Write an online backup of the database to DESTINATION (a new file), while the
    service runs; it is checked with integrity_check before it is kept. Media files
    are backed up separately (see docs/operations.md)."""
    started = time.monotonic()
    click.echo(f"Writing a consistent copy of {current_app.config['DATABASE']} …", err=True)
    try:
        _store().backup(destination)
    except (FileExistsError, RuntimeError) as exc:
        click.echo(f"No backup: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Backup written to {destination} ({destination.stat().st_size} bytes, "
               f"integrity ok, {time.monotonic() - started:.1f} s).")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(backup_file: Path, yes: bool) -> None:
    """Replace the database with a backup (stop the service first). Then: sync cursors
    issued before start again from a pack, built packs are emptied, contributions
    erased since the backup are erased again, and retention runs."""
    if not yes:
        click.confirm(f"Replace {current_app.config['DATABASE']} with {backup_file}?",
                      abort=True)
    state = current_app.extensions["trailapp"]
    try:
        floor = state.store.restore_from(backup_file)
    except RuntimeError as exc:
        click.echo(f"Not restored: {exc}", err=True)
        raise SystemExit(1) from None
    packcache.purge(current_app.config["PACK_DIR"])
    again = erasure.reapply_erasures(state.store, state.contributions)
    expired = erasure.purge_expired(state.store, state.contributions, survey=state.survey)
    click.echo(f"Restored from {backup_file}; cursors from s{floor} on are answered; "
               f"{again} erased contribution(s) erased again; {expired['contributions']} "
               "past retention erased.")


@click.command("reapply-erasures")
@with_appcontext
def reapply_erasures() -> None:
    """After restoring a backup: erase again every contribution, survey fix and track
    that young people erased since (their ids are kept in the erasure log, outside the
    database)."""
    done = erasure.reapply_erasures(_store(), current_app.extensions["trailapp"]
                                          .contributions)
    click.echo(f"Erased again {done} contribution(s), survey fix(es) or track(s) that the "
               "restored backup still held.")


@click.command("reencode-sounds")
@with_appcontext
def reencode_sounds() -> None:
    """Encode anew, as AAC in M4A with no metadata, every sound stored before uploads
    were re-encoded (their tags were removed one by one, which missed some). Run once
    after upgrading; safe to repeat."""
    state = current_app.extensions["trailapp"]
    done = reencode.reencode_old_sounds(state.store, state.contributions)
    click.echo(f"Encoded anew {done['reencoded']} of {done['found']} old sound(s).")
    for item in done["refused"]:
        click.echo(f"Kept as it is: media {item['media']} of contribution "
                   f"{item['contribution']}: {item['reason']}", err=True)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill a development database with clearly marked demo stories and activities
    ("[DEMO]" titles, "Demo" pseudonyms, a drawn photo and a tone), approved, so that
    app screens have something to show. Refuses a database with real contributions."""
    state = current_app.extensions["trailapp"]
    bars = Progress()
    try:
        done = demo.seed(state.store, state.contributions, progress=bars)
    except Conflict as exc:
        bars.close()
        click.echo(f"Not seeded: {exc.description}", err=True)
        raise SystemExit(1) from None
    bars.close()
    if done["added"]:
        click.echo(f"Added {done['added']} demo contribution(s), approved and public.")
    else:
        click.echo(f"The demo content is there already ({done['already']} contributions); "
                   "nothing added.")


@click.command("create-organiser")
@click.argument("username")
@click.option("--role", type=click.Choice(["moderator", "admin"]), default="moderator",
              show_default=True)
@click.option("--municipality", "municipalities", multiple=True,
              type=click.Choice(sorted(MUNICIPALITIES)),
              help="A municipality the moderator works for (repeat for both).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (for scripts) instead of asking.")
@with_appcontext
def create_organiser(username: str, role: str, municipalities: tuple[str, ...],
                     password_stdin: bool) -> None:
    """Create an organiser account (there are no default accounts). The password needs
    at least 12 characters and must not be easy to guess."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        organiser_id = auth.create_organiser(_store(), username, password, role,
                                             list(municipalities))
    except (ValueError, auth.PasswordRejected) as exc:
        click.echo(f"Not created: {exc}", err=True)
        raise SystemExit(1) from None
    where = ", ".join(municipalities) or "all municipalities"
    click.echo(f"Created {role} {username.lower()} (id {organiser_id}) for {where}.")


@click.command("create-token")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'weekly export'.")
@with_appcontext
def create_token(username: str, name: str) -> None:
    """Make an API token for an organiser's scripts; it is shown once, stored hashed."""
    with _store().reader() as reader:
        row = reader.organiser_by_name(username.lower())
    if row is None:
        click.echo(f"There is no organiser {username!r}.", err=True)
        raise SystemExit(1)
    try:
        token_id, token = auth.create_token(_store(), row["id"], name)
    except ValueError as exc:
        click.echo(f"Not created: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Token {token_id} for {row['username']} ({name}). Keep it secret; it is not "
               f"shown again:\n{token}")


@click.command("revoke-token")
@click.argument("username")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token(username: str, token_id: int) -> None:
    """Revoke one of an organiser's API tokens at once."""
    with _store().reader() as reader:
        row = reader.organiser_by_name(username.lower())
    if row is None or not auth.revoke_token(_store(), row["id"], token_id):
        click.echo("No such live token.", err=True)
        raise SystemExit(1)
    click.echo(f"Revoked token {token_id}.")


@click.command("compact-changes")
@click.option("--tombstones-days", type=int, default=180, show_default=True,
              help="Forget delete markers older than this many days; clients whose cursor "
              "is older must then start again from a pack (410).")
@with_appcontext
def compact_changes(tombstones_days: int) -> None:
    """Shrink the sync change log: drop superseded changes (always safe) and old
    delete markers (raises the oldest cursor still answered)."""
    before = rfc3339(datetime.now(UTC) - timedelta(days=tombstones_days))
    with _store().writer() as writer:
        superseded = writer.drop_superseded_changes()
        tombstones = writer.drop_tombstones_before(before)
        floor = writer.sync_floor()
    click.echo(f"Dropped {superseded} superseded change(s) and {tombstones} delete "
               f"marker(s); cursors from s{floor} on are still answered.")


@click.group("contributions")
def contributions_group() -> None:
    """Look at and decide on contributions (until the organisers' dashboard exists)."""


@contributions_group.command("list")
@click.option("--status", type=click.Choice(STATUSES),
              default="pending", show_default=True)
@click.option("--municipality", type=click.Choice(sorted(MUNICIPALITIES)))
@with_appcontext
def contributions_list(status: str, municipality: str | None) -> None:
    """List contributions, oldest first, with their automatic flags."""
    with _store().reader() as reader:
        rows = reader.contributions(status=status, municipality=municipality)
    for row in rows:
        flags = ", ".join(f["code"] for f in json.loads(row["flags"])) or "-"
        click.echo(f"{row['id']}  {row['created']}  {row['municipality']:8} {row['kind']:8} "
                   f"{row['place_id']}  flags: {flags}\n    {row['title']}")
    click.echo(f"{len(rows)} {status} contribution(s).")


@contributions_group.command("approve")
@click.argument("contribution_id")
@with_appcontext
def contributions_approve(contribution_id: str) -> None:
    """Approve and publish one contribution."""
    moderation.approve(_store(), contribution_id)
    click.echo(f"Approved and published {contribution_id}.")


@contributions_group.command("reject")
@click.argument("contribution_id")
@click.option("--reason", required=True, help="Shown to the contributor through their token.")
@with_appcontext
def contributions_reject(contribution_id: str, reason: str) -> None:
    """Reject one contribution with a reason the contributor can read."""
    moderation.reject(_store(), contribution_id, reason)
    click.echo(f"Rejected {contribution_id}.")


@click.command("copy-db")
@click.option("--to", "target", required=True, metavar="postgresql://…",
              help="An empty PostgreSQL + PostGIS database (migrated here first).")
@with_appcontext
def copy_db(target: str) -> None:
    """Copy this SQLite deployment into PostgreSQL: every table, the change log with
    its numbers (sync cursors stay valid), organisers, audit log and media references.
    Media files stay where they are: point TRAILAPP_MEDIA_DIR of the new servers at the
    same (shared) folder. Stop the service first; the copy is one transaction."""
    from .store import Store
    from .store.copy import copy
    from .store.postgres import PgStore

    source = _store()
    if not isinstance(source, Store):
        raise click.UsageError("copy-db copies from the SQLite store; TRAILAPP_DATABASE "
                               "names a PostgreSQL database already")
    if not target.startswith(("postgresql://", "postgres://")):
        raise click.UsageError("--to must be a postgresql:// URL")
    store = PgStore(target)
    progress = Progress()
    try:
        copied = copy(source, store, progress)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()
        store.close()
    click.echo(f"Copied {sum(copied.values())} rows into {_database_name(target)}: "
               + ", ".join(f"{t} {n}" for t, n in copied.items() if n) + ". Now set "
               "TRAILAPP_DATABASE to it and start the servers.")


COMMANDS = [init_db, load_geodata, rerender, check_db, retention, compact_changes,
            contributions_group, create_organiser, create_token, revoke_token, backup,
            reapply_erasures, restore, reencode_sounds, seed_demo, copy_db]


def register(app: Flask) -> None:
    """Add every command to app.cli."""
    for command in COMMANDS:
        app.cli.add_command(command)
