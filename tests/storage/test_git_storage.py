"""Git storage against real repositories made with the git command on this machine: clones at
a branch, a tag or a commit, secrets for URLs and tokens, and what each failure says."""

from __future__ import annotations

from pathlib import Path

import pytest
from flowfiles import run_result
from stand_ins import GitRepo

import caudal
from caudal import Flow
from caudal.exceptions import FlowStorageError
from caudal.storage import Git, Storage

# The same flow at different versions: its task returns the version.
VERSIONED = '''\
from caudal import Flow, task
from caudal.storage import Git


@task
def version():
    return "{version}"


with Flow("versioned") as flow:
    version()
'''

TWO_FLOWS = '''\
from caudal import Flow, task


@task
def first():
    return 1


@task
def second():
    return 2


with Flow("one") as one:
    first()

with Flow("two") as two:
    second()
'''


@pytest.fixture
def remotes(tmp_path: Path) -> Path:
    """A folder of repositories, as a git server's would be."""
    return tmp_path / "remotes"


@pytest.fixture
def repo(remotes: Path) -> GitRepo:
    """``remotes/pipelines``: v1 tagged, then v2 on main, then v3 on branch 'next'."""
    repo = GitRepo(remotes / "pipelines")
    repo.commit({"flows/versioned.py": VERSIONED.format(version="v1"),
                 "flows/two.py": TWO_FLOWS}, "v1")
    repo.tag("release-1")
    repo.commit({"flows/versioned.py": VERSIONED.format(version="v2")}, "v2")
    repo.branch("next")
    repo.commit({"flows/versioned.py": VERSIONED.format(version="v3")}, "v3")
    repo.switch("main")
    return repo


def stored(storage: Git, name: str = "versioned") -> Git:
    """``storage`` holding a flow named ``name``, as registration leaves it."""
    storage.add_flow(Flow(name))
    return storage.build()


