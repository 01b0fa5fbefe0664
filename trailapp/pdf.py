"""HTML to PDF with WeasyPrint (Debian's pango underneath). Nothing is fetched: the
report's page holds its styles and its charts as data: images; any other URL (a file
or a host named by some text) is refused."""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page."""
    from PIL import ImageFile
    from weasyprint import HTML  # imported when needed: it loads pango
    from weasyprint.urls import URLFetcher

    # Importing WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES = True,
    # which made every later upload in the worker accept a truncated photo (media.py
    # refuses one by decoding it). The report embeds only SVG charts: keep Pillow strict.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=5)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
