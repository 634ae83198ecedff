"""The LibCST rewrite: only the package ``prefect`` becomes ``caudal``, every other byte kept."""

from __future__ import annotations

import libcst as cst
import pytest

from caudal.migrate.python import Reference, rewrite_source


def rewritten(source: str) -> str:
    return rewrite_source(source.encode()).source.decode()


@pytest.mark.parametrize(("before", "after"), [
    ("import prefect\n", "import caudal\n"),
    ("from prefect import Flow\n", "from caudal import Flow\n"),
    ("from prefect.tasks.prefect import create_flow_run\n",
     "from caudal.tasks.prefect import create_flow_run\n"),
    ("import prefect as pf\npf.context.get('x')\n", "import caudal as pf\npf.context.get('x')\n"),
    ("import prefect.tasks.shell\nprefect.tasks.shell.ShellTask()\n",
     "import caudal.tasks.shell\ncaudal.tasks.shell.ShellTask()\n"),
    ("from prefect import *\n", "from caudal import *\n"),
    ("import os, prefect  # both\n", "import os, caudal  # both\n"),
    ("from   prefect . schedules   import (\n  clocks ,  # c\n)\n",
     "from   caudal . schedules   import (\n  clocks ,  # c\n)\n"),
])
def test_rewrite_renames_the_leading_prefect_of_imports(before, after):
    assert rewritten(before) == after


@pytest.mark.parametrize("source", [
    # Strings and comments are left alone.
    's = "import prefect"  # prefect.context\n',
    # A relative module named prefect, and packages whose name only starts with prefect.
    "from .prefect import x\nimport prefect_aws\nfrom prefectlib import y\n",
    # A name prefect that no import bound.
    "prefect = {}\nprefect.get('x')\n",
])
def test_rewrite_leaves_what_is_not_the_prefect_package(source):
    assert rewritten(source) == source


def test_rewrite_renames_uses_of_the_module_in_functions():
    source = "import prefect\n\ndef f():\n    return prefect.context.get('x')  # keep\n"

    assert rewritten(source) == (
        "import caudal\n\ndef f():\n    return caudal.context.get('x')  # keep\n")


def test_rewrite_keeps_parameters_locals_and_class_attributes_named_prefect():
    source = (
        "import prefect\n"
        "def f(prefect):\n    return prefect.x\n"
        "def g():\n    prefect = 1\n    return prefect\n"
        "class C:\n    prefect = 3\n    y = prefect\n"
        "squares = [prefect * prefect for prefect in range(3)]\n"
    )

    assert rewritten(source) == source.replace("import prefect\n", "import caudal\n", 1)


def test_rewrite_renames_a_fallback_binding_of_the_module():
    source = ("try:\n    import prefect\nexcept ImportError:\n    prefect = None\n"
              "if prefect is not None:\n    prefect.context.get('x')\n")

    assert rewritten(source) == source.replace("prefect", "caudal")


def test_rewrite_keeps_windows_line_endings_and_the_coding_line():
    source = b"# -*- coding: latin-1 -*-\r\nimport prefect  # caf\xe9\r\n"

    assert rewrite_source(source).source == source.replace(b"import prefect", b"import caudal")


def test_rewrite_lists_the_caudal_names_used_with_their_lines():
    source = ("from prefect import (\n    Flow,\n    task as t,\n)\n"
              "import prefect.run_configs as rc\n"
              "rc.ECSRun()\n"
              "import prefect\n"
              "prefect.schedules.clocks.IntervalClock\n")

    assert rewrite_source(source.encode()).references == [
        Reference(2, ("caudal", "Flow")),
        Reference(3, ("caudal", "task")),
        Reference(5, ("caudal", "run_configs")),
        Reference(6, ("caudal", "run_configs", "ECSRun")),
        Reference(7, ("caudal",)),
        Reference(8, ("caudal", "schedules", "clocks", "IntervalClock")),
    ]


def test_rewrite_lists_the_names_of_a_file_already_migrated():
    source = b"from caudal.run_configs import ECSRun\n"

    rewrite = rewrite_source(source)

    assert rewrite.source == source
    assert rewrite.references == [Reference(1, ("caudal", "run_configs", "ECSRun"))]


def test_rewrite_of_a_file_that_does_not_parse_raises_the_parser_error():
    with pytest.raises(cst.ParserSyntaxError):
        rewrite_source(b"def broken(:\n")
