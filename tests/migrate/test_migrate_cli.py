"""``caudal migrate`` run as a user runs it, on a small repository written for Prefect 0.15."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Each file as a Prefect 0.15 user wrote it: comments, odd spacing, parentheses, aliases.
PREFECT_FILES: dict[str, str] = {
    "agency/__init__.py": "",
    "agency/tasks.py": '''\
"""Tasks of the agency: uses prefect.context, and a parameter that is named prefect."""
from prefect import task  # the decorator
import prefect


@task(  name = "double" )
def double(x):
    logger = prefect.context.get( "logger" )   # prefect's logger
    logger.info("doubling %s", x)
    return 2*x


def describe(prefect):
    # Not the module: a caller's dict that happens to be called prefect.
    return prefect.get("name", "prefect")
''',
    "agency/schedules.py": '''\
import datetime
from prefect.schedules import (
    IntervalSchedule,   # every hour
)

hourly = IntervalSchedule(
    start_date=datetime.datetime(2021, 1, 1),
    interval=datetime.timedelta(hours=1),
)
''',
    "agency/flows.py": '''\
from prefect import Flow, Parameter
from prefect.run_configs import LocalRun, ECSRun
from prefect.engine.results import AzureResult
from prefect.tasks.prefect import create_flow_run

from agency.tasks import double

with Flow("agency", run_config=LocalRun()) as flow:
    x = Parameter("x", default=21)
    y = double(x)
''',
    "pipelines/__init__.py": "",
    "pipelines/flows.py": '''\
# Everything the agency has, under one roof.
from agency.flows import *  # noqa: F401,F403
from agency.schedules import *  # noqa: F401,F403
from agency.tasks import *  # noqa: F401,F403
import prefect as pf

LABELS = pf.config.get("labels", [])
''',
    "Dockerfile": "FROM python:3.11\nENV PREFECT__LOGGING__LEVEL=DEBUG\nENV MY_PREFECT__X=1\n",
    ".env": "PREFECT__CLOUD__API=http://127.0.0.1:4200\n",
    ".github/workflows/deploy.yml": '''\
name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: pip install prefect==0.15.9
      - run: prefect register --project x -p pipelines/
''',
    # Never read: a virtualenv (it holds pyvenv.cfg) and the folders caudal migrate skips.
    "env/pyvenv.cfg": "home = /usr/bin\n",
    "env/lib/site.py": "import prefect\n",
    "node_modules/x/setup.py": "import prefect\n",
    ".git/hooks/hook.py": "import prefect\n",
}

# What caudal migrate makes of each file that changes: the same bytes, `prefect` renamed.
CAUDAL_FILES: dict[str, str] = {
    "agency/tasks.py": '''\
"""Tasks of the agency: uses prefect.context, and a parameter that is named prefect."""
from caudal import task  # the decorator
import caudal


@task(  name = "double" )
def double(x):
    logger = caudal.context.get( "logger" )   # prefect's logger
    logger.info("doubling %s", x)
    return 2*x


def describe(prefect):
    # Not the module: a caller's dict that happens to be called prefect.
    return prefect.get("name", "prefect")
''',
    "agency/schedules.py": '''\
import datetime
from caudal.schedules import (
    IntervalSchedule,   # every hour
)

hourly = IntervalSchedule(
    start_date=datetime.datetime(2021, 1, 1),
    interval=datetime.timedelta(hours=1),
)
''',
    "agency/flows.py": '''\
from caudal import Flow, Parameter
from caudal.run_configs import LocalRun, ECSRun
from caudal.engine.results import AzureResult
from caudal.tasks.prefect import create_flow_run

from agency.tasks import double

with Flow("agency", run_config=LocalRun()) as flow:
    x = Parameter("x", default=21)
    y = double(x)
''',
    "pipelines/flows.py": '''\
# Everything the agency has, under one roof.
from agency.flows import *  # noqa: F401,F403
from agency.schedules import *  # noqa: F401,F403
from agency.tasks import *  # noqa: F401,F403
import caudal as pf

LABELS = pf.config.get("labels", [])
''',
    "Dockerfile": "FROM python:3.11\nENV CAUDAL__LOGGING__LEVEL=DEBUG\nENV MY_PREFECT__X=1\n",
    ".env": "CAUDAL__CLOUD__API=http://127.0.0.1:4200\n",
}


# Placeholders answer with the NotAvailableError their use raises.
AZURE_MESSAGE = (
    "'AzureResult' is not available in this version of caudal yet; it arrives with a later "
    "release; until then, FSSpecResult('az://<container>/<prefix>') with the adlfs package "
    "stores results in Azure Blob Storage. The import path exists so that your flows load "
    "unchanged."
)
REPORT = [
    ".github/workflows/deploy.yml:8: runs 'prefect register --project x -p pipelines/'; with "
    "caudal: 'caudal register --project x -p pipelines/'.",
    "agency/flows.py:2: ECSRun: not available in caudal ('caudal.run_configs' has no "
    "'ECSRun').",
    f"agency/flows.py:3: AzureResult: {AZURE_MESSAGE}",
]
REWRITTEN = sorted(CAUDAL_FILES)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def read_tree(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): path.read_text()
            for path in sorted(root.rglob("*")) if path.is_file()}


def migrated(files: dict[str, str]) -> dict[str, str]:
    return {**files, **CAUDAL_FILES}


@pytest.fixture
def prefect_repo(tmp_path: Path) -> Path:
    """A repository written for Prefect 0.15 (``PREFECT_FILES``)."""
    return write_tree(tmp_path / "repo", PREFECT_FILES)


def run_migrate(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``caudal migrate ARGS``, run as a user runs it: a new interpreter."""
    return subprocess.run([sys.executable, "-m", "caudal", "migrate", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def test_migrate_rewrites_prefect_keeping_formatting_and_comments(prefect_repo):
    done = run_migrate(prefect_repo)

    assert done.returncode == 0, done.stderr
    # Every other byte is kept: the CI file, and the skipped virtualenv, node_modules and .git.
    assert read_tree(prefect_repo) == migrated(PREFECT_FILES)
    assert done.stdout.splitlines() == [
        *(f"Rewrote {name}" for name in REWRITTEN),
        *REPORT,
        "Rewrote 6 files; 2 uses of names caudal lacks; 1 CI command to change by hand "
        "(9 files checked).",
    ]
    assert done.stderr == ""


def test_migrate_renames_only_the_leading_prefect_of_a_module_name(prefect_repo):
    run_migrate(prefect_repo)

    flows = (prefect_repo / "agency/flows.py").read_text()
    assert "from caudal.tasks.prefect import create_flow_run\n" in flows


def test_migrate_keeps_a_variable_named_prefect_that_is_not_the_module(prefect_repo):
    run_migrate(prefect_repo)

    tasks = (prefect_repo / "agency/tasks.py").read_text()
    assert "def describe(prefect):\n" in tasks
    assert '    return prefect.get("name", "prefect")\n' in tasks
    assert 'logger = caudal.context.get( "logger" )   # prefect\'s logger' in tasks


def test_check_exits_1_before_migration_and_0_after(prefect_repo):
    before = run_migrate(prefect_repo, "--check")

    assert before.returncode == 1, before.stderr
    assert read_tree(prefect_repo) == PREFECT_FILES
    assert before.stdout.splitlines() == [
        *(f"Would rewrite {name}" for name in REWRITTEN),
        *REPORT,
        "6 files would be rewritten; 2 uses of names caudal lacks; 1 CI command to change by "
        "hand (9 files checked).",
    ]

    assert run_migrate(prefect_repo).returncode == 0
    after = run_migrate(prefect_repo, "--check")

    assert after.returncode == 0, after.stdout
    # What caudal lacks and the CI file are still reported: they need a person.
    assert after.stdout.splitlines() == [
        *REPORT,
        "0 files would be rewritten; 2 uses of names caudal lacks; 1 CI command to change by "
        "hand (9 files checked).",
    ]


def test_diff_prints_a_unified_diff_and_changes_nothing(prefect_repo):
    done = run_migrate(prefect_repo, "--diff")

    assert done.returncode == 0, done.stderr
    assert read_tree(prefect_repo) == PREFECT_FILES
    assert done.stdout.startswith(
        "--- a/.env\n"
        "+++ b/.env\n"
        "@@ -1 +1 @@\n"
        "-PREFECT__CLOUD__API=http://127.0.0.1:4200\n"
        "+CAUDAL__CLOUD__API=http://127.0.0.1:4200\n"
        "--- a/Dockerfile\n"
        "+++ b/Dockerfile\n"
        "@@ -1,3 +1,3 @@\n"
        " FROM python:3.11\n"
        "-ENV PREFECT__LOGGING__LEVEL=DEBUG\n"
        "+ENV CAUDAL__LOGGING__LEVEL=DEBUG\n"
        " ENV MY_PREFECT__X=1\n"
    )
    assert "-from prefect.tasks.prefect import create_flow_run\n" in done.stdout
    assert "+from caudal.tasks.prefect import create_flow_run\n" in done.stdout
    # The report goes to stderr, so that stdout is a patch and nothing else.
    assert "not available" not in done.stdout
    assert done.stderr.splitlines()[:3] == REPORT


@pytest.mark.skipif(shutil.which("git") is None, reason="applies the patch with git apply")
def test_diff_applied_as_a_patch_gives_the_migrated_tree(prefect_repo):
    patch = run_migrate(prefect_repo, "--diff").stdout

    subprocess.run(["git", "apply", "-p1", "-"], input=patch, text=True, check=True,
                   cwd=prefect_repo)

    assert read_tree(prefect_repo) == migrated(PREFECT_FILES)


def test_check_with_diff_exits_1_when_something_would_change(prefect_repo):
    done = run_migrate(prefect_repo, "--check", "--diff")

    assert done.returncode == 1
    assert "+import caudal\n" in done.stdout
    assert read_tree(prefect_repo) == PREFECT_FILES


def test_unparsable_file_is_reported_and_the_others_still_migrated(prefect_repo):
    broken = "import prefect\ndef broken(:\n    pass\n"
    (prefect_repo / "agency/broken.py").write_text(broken)

    done = run_migrate(prefect_repo)

    assert done.returncode == 1
    assert done.stderr.startswith("agency/broken.py:")
    assert "cannot parse, left unchanged: " in done.stderr
    assert (prefect_repo / "agency/broken.py").read_text() == broken
    assert read_tree(prefect_repo) == {**migrated(PREFECT_FILES), "agency/broken.py": broken}
    assert done.stdout.splitlines()[-1] == (
        "Rewrote 6 files; 2 uses of names caudal lacks; 1 CI command to change by hand; "
        "1 file not parsed (10 files checked)."
    )


def test_check_on_a_migrated_tree_with_an_unparsable_file_exits_1(tmp_path):
    write_tree(tmp_path, {"ok.py": "import caudal\n", "bad.py": "def (:\n"})

    done = run_migrate(tmp_path, "--check")

    assert done.returncode == 1
    assert done.stderr.startswith("bad.py:")


def test_migrate_a_single_file(tmp_path):
    flow_file = write_tree(tmp_path, {"flow.py": "import prefect\n"}) / "flow.py"

    done = run_migrate(flow_file)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "Rewrote flow.py"
    assert flow_file.read_text() == "import caudal\n"


FLOW = """\
# A flow written for Prefect 0.15.
import prefect
from prefect import Flow, Parameter, task
from prefect.engine.state import Success


@task
def double(x):
    prefect.context.get("logger").info("doubling %s", x)
    return 2 * x


with Flow("double") as flow:
    doubled = double(Parameter("x", default=21))

if __name__ == "__main__":
    state = flow.run()
    assert isinstance(state, Success), state
    print(state.result[doubled].result)
"""


def test_migrated_flow_runs_with_caudal(tmp_path):
    flow_file = write_tree(tmp_path, {"flow.py": FLOW}) / "flow.py"

    assert run_migrate(tmp_path).returncode == 0
    ran = subprocess.run([sys.executable, str(flow_file)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)

    assert flow_file.read_text() == FLOW.replace("import prefect\n", "import caudal\n").replace(
        "from prefect", "from caudal").replace("prefect.context", "caudal.context")
    assert ran.returncode == 0, ran.stderr
    # caudal's run logs come first, the task's own line among them, as with Prefect.
    assert "caudal.double | doubling 21\n" in ran.stdout
    assert ran.stdout.endswith("\n42\n")
