"""The dashboard as a browser uses it: its forms with their CSRF tokens, signing in,
decisions, and pending contributions to decide on."""

from __future__ import annotations

import re

from helpers.contributions import post_json, story

PASSWORD = "grön-uggla-sjunger-42"


XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def csrf_token(client, path: str = "/dashboard/login") -> str:
    """The CSRF token of a dashboard form on path."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username: str = "anna", password: str = PASSWORD, **kwargs):
    """Sign in through the form, as a browser would."""
    return client.post("/dashboard/login", data={
        "username": username, "password": password, "csrf_token": csrf_token(client),
        **kwargs})


def two_town_staff(store) -> None:
    """anna, moderator in Bollnäs, and kabo, moderator in Lobatse (real argon2 hashes)."""
    from trailapp import auth
    auth.create_organiser(store, "anna", PASSWORD, "moderator", ["bollnas"])
    auth.create_organiser(store, "kabo", PASSWORD, "moderator", ["lobatse"])


def signed_in(app, username: str):
    """A test client of app, signed in through the form as username."""
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def submit(client, addr: str = "10.0.0.1", **fields) -> dict:
    """A pending contribution through the public API: its receipt (id, token)."""
    r = post_json(client, story(**fields), addr=addr)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def decide(client, cid: str, action: str, **form):
    """Post a decision form with the page's own CSRF token."""
    token = csrf_token(client, f"/dashboard/contributions/{cid}")
    return client.post(f"/dashboard/contributions/{cid}/{action}",
                       data={"csrf_token": token, **form})
