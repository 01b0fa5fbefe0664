"""Schemathesis, in-process against /api: no server error, no response that
contradicts the document, and schema-invalid requests refused (bounded for CI).

The app is built at import because schemathesis' fixture loader does not work with
pytest 9; it lives in its own mkdtemp() folder, removed at exit.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from helpers.app import settings_in
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from trailapp import create_app, loader

ROOT = Path(__file__).resolve().parent.parent
_folder = Path(tempfile.mkdtemp(prefix="trailapp-schemathesis-"))
atexit.register(shutil.rmtree, _folder, ignore_errors=True)
app = create_app(settings_in(_folder))
loader.load(app.extensions["trailapp"].store, [ROOT / "geodata"])
schema = schemathesis.openapi.from_wsgi("/api", app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_api_conforms_to_its_document(case):
    # Every check but positive_data_acceptance: a bbox with its latitudes reversed or a
    # datetime interval ending before it starts matches the documented pattern but is
    # rightly refused with 400, and a pattern cannot say so. Compression is tested on
    # its own (test_ogc_api); schemathesis' WSGI transport does not decode gzip.
    case.call_and_validate(headers={"Accept-Encoding": "identity"},
                           excluded_checks=[positive_data_acceptance])
