"""A mix of synthetic points (some on one spot), lines and areas in a small part of
Bollnäs, on a 0.001° grid, with ids out of insertion order: for the tests of the bbox
read path (test_read_path.py, test_bounds_index.py)."""

from __future__ import annotations

import random

from helpers.app import place

AREA = (16.0, 61.0, 16.1, 61.05)  # the synthetic features lie in here, on a 0.001° grid
GRID = 0.001


def _grid(rng: random.Random, lo: float, hi: float) -> float:
    return round(lo + rng.randrange(int((hi - lo) / GRID) + 1) * GRID, 3)


def mixed_features() -> list[dict]:
    """Points (some on one spot), lines and areas, with ids out of insertion order."""
    rng = random.Random(15)
    out = []
    for i in range(120):
        out.append(place(f"test-p{rng.randrange(10**6):06d}-{i}",
                         _grid(rng, AREA[0], AREA[2]), _grid(rng, AREA[1], AREA[3])))
    for i in range(12):
        x, y = _grid(rng, AREA[0], AREA[2] - 0.02), _grid(rng, AREA[1], AREA[3] - 0.02)
        line = place(f"test-l{i:02d}", None, None, accuracy="exact")
        line["geometry"] = {"type": "LineString",
                            "coordinates": [[x, y], [x + 0.02, y + 0.013], [x + 0.004, y + 0.02]]}
        out.append(line)
    for i in range(8):
        x, y = _grid(rng, AREA[0], AREA[2] - 0.02), _grid(rng, AREA[1], AREA[3] - 0.02)
        area = place(f"test-a{i:02d}", None, None, accuracy="exact")
        # A triangle: its bounds meet boxes that the triangle itself does not.
        area["geometry"] = {"type": "Polygon",
                            "coordinates": [[[x, y], [x + 0.02, y], [x, y + 0.02], [x, y]]]}
        out.append(area)
    return out
