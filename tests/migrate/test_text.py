"""PREFECT__ variables renamed in settings files; prefect commands found in CI files."""

from __future__ import annotations

import pytest

from caudal.migrate.text import CommandLine, find_prefect_commands, rewrite_variables


@pytest.mark.parametrize(("before", "after"), [
    (b"ENV PREFECT__LOGGING__LEVEL=DEBUG\n", b"ENV CAUDAL__LOGGING__LEVEL=DEBUG\n"),
    (b"PREFECT__A=1\r\nexport PREFECT__B=2\r\n", b"CAUDAL__A=1\r\nexport CAUDAL__B=2\r\n"),
    (b'[env]\nPREFECT__SERVER__HOST = "x"\n', b'[env]\nCAUDAL__SERVER__HOST = "x"\n'),
    (b"RUN echo ${PREFECT__FLOWS__CHECKPOINTING}\n", b"RUN echo ${CAUDAL__FLOWS__CHECKPOINTING}\n"),
])
def test_rewrite_variables_renames_the_prefix(before, after):
    assert rewrite_variables(before) == after


@pytest.mark.parametrize("content", [
    b"MY_PREFECT__X=1\n",      # another variable that contains the prefix
    b"PREFECT__=1\n",          # no name after the prefix
    b"PREFECT_API=1\n",        # a single underscore
    b"pip install prefect\n",
])
def test_rewrite_variables_leaves_other_names(content):
    assert rewrite_variables(content) == content


def test_find_prefect_commands_in_a_workflow():
    text = ("steps:\n"
            "  - run: pip install prefect==0.15.9 prefect-aws\n"
            "  - run: prefect register --project x -p pipelines/\n"
            "  - run: prefect agent local start --label etl && echo started\n"
            "  - run: ls ~/.prefect/  # prefect's home\n")

    assert find_prefect_commands(text) == [
        CommandLine(3, "prefect register --project x -p pipelines/"),
        CommandLine(4, "prefect agent local start --label etl"),
    ]


def test_find_prefect_commands_in_a_jenkinsfile_and_a_makefile():
    text = ("stage('deploy') { sh 'prefect register --project x -p flows/' }\n"
            "register:\n\tprefect server start; prefect version\n")

    assert find_prefect_commands(text) == [
        CommandLine(1, "prefect register --project x -p flows/"),
        CommandLine(3, "prefect server start"),
        CommandLine(3, "prefect version"),
    ]
