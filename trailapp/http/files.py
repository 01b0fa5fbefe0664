"""Sending a file's bytes with validators that come from its content (a strong ETag
given by the service), never from file times: no Last-Modified, HEAD with
Content-Length, If-None-Match (304), and Range with If-Range (206, 416)."""

from __future__ import annotations

from typing import BinaryIO

from flask import Response, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import wrap_file


def send_content(file: BinaryIO, size: int, etag: str, mimetype: str) -> Response:
    """A conditional, rangeable response streaming file (closed when the response is)."""
    response = Response(wrap_file(request.environ, file), mimetype=mimetype,
                        direct_passthrough=True)
    response.content_length = size
    response.set_etag(etag)
    try:
        return response.make_conditional(request.environ, accept_ranges=True,
                                         complete_length=size)
    except RequestedRangeNotSatisfiable:
        file.close()
        raise
