"""A real full disk (a small tmpfs): 507, never 500 or a hang; nothing acknowledged
lost; recovery without a restart. Needs root to mount the tmpfs (CI runs as root)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_answers_507_loses_nothing_and_recovers(tmp_path):
    out = tmp_path / "result.json"
    subprocess.run([sys.executable, str(ROOT / "bench" / "disk_full.py"), "--size-mb", "6",
                    "--json", str(out)], check=True, cwd=ROOT, capture_output=True,
                   timeout=600)
    result = {**json.loads(out.read_text(encoding="utf-8"))}
    result["answers"] = {int(k): v for k, v in result["answers"].items()}
    assert result["answers"].get(500, 0) == 0
    assert result["answers"].get(507, 0) > 0
    assert result["acknowledged"] > 0 and result["lost"] == 0
    assert result["integrity"] == "ok"
    assert result["after_space_returned"] == 201 and result["health"] == 200
    assert result["part_files"] == 0
