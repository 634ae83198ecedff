"""Prefect commands mapped onto caudal's own command tree."""

from __future__ import annotations

import pytest

from caudal.migrate.commands import describe_command


@pytest.mark.parametrize(("prefect", "caudal"), [
    ("prefect register --project x -p pipelines/", "caudal register --project x -p pipelines/"),
    ("prefect agent local start --label etl", "caudal agent local start --label etl"),
    ("prefect create project x", "caudal create project x"),
    ("prefect version", "caudal --version"),
    ("prefect get flows", "caudal flows ls"),
])
def test_describe_command_with_a_caudal_equivalent(prefect, caudal):
    assert describe_command(prefect) == f"runs '{prefect}'; with caudal: '{caudal}'."


def test_describe_command_without_an_equivalent_says_what_caudal_offers():
    assert describe_command("prefect agent docker start") == (
        "runs 'prefect agent docker start'; caudal has no 'caudal agent docker' command "
        "('caudal agent' offers: kubernetes, local, start).")
