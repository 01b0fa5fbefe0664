"""Operations: /healthz for load balancers and /metrics for Prometheus.

Metrics are per request (method, endpoint, status) with a latency histogram. With
several gunicorn workers, gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR so that
/metrics adds up every worker. /metrics answers only callers on the machine itself
(loopback), unless TRAILAPP_METRICS_PUBLIC is set.
"""

from __future__ import annotations

import os
import sqlite3
import time

from flask import Flask, Response, g, request
from flask_openapi3 import APIBlueprint, Tag
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from ..errors import NotFound, ServiceUnavailable, StoreBusy
from ..features import JSON, dumps
from .context import settings, state
from .openapi import _errors

bp = APIBlueprint("ops", __name__, abp_tags=[Tag(name="Operations")])
REQUESTS = Counter("trailapp_requests_total", "Requests answered by Flask",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("trailapp_request_seconds", "Time to answer, by endpoint", ["endpoint"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))


def instrument(app: Flask) -> None:
    """Count and time every request that reaches Flask."""

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        endpoint = request.endpoint or "unmatched"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if "started" in g:
            LATENCY.labels(endpoint).observe(time.perf_counter() - g.started)
        return response


@bp.get("/healthz", summary="Is the service up and its database readable?", responses={
    200: {"description": "Healthy", "content": {JSON: {"schema": {"type": "object"}}}},
    **_errors()})
def healthz() -> Response:
    """200 when the database answers; 503 otherwise."""
    app_state = state()
    try:
        version = app_state.catalog.current_version(app_state.store)
    except (sqlite3.Error, StoreBusy) as exc:
        raise ServiceUnavailable("The database does not answer.",
                                 headers={"Retry-After": "5"}) from exc
    response = Response(dumps({"status": "ok", "database": "ok", "content_version": version}),
                        mimetype=JSON)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics", summary="Prometheus metrics (from the machine itself only)", responses={
    200: {"description": "Prometheus text format",
          "content": {"text/plain": {"schema": {"type": "string"}}}},
    **_errors(404)})
def metrics() -> Response:
    """Request counts and latencies, added up over every worker."""
    loopback = request.remote_addr in ("127.0.0.1", "::1")
    if not (loopback or settings().get("METRICS_PUBLIC")):
        raise NotFound(f"There is nothing at {request.path}; see / for what there is.")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest()
    response = Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response
