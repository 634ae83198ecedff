"""Transport: where the server is, the API key, retries against a closed port, errors by status.

The error mapping runs against a real HTTP server on 127.0.0.1 that answers as scripted
(``stand_in``); unreachable servers are real closed ports.
"""

from __future__ import annotations

import datetime
import json
import time

import pytest

import caudal
from caudal.client import Client
from caudal.client.transport import (
    DEFAULT_API,
    Transport,
    encode_json,
    resolve_api_key,
    resolve_api_url,
)
from caudal.configuration import load_config
from caudal.exceptions import AuthorizationError, ClientError, ObjectNotFound, ServerUnavailable
from fixtures_client import closed_port

KEY = "cdl_secret_key_value_123"


def test_url_comes_from_argument_then_env_then_config_then_default(monkeypatch):
    monkeypatch.delenv("CAUDAL_API", raising=False)
    assert resolve_api_url() == DEFAULT_API
    with caudal.context(config=load_config({"CAUDAL__API__URL": "http://config:1"})):
        assert resolve_api_url() == "http://config:1"
        monkeypatch.setenv("CAUDAL_API", "http://env:2/")
        assert resolve_api_url() == "http://env:2"
        assert resolve_api_url("http://arg:3") == "http://arg:3"


def test_bare_host_and_port_gets_http_scheme():
    assert resolve_api_url("10.0.0.5:4200") == "http://10.0.0.5:4200"


def test_url_with_other_scheme_is_refused_with_the_variable_to_fix():
    with pytest.raises(ValueError, match="'ftp://host:21' is not an http:// or https:// "
                                         "address.*CAUDAL_API"):
        resolve_api_url("ftp://host:21")


def test_key_comes_from_argument_then_env_then_config(monkeypatch):
    monkeypatch.delenv("CAUDAL_API_KEY", raising=False)
    assert resolve_api_key() is None
    with caudal.context(config=load_config({"CAUDAL__API__KEY": "from-config"})):
        assert resolve_api_key() == "from-config"
        monkeypatch.setenv("CAUDAL_API_KEY", "from-env")
        assert resolve_api_key() == "from-env"
        assert resolve_api_key("from-arg") == "from-arg"


def test_closed_port_raises_server_unavailable_after_each_retry():
    url = f"http://127.0.0.1:{closed_port()}"
    waits: list[float] = []
    transport = Transport(url, retries=3, backoff_s=0.1, sleep=waits.append)

    with pytest.raises(ServerUnavailable) as excinfo:
        transport.request("GET", "/health")

    assert len(waits) == 3
    assert 0.08 <= waits[0] <= 0.1 and 0.16 <= waits[1] <= 0.2 and 0.32 <= waits[2] <= 0.4
    message = str(excinfo.value)
    assert message.startswith(f"Cannot reach the caudal server at {url} (connection refused; "
                              "4 attempts over ")
    assert message.endswith("Is 'caudal server start' running?")
    assert excinfo.value.status_code is None


def test_client_on_closed_port_gives_up_quickly_with_short_backoff():
    client = Client(f"http://127.0.0.1:{closed_port()}", retries=2, backoff_s=0.01)
    started = time.monotonic()

    with pytest.raises(ServerUnavailable, match="3 attempts"):
        client.list_flows()

    assert time.monotonic() - started < 2


def test_unknown_host_says_the_name_was_not_found():
    transport = Transport("http://caudal-host-that-does-not-exist.invalid:4200", retries=0)

    with pytest.raises(ServerUnavailable, match="host name not found|cannot connect"):
        transport.request("GET", "/health")


def test_api_key_is_sent_as_bearer_token(stand_in):
    Client(stand_in.url, KEY).health()

    assert stand_in.seen[0].headers["Authorization"] == f"Bearer {KEY}"


def test_no_key_sends_no_authorization_header(stand_in, monkeypatch):
    monkeypatch.delenv("CAUDAL_API_KEY", raising=False)
    Client(stand_in.url).health()

    assert "Authorization" not in stand_in.seen[0].headers


@pytest.mark.parametrize(("status", "error"), [
    (404, ObjectNotFound), (401, AuthorizationError), (403, AuthorizationError),
    (409, ClientError), (422, ClientError), (400, ClientError),
])
def test_error_status_becomes_client_error_with_the_servers_detail(stand_in, status, error):
    detail = "Flow run 'abc' does not exist."
    stand_in.reply((status, {"detail": detail}))

    with pytest.raises(error) as excinfo:
        Client(stand_in.url, retries=0).get_flow_run("abc")

    assert type(excinfo.value) is error
    assert str(excinfo.value) == detail
    assert excinfo.value.status_code == status
    assert excinfo.value.url == f"{stand_in.url}/api/flow-runs/abc"


def test_validation_error_list_is_read_as_one_sentence(stand_in):
    stand_in.reply((422, {"detail": [{"loc": ["body", "name"], "msg": "Field required"}]}))

    with pytest.raises(ClientError, match="^name: Field required$"):
        Client(stand_in.url).create_project("x")


