"""HTML to PDF with WeasyPrint (Debian's pango underneath). Nothing is fetched: the
report's page holds its styles and its charts as data: images; any other URL (a file
or a host named by some text) is refused."""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page."""
    from weasyprint import HTML  # imported when needed: it loads pango
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=5)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
