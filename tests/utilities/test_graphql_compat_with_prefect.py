"""The same Python objects give the same GraphQL strings under Prefect 0.15.9 and caudal.

graphql_compat_driver.py builds many arguments, documents and queries with each library's
``utilities.graphql`` helpers and prints the strings; they must be equal character for
character, since pipelines send them to a server as they are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from caudal.utilities.graphql import decompress

DRIVER = Path(__file__).with_name("graphql_compat_driver.py")


def run_driver(python: str, lib: str) -> dict:
    done = subprocess.run([python, str(DRIVER), lib], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def outputs() -> tuple[dict, dict]:
    prefect_python = os.environ.get("CAUDAL_COMPAT_PYTHON")
    if not prefect_python:
        pytest.skip("CAUDAL_COMPAT_PYTHON is not set (make test sets it)")
    return run_driver(prefect_python, "prefect"), run_driver(sys.executable, "caudal")


@pytest.mark.compat
@pytest.mark.parametrize("part", ["arguments", "with_args", "documents", "objects", "enum",
                                  "literal_set", "lowercase_first_letter",
                                  "multiline_indent", "compress_round_trip", "result"])
def test_graphql_helpers_give_the_same_strings_as_prefect(outputs, part):
    expected, got = outputs

    assert got[part] == expected[part]


@pytest.mark.compat
def test_strings_prefect_compressed_decompress_in_caudal(outputs):
    expected, _ = outputs

    assert [decompress(s) for s in expected["compressed"]] == [{"a": 1}, [1, "é", None], "text"]
