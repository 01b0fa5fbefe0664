"""The short crash run of bench/crash.py: kill -9 mid-write, nothing acknowledged lost.

The script runs as it does for `make bench-crash`, in its own process; the test reads
the figures it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_acknowledged_submission_is_lost_when_the_server_is_killed(tmp_path):
    out = tmp_path / "rounds.json"
    subprocess.run([sys.executable, str(ROOT / "bench" / "crash.py"), "--rounds", "3",
                    "--clients", "4", "--json", str(out)], check=True, cwd=ROOT,
                   capture_output=True, timeout=600)
    results = json.loads(out.read_text(encoding="utf-8"))
    assert len(results) == 3
    assert results[-1]["acknowledged"] > 0  # clients really got answers between kills
    assert all(r["lost"] == 0 for r in results)
    assert all(r["integrity"] == "ok" for r in results)
