"""Webhook storage against a real HTTP service on 127.0.0.1 (stand_ins.WebhookServer): the
flow goes up with one request and comes back with another, templates are filled in from the
environment and secrets, and failures say which request and what to check."""

from __future__ import annotations

import base64
import logging
import pickle
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import pytest
from flowfiles import DOUBLE, GREET, run_result, write
from stand_ins import WebhookServer

import caudal
from caudal.exceptions import FlowStorageError
from caudal.storage import Storage, Webhook, extract_flow


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    with WebhookServer() as running:
        yield running


@pytest.fixture
def double_file(tmp_path: Path) -> Path:
    return write(tmp_path / "src", "double_flow.py", DOUBLE)


def webhook(url: str, upload: dict | None = None, download: dict | None = None,
            **kwargs) -> Webhook:
    return Webhook(build_request_kwargs={"url": url, **(upload or {})},
                   build_request_http_method=kwargs.pop("method", "POST"),
                   get_flow_request_kwargs={"url": url, **(download or {})},
                   get_flow_request_http_method="GET", **kwargs)


def test_pickled_flow_goes_up_and_comes_back(server: WebhookServer, double_file: Path):
    storage = webhook(f"{server.url}/flows/double")

    location = storage.add_flow(extract_flow(double_file))
    storage.build()
    loaded = storage.get_flow("double")

    assert location == "double" and storage.flows == {"double": "double"}
    assert [(method, path) for method, path, _ in server.requests] == [
        ("POST", "/flows/double"), ("GET", "/flows/double")]
    assert pickle.loads(server.bodies["/flows/double"])["flow_name"] == "double"
    assert run_result(loaded, "double", x=4) == 8


def test_script_goes_up_as_its_text_and_runs_when_fetched(server: WebhookServer,
                                                          double_file: Path):
    storage = webhook(f"{server.url}/scripts/double.py", method="PUT", stored_as_script=True,
                      flow_script_path=str(double_file))

    storage.add_flow(extract_flow(double_file))
    storage.build()

    assert server.requests[0][0] == "PUT"
    assert server.bodies["/scripts/double.py"] == DOUBLE.encode()
    assert run_result(storage.get_flow("double"), "double") == 42
    assert storage.serialize()["flow_sources"] == {"double": DOUBLE}
    storage.flow_sources.clear()
    assert storage.get_flow_source("double") == DOUBLE


