"""A real full disk (a small tmpfs): 507, never 500 or a hang; nothing acknowledged
lost; recovery without a restart. Needs root to mount the tmpfs (CI runs as root)."""

from __future__ import annotations

import os

import pytest

from bench.disk_full import run


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_answers_507_loses_nothing_and_recovers(tmp_path):
    result = run(tmp_path, size_mb=6)
    assert result["answers"].get(500, 0) == 0
    assert result["answers"].get(507, 0) > 0
    assert result["acknowledged"] > 0 and result["lost"] == 0
    assert result["integrity"] == "ok"
    assert result["after_space_returned"] == 201 and result["health"] == 200
    assert result["part_files"] == 0
