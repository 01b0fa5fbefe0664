"""Debian's chromium driven by Playwright (never `playwright install`), a tab that
records every request and console error, and axe-core (vendored, test-only) run
against a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str:
    """Debian's chromium, or a failure telling how to get it."""
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}: run `make test`, which "
                    "installs it (apt-get install -y chromium). Never `playwright install`.",
                    pytrace=False)
    return str(CHROMIUM)


@dataclass
class Tab:
    """A browser page with everything it requested and every problem it logged."""

    page: Page
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def open_tab(browser: Browser, base_url: str, **context_options) -> Tab:
    """A new tab (in its own context) on base_url, recording requests and errors."""
    context = browser.new_context(base_url=base_url, **context_options)
    tab = Tab(context.new_page())
    tab.page.on("request", lambda r: tab.requests.append(r.url))
    tab.page.on("requestfailed", lambda r: tab.failed.append(r.url))
    tab.page.on("response", lambda r: r.status >= 400 and tab.failed.append(
        f"{r.status} {r.url}"))
    tab.page.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.page.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    return tab


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")
                   ) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations of these impacts on the page as it is now:
    each rule's id, impact, help and the first few elements it names."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG_AA)
    assert len(result["passes"]) > 10, "axe-core checked almost nothing: is the page empty?"
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"] if v["impact"] in impacts]