def test_default_branch_from_a_folder_runs_its_latest_commit(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/versioned.py", repo="pipelines", repo_host=str(remotes)))

    assert run_result(storage.get_flow("versioned"), "version") == "v2"


def test_file_url_host_clones_like_a_remote(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/versioned.py", repo="pipelines", repo_host=remotes.as_uri()))

    assert storage.clone_url() == f"{remotes.as_uri()}/pipelines"
    assert run_result(storage.get_flow("versioned"), "version") == "v2"


@pytest.mark.parametrize(("ref", "expected"), [
    ({"branch_name": "next"}, "v3"),
    ({"tag": "release-1"}, "v1"),
    ({"branch_name": "main", "clone_depth": 5}, "v2"),
])
def test_branch_or_tag_selects_the_version(remotes: Path, repo: GitRepo, ref, expected):
    storage = stored(Git("flows/versioned.py", repo="pipelines", repo_host=remotes.as_uri(),
                         **ref))

    assert run_result(storage.get_flow("versioned"), "version") == expected


@pytest.mark.parametrize("length", [40, 10], ids=["full id", "short id"])
def test_commit_checks_out_that_commit(remotes: Path, repo: GitRepo, length: int):
    first = repo.resolve("release-1")
    storage = stored(Git("flows/versioned.py", repo="pipelines", repo_host=remotes.as_uri(),
                         commit=first[:length]))

    assert run_result(storage.get_flow("versioned"), "version") == "v1"


def test_new_commits_reach_runs_without_registering_again(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/versioned.py", repo="pipelines", repo_host=str(remotes)))
    repo.commit({"flows/versioned.py": VERSIONED.format(version="v9")}, "v9")

    assert run_result(storage.get_flow("versioned"), "version") == "v9"


def test_flow_name_picks_one_flow_of_a_file_with_several(remotes: Path, repo: GitRepo):
    by_default = Git("flows/two.py", repo="pipelines", repo_host=str(remotes))
    by_default.add_flow(Flow("one"))
    by_default.add_flow(Flow("two"))
    chosen = stored(Git("flows/two.py", repo="pipelines", repo_host=str(remotes),
                        flow_name="two"), name="registered under another name")

    assert run_result(by_default.get_flow("one"), "first") == 1
    assert run_result(by_default.get_flow("two"), "second") == 2
    assert run_result(chosen.get_flow("registered under another name"), "second") == 2


def test_flow_file_may_import_files_beside_it(remotes: Path):
    repo = GitRepo(remotes / "helpers")
    repo.commit({"flows/rates.py": "RATE = 3\n",
                 "flows/etl.py": "import rates\n" + VERSIONED.replace('"{version}"',
                                                                      "rates.RATE * 2")})
    storage = stored(Git("flows/etl.py", repo="helpers", repo_host=str(remotes)))

    assert run_result(storage.get_flow("versioned"), "version") == 6


def test_description_rebuilds_a_storage_that_loads_the_flow(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/versioned.py", repo="pipelines", repo_host=str(remotes),
                         tag="release-1"))

    described = storage.serialize()
    rebuilt = Storage.from_serialized(described)

    assert described["type"] == "Git"
    assert (described["flows"], described["tag"]) == ({"versioned": "flows/versioned.py"},
                                                      "release-1")
    assert isinstance(rebuilt, Git) and rebuilt.tag == "release-1"
    assert run_result(rebuilt.get_flow("versioned"), "version") == "v1"


def test_flow_source_is_read_back_from_the_repository(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/versioned.py", repo="pipelines", repo_host=str(remotes),
                         branch_name="next"))
    storage.flow_sources.clear()

    assert storage.get_flow_source("versioned") == VERSIONED.format(version="v3")


def test_clone_url_secret_from_the_context(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/versioned.py", git_clone_url_secret_name="PIPELINES_URL"))

    with caudal.context(secrets={"PIPELINES_URL": str(remotes / "pipelines")}):
        assert run_result(storage.get_flow("versioned"), "version") == "v2"


def test_clone_url_secret_from_a_configuration_variable(remotes: Path, repo: GitRepo,
                                                        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CAUDAL__CONTEXT__SECRETS__PIPELINES_URL", (remotes / "pipelines").as_uri())
    storage = stored(Git("flows/versioned.py", git_clone_url_secret_name="PIPELINES_URL",
                         tag="release-1"))

    assert run_result(storage.get_flow("versioned"), "version") == "v1"


def test_missing_clone_url_secret_says_where_to_set_it():
    storage = stored(Git("flows/versioned.py", git_clone_url_secret_name="NOWHERE_URL"))

    with pytest.raises(FlowStorageError, match="CAUDAL__CONTEXT__SECRETS__NOWHERE_URL"):
        storage.get_flow("versioned")


def test_clone_urls_for_hosts_ssh_and_tokens():
    with caudal.context(secrets={"TOKEN": "s3cret"}):
        assert Git("f.py", repo="city/etl").clone_url() == "https://github.com/city/etl.git"
        assert Git("f.py", repo="city/etl", git_token_secret_name="TOKEN").clone_url() == \
            "https://city:s3cret@github.com/city/etl.git"
        assert Git("f.py", repo="city/etl", repo_host="gitlab.com", git_token_username="bot",
                   git_token_secret_name="TOKEN").clone_url() == \
            "https://bot:s3cret@gitlab.com/city/etl.git"
        assert Git("f.py", repo="city/etl", git_token_secret_name="TOKEN",
                   format_access_token=False).clone_url() == \
            "https://s3cret@github.com/city/etl.git"
        assert Git("f.py", repo="city/etl", use_ssh=True).clone_url() == \
            "git@github.com:city/etl.git"
        assert Git("f.py", repo="etl", repo_host="http://git.local:3000/",
                   git_token_secret_name="TOKEN", git_token_username="ci").clone_url() == \
            "http://ci:s3cret@git.local:3000/etl"


def test_token_stays_out_of_descriptions_and_messages():
    from fixtures_storage import free_port

    storage = stored(Git("flows/versioned.py", repo="etl", git_token_secret_name="TOKEN",
                         repo_host=f"http://127.0.0.1:{free_port()}"))

    with caudal.context(secrets={"TOKEN": "s3cret-token"}):
        with pytest.raises(FlowStorageError) as excinfo:
            storage.get_flow("versioned")

    assert "s3cret-token" not in str(storage.serialize())
    assert "s3cret-token" not in str(excinfo.value)
    assert "Could not get the default branch of the repository" in str(excinfo.value)


def test_missing_branch_says_which_and_where(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/versioned.py", repo="pipelines", repo_host=str(remotes),
                         branch_name="no-such-branch"))

    with pytest.raises(FlowStorageError) as excinfo:
        storage.get_flow("versioned")

    message = str(excinfo.value)
    assert "branch 'no-such-branch'" in message and f"{remotes}/pipelines" in message


def test_missing_file_says_to_commit_and_push_it(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/not_pushed.py", repo="pipelines", repo_host=str(remotes)))

    with pytest.raises(FlowStorageError, match="'flows/not_pushed.py' is not in the repository"
                       ".* at the default branch; commit and push it"):
        storage.get_flow("versioned")


def test_file_without_the_flow_names_the_flows_it_has(remotes: Path, repo: GitRepo):
    storage = stored(Git("flows/two.py", repo="pipelines", repo_host=str(remotes)),
                     name="three")

    with pytest.raises(FlowStorageError, match="No flow named 'three' in 'flows/two.py at "
                       "commit [0-9a-f]{12} of .*'; it holds 'one', 'two'"):
        storage.get_flow("three")


def test_flow_not_added_is_not_in_the_storage():
    with pytest.raises(FlowStorageError, match="Flow 'other' is not in this Git storage"):
        Git("f.py", repo="city/etl").get_flow("other")


def test_same_flow_name_twice_is_refused():
    storage = stored(Git("f.py", repo="city/etl"))

    with pytest.raises(ValueError, match="already in this storage"):
        storage.add_flow(Flow("versioned"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "needs the repository"),
    ({"repo": "a/b", "branch_name": "x", "tag": "y"}, "one of branch_name, tag and commit"),
    ({"repo": "a/b", "clone_depth": 0}, "clone_depth must be 1 or more"),
])
def test_construction_refuses_settings_that_cannot_clone(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Git("f.py", **kwargs)


def test_token_user_defaults_to_the_repository_owner():
    assert Git("f.py", repo="city/etl").git_token_username == "city"
    assert Git("f.py", repo="city/etl", git_token_username="bot").git_token_username == "bot"
