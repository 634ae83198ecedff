"""/metrics: Prometheus text with request counts by route and flow runs by state."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from ..helpers import build_flow, create_run, register, set_state


def _samples(api: httpx.Client) -> dict[tuple[str, tuple], float]:
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def _requests(samples: dict, method: str, route: str, status: str) -> float:
    labels = (("method", method), ("route", route), ("status", status))
    return samples.get(("caudal_http_requests_total", labels), 0.0)


def test_metrics_count_requests_by_route_template(api: httpx.Client, project: str) -> None:
    before = _samples(api)
    api.get("/health")
    api.get("/health")
    api.get("/api/flow-runs/one")
    api.get("/api/flow-runs/two")
    api.get("/no/such/page")

    after = _samples(api)

    def grew(method: str, route: str, status: str) -> float:
        return (_requests(after, method, route, status)
                - _requests(before, method, route, status))

    assert grew("GET", "/health", "200") == 2
    assert grew("GET", "/api/flow-runs/{flow_run_id}", "404") == 2
    assert grew("GET", "unmatched", "404") == 1
    assert not any(name == "caudal_http_requests_total" and "one" in str(labels)
                   for name, labels in after)


def test_metrics_count_flow_runs_by_state(api: httpx.Client, project: str) -> None:
    flow_id = register(api, build_flow())["flow_id"]
    for _ in range(2):
        create_run(api, flow_id=flow_id)
    running = create_run(api, flow_id=flow_id)
    set_state(api, running["id"], "Running")

    samples = _samples(api)

    runs = {dict(labels)["state"]: value for (name, labels), value in samples.items()
            if name == "caudal_flow_runs"}
    assert runs == {"Scheduled": 2.0, "Running": 1.0}
    assert ("caudal_service_passes", (("service", "Scheduler"),)) in samples
