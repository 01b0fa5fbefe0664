"""The exchange between the towns (issue 13): organisers of each town, and twins made
through the organisers' API as the dashboard makes them."""

from __future__ import annotations

from helpers.organisers import add_organiser, token_headers

BOLLNAS_PLACE = "bol-gastgivars"   # Bollnäs, exact point (geodata/bollnas.geojson)
LOBATSE_PLACE = "lob-high-court"   # Lobatse, exact point (geodata/lobatse.geojson)
TWIN = {"municipality": "bollnas", "place": BOLLNAS_PLACE, "twin_place": LOBATSE_PLACE,
        "theme": "gathering-places",
        "text": {"sv": "Två platser där människor samlades för att bestämma tillsammans.",
                 "en": "Two places where people gathered to decide together."}}


def organisers(store) -> dict[str, dict[str, str]]:
    """Token headers of a Bollnäs moderator, a Lobatse moderator and an admin."""
    return {"bollnas": token_headers(store, add_organiser(store, "anna")),
            "lobatse": token_headers(store, add_organiser(store, "kabo",
                                                          municipalities=("lobatse",))),
            "admin": token_headers(store, add_organiser(store, "root", "admin", ()))}


def propose(client, headers: dict[str, str], **overrides) -> dict:
    """A Bollnäs proposal (by default), as the API answers it."""
    r = client.post("/moderation/twins", json={**TWIN, **overrides}, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def active_twin(client, who: dict[str, dict[str, str]], **overrides) -> dict:
    """A twin proposed by Bollnäs and accepted by Lobatse."""
    twin = propose(client, who["bollnas"], **overrides)
    r = client.post(f"/moderation/twins/{twin['id']}/accept", headers=who["lobatse"])
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def sync_all(client, since: str = "s0", **params) -> tuple[list[dict], str]:
    """Follow a sync until caught up; every entry and the final cursor."""
    entries = []
    while True:
        query = "&".join([f"since={since}", *(f"{k}={v}" for k, v in params.items())])
        page = client.get(f"/sync?{query}").get_json()
        entries += page["changes"]
        since = page["next"]
        if not page["more"]:
            return entries, since


def question(**overrides) -> dict:
    """A 14-year-old in Bollnäs asks, in Swedish, at the twin place."""
    from helpers.contributions import story

    return story(**{"kind": "question", "place": BOLLNAS_PLACE, "lang": "sv",
                    "title": "Var samlas ni?",
                    "body": "Här samlades folk på gästgivargården. Var samlas unga hos er?",
                    "pseudonym": "Röd Räv 14", "consent_by": "guardian", **overrides})


def reply(question_id: str, **overrides) -> dict:
    """A 15-year-old in Lobatse replies, in English, from the twin place."""
    from helpers.contributions import story

    return story(**{"kind": "reply", "place": LOBATSE_PLACE, "lang": "en",
                    "parent_id": question_id, "title": "At the kgotla",
                    "body": "We gather at the kgotla near the High Court, and at football.",
                    "pseudonym": "Blue Kudu 15", "age_band": "13-15",
                    "consent_by": "guardian", **overrides})


def decide(client, headers: dict[str, str], contribution_id: str, action: str = "approve",
           **body):
    """An organiser's decision through the organisers' API (the response)."""
    return client.post(f"/moderation/contributions/{contribution_id}/{action}",
                       json=body, headers=headers)