def test_templates_are_filled_from_the_environment_then_secrets(
        server: WebhookServer, double_file: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FLOW_FOLDER", "team-a")
    monkeypatch.setenv("UPLOAD_TOKEN", "from-env")
    storage = webhook(
        f"{server.url}/${{FLOW_FOLDER}}/double",
        upload={"headers": {"Authorization": "Bearer ${UPLOAD_TOKEN}",
                            "X-Signed": "$SIGNING_KEY", "X-Price": "$$5"},
                "params": {"tags": ["${FLOW_FOLDER}"], "n": 3}},
        download={"headers": {"X-Token": "${UPLOAD_TOKEN}"}})
    storage.add_flow(extract_flow(double_file))

    with caudal.context(secrets={"SIGNING_KEY": "from-secret", "UPLOAD_TOKEN": "unused"}):
        storage.build()
    loaded = storage.get_flow("double")

    (_, upload_path, upload), (_, download_path, download) = server.requests
    assert upload_path == "/team-a/double?tags=%24%7BFLOW_FOLDER%7D&n=3"  # lists stay as they are
    assert (upload["Authorization"], upload["X-Signed"], upload["X-Price"]) == (
        "Bearer from-env", "from-secret", "$5")
    assert (download_path, download["X-Token"]) == ("/team-a/double", "from-env")
    assert run_result(loaded, "double") == 42


def test_description_keeps_templates_and_rebuilds_the_storage(server: WebhookServer,
                                                              double_file: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FILES_TOKEN", "s3cret")
    server.required_header = ("X-Token", "s3cret")
    storage = webhook(f"{server.url}/flows/double", upload={"headers": {"X-Token": "${FILES_TOKEN}"}},
                      download={"headers": {"X-Token": "${FILES_TOKEN}"}})
    storage.add_flow(extract_flow(double_file))
    storage.build()

    described = storage.serialize()
    rebuilt = Storage.from_serialized(described)

    assert "s3cret" not in str(described)
    assert described["get_flow_request_kwargs"]["headers"] == {"X-Token": "${FILES_TOKEN}"}
    assert isinstance(rebuilt, Webhook) and rebuilt.flows == {"double": "double"}
    assert run_result(rebuilt.get_flow("double"), "double") == 42


def test_missing_template_value_names_it_and_where_to_set_it(server: WebhookServer,
                                                             double_file: Path):
    storage = webhook(f"{server.url}/flows", upload={"headers": {"X-Token": "${NOT_SET_HERE}"}})
    storage.add_flow(extract_flow(double_file))

    with pytest.raises(FlowStorageError, match=r"build_request_kwargs\['headers'\]\['X-Token'\] "
                       r"uses '\$\{NOT_SET_HERE\}'.*CAUDAL__CONTEXT__SECRETS__NOT_SET_HERE"):
        storage.build()
    assert server.requests == []


def test_refused_upload_names_the_status_and_the_unfilled_url(server: WebhookServer,
                                                              double_file: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("WRONG_TOKEN", "not-it")
    server.required_header = ("X-Token", "right")
    storage = webhook(f"{server.url}/flows?key=${{WRONG_TOKEN}}",
                      upload={"headers": {"X-Token": "${WRONG_TOKEN}"}})
    storage.add_flow(extract_flow(double_file))

    with pytest.raises(FlowStorageError) as excinfo:
        storage.build()

    message = str(excinfo.value)
    assert f"POST {server.url}/flows?key=${{WRONG_TOKEN}} was answered 401 Unauthorized" in message
    assert "missing or wrong token" in message and "not-it" not in message


def test_nothing_to_download_is_a_storage_error(server: WebhookServer, double_file: Path):
    storage = webhook(f"{server.url}/flows/never-uploaded")
    storage.add_flow(extract_flow(double_file))

    with pytest.raises(FlowStorageError, match="GET .*/flows/never-uploaded was answered 404"):
        storage.get_flow("double")


def test_unreachable_service_is_a_storage_error(double_file: Path):
    from fixtures_storage import free_port

    storage = webhook(f"http://127.0.0.1:{free_port()}/flows")
    storage.add_flow(extract_flow(double_file))

    with pytest.raises(FlowStorageError, match="POST .* failed: ConnectError"):
        storage.build()


def test_script_storage_without_a_script_path_refuses_to_build(server: WebhookServer,
                                                               double_file: Path):
    storage = webhook(f"{server.url}/flows", stored_as_script=True)
    storage.add_flow(extract_flow(double_file))

    with pytest.raises(FlowStorageError, match="needs flow_script_path"):
        storage.build()


def test_a_second_flow_replaces_the_first(server: WebhookServer, tmp_path: Path,
                                          double_file: Path):
    storage = webhook(f"{server.url}/flows/one")
    storage.add_flow(extract_flow(double_file))
    storage.add_flow(extract_flow(write(tmp_path, "greet_flow.py", GREET)))
    storage.build()

    assert storage.flows == {"greet": "greet"}
    assert [method for method, _, _ in server.requests] == ["POST"]
    assert run_result(storage.get_flow("greet"), "greet") == "hello"


def test_data_in_the_upload_request_is_replaced_by_the_flow(server: WebhookServer,
                                                            double_file: Path,
                                                            caplog: pytest.LogCaptureFixture):
    storage = webhook(f"{server.url}/flows/double", upload={"data": b"ignored"},
                      download={"auth": ("user", "pw"), "timeout": (5, 30)})
    storage.add_flow(extract_flow(double_file))

    with caplog.at_level(logging.INFO, logger="caudal.Webhook"):
        storage.build()
    loaded = storage.get_flow("double")

    assert server.bodies["/flows/double"] != b"ignored"
    assert "build_request_kwargs has 'data'" in caplog.text
    assert "Uploading flow 'double'" in caplog.text
    credentials = base64.b64encode(b"user:pw").decode()
    assert server.requests[-1][2]["Authorization"] == f"Basic {credentials}"
    assert run_result(loaded, "double") == 42


def test_build_without_a_flow_sends_nothing(server: WebhookServer):
    assert webhook(f"{server.url}/flows").build().flows == {}
    assert server.requests == []


def test_a_pickled_storage_leaves_its_flow_behind(double_file: Path):
    storage = webhook("http://127.0.0.1:1/flows")
    storage.add_flow(extract_flow(double_file))

    copy = cloudpickle.loads(cloudpickle.dumps(storage))

    assert copy.flows == {"double": "double"} and copy._flow is None


@pytest.mark.parametrize(("change", "message"), [
    ({"build_request_http_method": "post"}, "build_request_http_method is 'post'; use one of"),
    ({"get_flow_request_http_method": "DELETE"}, "get_flow_request_http_method is 'DELETE'"),
    ({"build_request_kwargs": {"url": "x", "body": b""}}, "has 'body', which requests.request"),
])
def test_construction_refuses_what_requests_would_not_take(change, message):
    arguments = {"build_request_kwargs": {"url": "x"}, "build_request_http_method": "POST",
                 "get_flow_request_kwargs": {"url": "x"}, "get_flow_request_http_method": "GET"}

    with pytest.raises(ValueError, match=message):
        Webhook(**{**arguments, **change})
