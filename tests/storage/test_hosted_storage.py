"""GitHub, GitLab and Bitbucket storage against a stand-in for their REST APIs on 127.0.0.1
(stand_ins.GitHostServer), which serves files from real git repositories made here."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flowfiles import DOUBLE, run_result
from stand_ins import GitHostServer, GitRepo

import caudal
from caudal import Flow
from caudal.exceptions import FlowStorageError
from caudal.storage import Bitbucket, GitHub, GitLab, Storage
from caudal.storage.hosted import HostedFile

TOKEN = "host-token"
CLOUD_LOGIN = ("ci-user", "app-password")

# The flow file at three versions: v1 tagged 'release-1', v2 on main, v3 on 'feature/next'.
VERSIONS = {version: DOUBLE.replace("2 * x", f"{factor} * x")
            for version, factor in (("v1", 1), ("v2", 2), ("v3", 3))}


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHostServer]:
    """One repository, known to each host by its own kind of name, behind the stand-in."""
    repo = GitRepo(tmp_path_factory.mktemp("hosted") / "pipelines")
    repo.commit({"flows/double.py": VERSIONS["v1"]}, "v1")
    repo.tag("release-1")
    repo.commit({"flows/double.py": VERSIONS["v2"]}, "v2")
    repo.branch("feature/next")
    repo.commit({"flows/double.py": VERSIONS["v3"]}, "v3")
    repo.switch("main")
    repos = {"city/pipelines": repo, "DATA/pipelines": repo}
    with GitHostServer(repos, token=TOKEN, cloud_login=CLOUD_LOGIN) as server:
        yield server


MakeStorage = Callable[..., HostedFile]


@pytest.fixture(params=["github", "gitlab", "bitbucket-server", "bitbucket-cloud"])
def make_storage(request: pytest.FixtureRequest, host: GitHostServer) -> MakeStorage:
    """A factory for each host's storage of ``flows/double.py``; kwargs go to its constructor."""
    kind = request.param
    if kind == "github":
        return lambda **kw: GitHub("city/pipelines", kw.pop("path", "flows/double.py"),
                                   base_url=f"{host.url}/api/v3", **kw)
    if kind == "gitlab":
        return lambda **kw: GitLab("city/pipelines", host=host.url,
                                   path=kw.pop("path", "flows/double.py"), **kw)
    if kind == "bitbucket-server":
        return lambda **kw: Bitbucket("DATA", "pipelines", host=host.url,
                                      path=kw.pop("path", "flows/double.py"), **kw)
    return lambda **kw: Bitbucket("DATA", "pipelines", workspace="city", host=host.url,
                                  path=kw.pop("path", "flows/double.py"),
                                  **{k.replace("access_token_secret", "cloud_app_password_secret"):
                                     v for k, v in kw.items()})


@pytest.fixture(autouse=True)
def credentials() -> Iterator[None]:
    """Every host's credentials, as secrets under the names Prefect 0.15 looks for."""
    with caudal.context(secrets={"GITHUB_ACCESS_TOKEN": TOKEN, "GITLAB_ACCESS_TOKEN": TOKEN,
                                 "BITBUCKET_ACCESS_TOKEN": TOKEN}):
        yield


@pytest.fixture(autouse=True)
def cloud_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITBUCKET_CLOUD_USERNAME", CLOUD_LOGIN[0])
    monkeypatch.setenv("BITBUCKET_CLOUD_APP_PASSWORD", CLOUD_LOGIN[1])


def stored(storage: HostedFile) -> HostedFile:
    storage.add_flow(Flow("double"))
    return storage.build()


@pytest.mark.parametrize(("ref", "factor"), [(None, 2), ("release-1", 1), ("feature/next", 3)],
                         ids=["default branch", "tag", "branch with a slash"])
def test_flow_file_is_read_at_the_ref_and_runs(make_storage: MakeStorage, ref, factor):
    storage = stored(make_storage(ref=ref))

    assert run_result(storage.get_flow("double"), "double", x=5) == 5 * factor


def test_commit_id_as_ref(make_storage: MakeStorage, host: GitHostServer):
    first = host.repos["city/pipelines"].resolve("release-1")
    storage = stored(make_storage(ref=first))

    assert run_result(storage.get_flow("double"), "double", x=5) == 5


def test_description_rebuilds_a_storage_that_loads_the_flow(make_storage: MakeStorage):
    storage = stored(make_storage(ref="release-1"))

    rebuilt = Storage.from_serialized(storage.serialize())

    assert type(rebuilt) is type(storage) and rebuilt.flows == {"double": "flows/double.py"}
    assert rebuilt.serialize()["ref"] == "release-1"
    assert run_result(rebuilt.get_flow("double"), "double", x=5) == 5


