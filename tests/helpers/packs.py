"""Offline packs as the app lists them."""

from __future__ import annotations


def pack_info(client, pack_id: str, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    listing = client.get("/packs" + (f"?{query}" if query else "")).get_json()["packs"]
    return next(p for p in listing if p["id"] == pack_id)
