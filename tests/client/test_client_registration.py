"""Registration through the client, against the real server: created, skipped, versioned."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from caudal import Flow, task
from caudal.cli.registration import register_targets
from caudal.exceptions import ObjectNotFound
from caudal.run_configs import UniversalRun
from caudal.storage import Local, extract_flow
from fixtures_client import write_flow_file


def test_register_twice_skips_the_second_time_without_storing_again(
        client, project, caudal_home, tmp_path):
    path = write_flow_file(tmp_path / "repo")

    first = client.register(extract_flow(path), project_name=project, no_url=True)
    stored = sorted((caudal_home / "flows").rglob("*.pkl"))
    again = client.register(extract_flow(path), project_name=project, no_url=True)

    assert again == first
    assert sorted((caudal_home / "flows").rglob("*.pkl")) == stored and len(stored) == 1
    [version] = client.list_flows(project=project)
    assert (version.id, version.version, version.name) == (first, 1, "scaler")


def test_edited_flow_becomes_version_two_and_archives_version_one(
        client, project, caudal_home, tmp_path):
    first = client.register(extract_flow(write_flow_file(tmp_path / "a")), project_name=project,
                            no_url=True)
    second = client.register(extract_flow(write_flow_file(tmp_path / "b", factor=3)),
                             project_name=project, no_url=True)

    versions = client.list_flow_versions(second)
    assert [(v.id, v.version, v.archived) for v in versions] == [
        (second, 2, False), (first, 1, True)]


def test_registration_sends_labels_storage_location_and_the_flow_file(
        client, project, caudal_home, tmp_path):
    path = write_flow_file(tmp_path / "repo")
    flow = extract_flow(path)
    flow.run_config = UniversalRun(labels=["gpu"])

    flow_id = client.register(flow, project_name=project, labels=["prod"], no_url=True)

    version = client.get_flow(flow_id)
    assert version.labels == sorted(["gpu", "prod", socket.gethostname()])
    assert version.storage["type"] == "Local"
    assert Path(version.storage["flows"]["scaler"]).is_file()
    assert [p.model_dump() for p in version.parameters] == [
        {"name": "x", "default": 1, "required": False}]
    source = client._call("GET", f"/api/flows/{flow_id}/source")["source"]
    assert source == path.read_text()


def test_a_new_label_on_an_unchanged_flow_makes_a_new_version(
        client, project, caudal_home, tmp_path):
    path = write_flow_file(tmp_path / "repo")
    client.register(extract_flow(path), project_name=project, no_url=True)

    flow_id = client.register(extract_flow(path), project_name=project, labels=["prod"],
                              no_url=True)

    assert client.get_flow(flow_id).version == 2


def test_the_same_flow_object_can_be_registered_again_after_an_edit(
        client, project, tmp_path):
    factor = {"value": 2}

    @task
    def scale(x):
        return factor["value"] * x

    with Flow("inline", storage=Local(directory=str(tmp_path), add_default_labels=False)) as flow:
        scale(1)

    first = client.register(flow, project_name=project, no_url=True)
    flow.add_task(task(lambda: None, name="extra"))
    second = client.register(flow, project_name=project, no_url=True)

    assert first != second and client.get_flow(second).version == 2


def test_register_prints_version_id_and_labels(client, project, tmp_path, capsys):
    flow = Flow("printed", storage=Local(directory=str(tmp_path), add_default_labels=False))
    flow.add_task(task(lambda: 1, name="one"))

    flow_id = client.register(flow, project_name=project, labels=["etl"])

    assert capsys.readouterr().out.splitlines() == [
        "Flow 'printed' registered as version 1 in project 'etl'.",
        f" └── ID: {flow_id}",
        " └── Labels: ['etl']",
    ]


def test_flow_register_uses_the_server_in_caudal_api(server_url, client, project, tmp_path,
                                                    monkeypatch, capsys):
    monkeypatch.setenv("CAUDAL_API", server_url)
    flow = Flow("method")
    flow.add_task(task(lambda: 1, name="one"))

    flow_id = flow.register(project_name=project, no_url=True, directory=str(tmp_path),
                            add_default_labels=False)

    version = client.get_flow(flow_id)
    assert version.name == "method" and version.labels == []
    assert version.storage["directory"] == str(tmp_path)
    assert capsys.readouterr().out == ""


def test_register_without_project_name_says_what_to_pass(client):
    with pytest.raises(TypeError, match="Registering flow 'nameless' needs project_name"):
        client.register(Flow("nameless"))


def test_register_into_a_missing_project_is_object_not_found(client, tmp_path):
    flow = Flow("orphan", storage=Local(directory=str(tmp_path)))
    flow.add_task(task(lambda: 1, name="one"))

    with pytest.raises(ObjectNotFound, match="nowhere"):
        client.register(flow, project_name="nowhere", no_url=True)


def test_register_targets_reports_each_flow_and_goes_on_after_a_broken_file(
        client, project, caudal_home, tmp_path):
    repo = tmp_path / "repo"
    write_flow_file(repo, "alpha")
    (repo / "broken.py").write_text("import caudal\nraise RuntimeError('no database here')\n")
    write_flow_file(repo, "omega")
    lines: list[str] = []

    outcomes = register_targets(client, project, [str(repo)], echo=lines.append)

    assert [(o.name, o.failed) for o in outcomes] == [("alpha", False), ("", True),
                                                       ("omega", False)]
    assert lines[:3] == ["Collecting flows...", f"Processing '{repo / 'alpha.py'}':",
                         "  Registering 'alpha'... Done"]
    assert lines[5] == f"Processing '{repo / 'broken.py'}':"
    assert lines[6].startswith("  Error: Could not load flows from ")
    assert "RuntimeError: no database here" in lines[6]
    assert lines[-1] == "==================== 2 registered, 0 skipped, 1 errored " \
                        "===================="


def test_register_targets_refuses_a_missing_project_before_loading_any_flow(client, tmp_path):
    repo = tmp_path / "repo"
    (repo / "x").mkdir(parents=True)
    (repo / "boom.py").write_text("raise SystemExit('must not be run')\n")

    with pytest.raises(ObjectNotFound, match="Project 'nowhere' does not exist; create it with "
                                             "'caudal create project \"nowhere\"'"):
        register_targets(client, "nowhere", [str(repo)], echo=lambda line: None)