def test_flow_source_is_read_back_from_the_host(make_storage: MakeStorage):
    storage = stored(make_storage(ref="feature/next"))
    storage.flow_sources.clear()

    assert storage.get_flow_source("double") == VERSIONS["v3"]


def test_missing_file_is_a_storage_error(make_storage: MakeStorage):
    storage = stored(make_storage(path="flows/not_pushed.py"))

    with pytest.raises(FlowStorageError, match="has no file 'flows/not_pushed.py'"):
        storage.get_flow("double")


def test_missing_ref_is_a_storage_error(make_storage: MakeStorage):
    storage = stored(make_storage(ref="no-such-branch"))

    with pytest.raises(FlowStorageError, match="no-such-branch"):
        storage.get_flow("double")


def test_token_from_a_named_secret(make_storage: MakeStorage):
    storage = stored(make_storage(access_token_secret="TEAM_TOKEN"))

    with caudal.context(secrets={"TEAM_TOKEN": CLOUD_LOGIN[1] if isinstance(storage, Bitbucket)
                                 and storage.workspace else TOKEN}):
        assert run_result(storage.get_flow("double"), "double") == 42


def test_wrong_token_is_refused_with_a_clear_error(make_storage: MakeStorage):
    storage = stored(make_storage(access_token_secret="TEAM_TOKEN"))

    with caudal.context(secrets={"TEAM_TOKEN": "wrong"}):
        with pytest.raises(FlowStorageError, match="refused access to .* \\(401\\).* check the "
                           "token"):
            storage.get_flow("double")


def test_private_repository_without_a_token_looks_missing(host: GitHostServer):
    storage = stored(GitHub("city/pipelines", "flows/double.py", base_url=f"{host.url}/api/v3"))

    with caudal.context(secrets={}), pytest.raises(FlowStorageError) as excinfo:
        storage.get_flow("double")

    assert "has no such repository in 'city/pipelines'" in str(excinfo.value)
    assert "a private one answers 'not found'" in str(excinfo.value)


def test_github_token_from_the_environment(host: GitHostServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GITHUB_ACCESS_TOKEN", TOKEN)
    storage = stored(GitHub("city/pipelines", "flows/double.py", base_url=f"{host.url}/api/v3"))

    with caudal.context(secrets={}):
        assert run_result(storage.get_flow("double"), "double") == 42


def test_github_large_file_is_fetched_raw(host: GitHostServer):
    storage = stored(GitHub("city/pipelines", "flows/double.py", base_url=f"{host.url}/api/v3"))
    host.large_files = True
    try:
        loaded = storage.get_flow("double")
    finally:
        host.large_files = False

    assert run_result(loaded, "double") == 42


def test_github_folder_is_not_a_flow_file(host: GitHostServer):
    storage = stored(GitHub("city/pipelines", "flows", base_url=f"{host.url}/api/v3"))

    with pytest.raises(FlowStorageError, match="it is a folder"):
        storage.get_flow("double")


def test_github_asks_for_the_shapes_of_its_api(host: GitHostServer):
    storage = stored(GitHub("city/pipelines", "flows/double.py", base_url=f"{host.url}/api/v3"))
    seen = len(host.paths)

    storage.get_flow("double")

    sha = host.repos["city/pipelines"].resolve("main")
    assert host.paths[seen:] == ["/api/v3/repos/city/pipelines",
                                 "/api/v3/repos/city/pipelines/commits/main",
                                 f"/api/v3/repos/city/pipelines/contents/flows/double.py?ref={sha}"]


def test_unreachable_host_is_a_storage_error():
    from fixtures_storage import free_port

    storage = stored(GitLab("city/pipelines", host=f"http://127.0.0.1:{free_port()}",
                            path="flows/double.py", ref="main"))

    with pytest.raises(FlowStorageError, match="Could not reach GitLab at .* ConnectError"):
        storage.get_flow("double")


def test_path_is_needed_to_add_a_flow():
    with pytest.raises(ValueError, match="GitLab storage needs path="):
        GitLab("city/pipelines").add_flow(Flow("double"))


def test_bitbucket_cloud_takes_no_server_token():
    with pytest.raises(ValueError, match="both workspace .* and access_token_secret"):
        Bitbucket("DATA", "pipelines", workspace="city", access_token_secret="TOKEN")


def test_hosted_storages_serialize_no_secret_values():
    described = [GitHub("a/b", "f.py", access_token_secret="GH").serialize(),
                 GitLab("a/b", path="f.py", access_token_secret="GL").serialize(),
                 Bitbucket("P", "r", workspace="w", cloud_username_secret="U",
                           cloud_app_password_secret="PW").serialize()]

    assert [d["type"] for d in described] == ["GitHub", "GitLab", "Bitbucket"]
    assert described[2]["cloud_app_password_secret"] == "PW"
    assert all(d["stored_as_script"] for d in described)
