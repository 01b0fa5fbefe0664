"""Youth translations (issue 13) as the app sends them, over real HTTP: a JSON client
for a served app, an English story published in Lobatse, and a translation's fields."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from helpers.contributions import LOBATSE_PLACE, story
from trailapp import privacy


class Http:
    """JSON requests to a served app (helpers.app.ServedApp) over real HTTP."""

    def __init__(self, served) -> None:
        self.url = served.url

    def call(self, method: str, path: str, body: dict | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict | None, dict]:
        """Status, JSON body (None when empty) and headers of one request."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={**({"Content-Type": "application/json"}
                                                     if data is not None else {}),
                                                  **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                raw, status, head = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, head = error.read(), error.code, dict(error.headers)
        return status, (json.loads(raw) if raw else None), head

    def get(self, path: str, headers: dict[str, str] | None = None) -> dict:
        status, body, _ = self.call("GET", path, headers=headers)
        assert status == 200, (path, status, body)
        return body or {}


def english_story(http: Http, lobatse: dict[str, str], **overrides) -> dict:
    """An English story by a 15-year-old in Lobatse, approved by the Lobatse moderator."""
    fields = story(place=LOBATSE_PLACE, lang="en", title="The court where people met",
                   body="My grandfather told me that people walked here from far away.",
                   pseudonym="Quiet River 7", age_band="16-17", **overrides)
    status, receipt, _ = http.call("POST", "/contributions", fields)
    assert status == 201, receipt
    status, body, _ = http.call("POST", f"/moderation/contributions/{receipt['id']}/approve",
                                {}, lobatse)
    assert status == 200, body
    return receipt


def translation(**overrides) -> dict:
    """A Swedish translation by a 14-year-old in Bollnäs (with a guardian's consent)."""
    fields = {"lang": "sv", "title": "Domstolen där folk möttes",
              "body": "Min morfar berättade att folk gick hit långt bortifrån.",
              "municipality": "bollnas", "pseudonym": "Snabb Räv 12", "age_band": "13-15",
              "consent_by": "self", "consent_notice_version": privacy.VERSION}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}
