"""Names checked against caudal itself: missing ones, and placeholders with their message."""

from __future__ import annotations

import pytest

from caudal.migrate.python import Reference
from caudal.migrate.report import check_reference, find_unsupported
from caudal.migrate.result import Finding


@pytest.mark.parametrize("path", [
    ("caudal",),
    ("caudal", "Flow"),
    ("caudal", "tasks", "prefect", "create_flow_run"),
    ("caudal", "schedules", "clocks", "IntervalClock"),
    # caudal.context answers attributes at run time: only `context` itself is checked.
    ("caudal", "context", "flow_run_id"),
])
def test_check_reference_of_a_name_caudal_has_is_none(path):
    assert check_reference(path) is None


def test_check_reference_of_a_missing_name_names_its_module():
    assert check_reference(("caudal", "run_configs", "ECSRun")) == (
        "ECSRun: not available in caudal ('caudal.run_configs' has no 'ECSRun').")


def test_check_reference_of_a_missing_module_names_the_name_imported_from_it():
    assert check_reference(("caudal", "tasks", "aws", "S3Upload")) == (
        "S3Upload: not available in caudal ('caudal.tasks' has no 'aws').")


def test_check_reference_of_a_placeholder_gives_its_not_available_message():
    message = check_reference(("caudal", "engine", "results", "AzureResult"))

    assert message is not None
    assert message.startswith("AzureResult: 'AzureResult' is not available in this version "
                              "of caudal yet; it arrives with ")


def test_find_unsupported_reports_each_use_with_its_line():
    references = [Reference(1, ("caudal", "Flow")), Reference(2, ("caudal", "Nope")),
                  Reference(9, ("caudal", "Nope"))]

    assert find_unsupported("flows.py", references) == [
        Finding("flows.py", 2, "Nope: not available in caudal ('caudal' has no 'Nope')."),
        Finding("flows.py", 9, "Nope: not available in caudal ('caudal' has no 'Nope')."),
    ]
