"""/metrics: Prometheus text format (requests, latencies, runs by state, loop passes)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select

from caudal.server.db import models

router = APIRouter(tags=["health"])


class Metrics:
    """The app's own registry, so two apps in one process (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("caudal_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("caudal_http_request_seconds", "Time to answer a request",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                          0.5, 1, 2.5, 5, 10, 30, 60))
        self.flow_runs = Gauge("caudal_flow_runs", "Flow runs by state", ["state"],
                               registry=self.registry)
        self.loop_passes = Gauge("caudal_service_passes", "Passes of each background loop",
                                 ["service"], registry=self.registry)


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus metrics; needs no API key, like /health."""
    state = request.app.state
    runs = models.flow_runs
    with state.db.read() as conn:
        counts = conn.execute(select(runs.c.state, func.count()).group_by(runs.c.state)).all()
    state.metrics.flow_runs.clear()
    for name, count in counts:
        state.metrics.flow_runs.labels(name).set(count)
    for loop in state.loops:
        state.metrics.loop_passes.labels(loop.name).set(loop.passes)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
