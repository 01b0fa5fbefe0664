"""The partner municipalities: the facts the rules need about each.

The envelope is a generous plausibility box around the municipality (not its legal
boundary): it catches coordinates that are out of place or swapped (lat, lon), such
as a "Bollnäs" point that would land in the Indian Ocean.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Municipality:
    """One partner municipality."""

    id: str
    name: dict[str, str]
    country: str
    timezone: str
    envelope: tuple[float, float, float, float]  # minlon, minlat, maxlon, maxlat
    metric_crs: str  # a projected CRS in metres for buffers and along-trail positions
    primary_lang: str  # the language of local names in GPX/KML files

    def contains(self, lon: float, lat: float) -> bool:
        """True when (lon, lat) lies inside the plausibility envelope."""
        minx, miny, maxx, maxy = self.envelope
        return minx <= lon <= maxx and miny <= lat <= maxy


MUNICIPALITIES: dict[str, Municipality] = {
    m.id: m
    for m in (
        Municipality(
            id="bollnas",
            name={"sv": "Bollnäs", "en": "Bollnäs", "tn": "Bollnäs"},
            country="SE",
            timezone="Europe/Stockholm",
            envelope=(15.5, 60.9, 17.5, 62.0),
            metric_crs="EPSG:3006",  # SWEREF 99 TM
            primary_lang="sv",
        ),
        Municipality(
            id="lobatse",
            name={"sv": "Lobatse", "en": "Lobatse", "tn": "Lobatse"},
            country="BW",
            timezone="Africa/Gaborone",
            envelope=(25.4, -25.45, 25.95, -25.0),
            metric_crs="EPSG:32735",  # WGS 84 / UTM zone 35S
            primary_lang="en",
        ),
    )
}


def get(municipality_id: str) -> Municipality | None:
    """The municipality with this id, or None."""
    return MUNICIPALITIES.get(municipality_id)