def test_server_failure_names_the_request_and_keeps_the_detail(stand_in):
    stand_in.reply((500, b"Internal Server Error"))

    with pytest.raises(ClientError) as excinfo:
        Client(stand_in.url).list_projects()

    assert str(excinfo.value) == ("The caudal server failed on GET /api/projects (HTTP 500): "
                                  "Internal Server Error")
    assert not isinstance(excinfo.value, ServerUnavailable)


def test_api_key_never_appears_in_messages_or_reprs(stand_in):
    stand_in.reply((401, {"detail": "The API key was not recognised."}))
    client = Client(stand_in.url, KEY, retries=0)

    with pytest.raises(AuthorizationError) as excinfo:
        client.list_flows()

    for text in (str(excinfo.value), repr(excinfo.value), repr(client), str(vars(excinfo.value))):
        assert KEY not in text


def test_get_is_retried_through_503_until_the_server_answers(stand_in):
    stand_in.reply((503, {"detail": "starting"}), (503, {"detail": "starting"}), (200, []))

    assert Client(stand_in.url, retries=3, backoff_s=0.01).list_projects() == []
    assert len(stand_in.seen) == 3


def test_get_gives_up_after_retries_of_503_with_the_status_in_the_message(stand_in):
    stand_in.reply((503, {"detail": "database is upgrading"}))

    with pytest.raises(ServerUnavailable, match=r"\(HTTP 503: database is upgrading; 3 attempts"):
        Client(stand_in.url, retries=2, backoff_s=0.01).list_projects()


def test_post_that_may_have_arrived_is_not_repeated(stand_in):
    stand_in.reply((502, {"detail": "bad gateway"}))

    with pytest.raises(ServerUnavailable, match="may have reached the server"):
        Client(stand_in.url, retries=3, backoff_s=0.01).create_project("p")

    assert len(stand_in.seen) == 1


def test_flow_run_creation_gets_an_idempotency_key_so_it_can_be_retried(stand_in):
    stand_in.reply((504, {"detail": "gateway timeout"}))

    with pytest.raises(ServerUnavailable):
        Client(stand_in.url, retries=2, backoff_s=0.01).create_flow_run(flow_id="f")

    keys = {json.loads(seen.body)["idempotency_key"] for seen in stand_in.seen}
    assert len(stand_in.seen) == 3 and len(keys) == 1 and keys.pop().startswith("client-")


def test_answer_that_is_not_json_says_the_address_may_be_wrong(stand_in):
    stand_in.reply((200, b"<html>hello</html>"))

    with pytest.raises(ClientError, match="not JSON; is CAUDAL_API the address"):
        Client(stand_in.url).list_projects()


def test_answer_of_the_wrong_shape_says_to_match_versions(stand_in):
    stand_in.reply((200, [{"name": "no id"}]))

    with pytest.raises(ClientError, match="sent projects that this client cannot read"):
        Client(stand_in.url).list_projects()


def test_query_repeats_lists_drops_none_and_writes_booleans_in_lowercase(stand_in):
    stand_in.reply((200, {"items": [], "next_cursor": None}))
    client = Client(stand_in.url)

    client.list_flow_runs(flow_name="etl", states=["Running", "Failed"], limit=5)
    stand_in.reply((200, []))
    client.list_flows(project="p")

    assert stand_in.seen[0].path == ("/api/flow-runs?flow_name=etl&state=Running&state=Failed"
                                     "&limit=5")
    assert stand_in.seen[1].path == "/api/flows?project=p&include_archived=false"


def test_naive_datetimes_are_sent_as_utc_and_sets_as_sorted_lists():
    body = encode_json({"t": datetime.datetime(2024, 1, 31, 12, 0), "labels": {"b", "a"}})

    assert json.loads(body) == {"t": "2024-01-31T12:00:00+00:00", "labels": ["a", "b"]}


def test_plain_dict_batches_are_posted_as_they_are(stand_in):
    stand_in.reply((200, {"written": 2}))
    now = datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.UTC)
    lines = [{"flow_run_id": "r", "timestamp": now, "level": 20, "message": str(i)}
             for i in range(2)]

    assert Client(stand_in.url).write_run_logs(lines) == 2
    assert json.loads(stand_in.seen[0].body)[1] == {
        "flow_run_id": "r", "timestamp": "2024-01-31T12:00:00+00:00", "level": 20,
        "message": "1"}


def test_retries_backoff_and_timeout_come_from_config_when_not_given():
    settings = {"CAUDAL__API__RETRIES": "0", "CAUDAL__API__BACKOFF_S": "0.01",
                "CAUDAL__API__TIMEOUT_S": "3"}
    with caudal.context(config=load_config(settings)):
        client = Client(f"http://127.0.0.1:{closed_port()}")

    assert (client._transport.retries, client._transport.backoff_s,
            client._transport.timeout) == (0, 0.01, 3.0)
    with pytest.raises(ServerUnavailable, match="; 1 attempt\\)"):
        client.list_flows()
