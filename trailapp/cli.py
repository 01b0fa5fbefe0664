"""Flask CLI commands: flask --app trailapp <command>. Each calls a plain function."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import loader, publishing
from .errors import InvalidGeodata
from .i18n import LANGS
from .municipalities import MUNICIPALITIES


def _store():
    return current_app.extensions["trailapp"].store


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database (or apply pending migrations) and report its path."""
    applied = _store().initialise()
    click.echo(f"Database ready at {current_app.config['DATABASE']}"
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
def load_geodata(paths: tuple[Path, ...], municipality: str | None, lang: str | None,
                 accuracy: str, trail_id: str | None) -> None:
    """Load GeoJSON, GPX and KML/KMZ files (or folders of them) in one transaction.

    Re-running updates what changed and never duplicates. Any fault stops the whole
    load, and nothing is written.
    """
    options = loader.Options(municipality=municipality, lang=lang, accuracy=accuracy,
                             trail_id=trail_id)
    try:
        report = loader.load(_store(), list(paths), options)
    except InvalidGeodata as exc:
        click.echo("Nothing was loaded. Fix these and run again:", err=True)
        for item in exc.errors or [{"message": exc.description}]:
            click.echo(f"  - {item['message']}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Loaded {len(report.files)} file(s): {len(report.created)} created, "
               f"{len(report.updated)} updated, {len(report.unchanged)} unchanged.")


@click.command("rerender")
@with_appcontext
def rerender() -> None:
    """Render every feature again (after the GeoJSON writer changed)."""
    with _store().writer() as writer:
        count = publishing.rerender_all(writer)
    click.echo(f"Re-rendered {count} feature(s).")


@click.command("check-db")
@with_appcontext
def check_db() -> None:
    """Run SQLite's integrity check; exit 1 unless it answers ok."""
    result = _store().integrity_check()
    click.echo(f"integrity_check: {result}")
    if result != "ok":
        raise SystemExit(1)


COMMANDS = [init_db, load_geodata, rerender, check_db]


def register(app: Flask) -> None:
    """Add every command to app.cli."""
    for command in COMMANDS:
        app.cli.add_command(command)
