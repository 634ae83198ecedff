"""The compat harness: scenario flows give the same outcomes under Prefect 0.15.9 and caudal.

The slow test runs `compat/run.py` against the reference interpreter named by
CAUDAL_COMPAT_PYTHON (set by `make test`); the fast tests check the harness's own pieces.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_PY = ROOT / "compat" / "run.py"
DRIVER_PY = ROOT / "compat" / "driver.py"


def load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve string annotations through sys.modules, so register before executing.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


run = load_module("caudal_compat_run", RUN_PY)
driver = load_module("caudal_compat_driver", DRIVER_PY)


@pytest.mark.compat
@pytest.mark.timeout(900)
def test_scenarios_match_prefect_0_15_9() -> None:
    prefect_python = os.environ.get("CAUDAL_COMPAT_PYTHON")
    if not prefect_python:
        pytest.skip(
            "CAUDAL_COMPAT_PYTHON is not set; run `make test` or `make compat` to build the "
            "Prefect 0.15.9 reference venv and compare against it."
        )
    completed = subprocess.run(
        [sys.executable, str(RUN_PY), "--prefect-python", prefect_python],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=850,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        pytest.fail(f"compat harness reported differences:\n{output}", pytrace=False)
    assert completed.stdout.splitlines()[-1].startswith("compat: ")


def test_rename_prefect_renames_imports_and_attribute_uses() -> None:
    source = (
        "import prefect\n"
        "from prefect import task, Flow\n"
        "from prefect.engine.state import Failed\n"
        "from prefect.tasks.control_flow import merge\n"
        "logger = prefect.context.get('logger')\n"
        "state = prefect.engine.state.Success()\n"
    )
    assert run.rename_prefect(source) == (
        "import caudal\n"
        "from caudal import task, Flow\n"
        "from caudal.engine.state import Failed\n"
        "from caudal.tasks.control_flow import merge\n"
        "logger = caudal.context.get('logger')\n"
        "state = caudal.engine.state.Success()\n"
    )


def test_rename_prefect_leaves_longer_names_and_capitals_alone() -> None:
    source = "import prefect_helpers\nmy_prefect = 1\nPREFECT__LOGGING__LEVEL = 'x'\n# Prefect\n"
    assert run.rename_prefect(source) == source


def test_unrename_strings_maps_caudal_back_in_nested_strings() -> None:
    document = {"caudal.x": ["module caudal", {"k": "caudaloso"}], "n": 1}
    assert run.unrename_strings(document) == {
        "prefect.x": ["module prefect", {"k": "caudaloso"}],
        "n": 1,
    }


def test_normalize_exceptions_sets_tuples_and_keys() -> None:
    value = {
        "error": ValueError("bad row"),
        "tags": {"b", "a"},
        "pair": (1, 2.5),
        3: None,
        "nan": float("nan"),
        "raw": b"x",
    }
    assert driver.normalize(value) == {
        "error": {"exception": "ValueError", "str": "bad row"},
        "tags": ["a", "b"],
        "pair": [1, 2.5],
        "3": None,
        "nan": "nan",
        "raw": "b'x'",
    }


def test_normalize_dataframe_becomes_records() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"bairro": ["Derby", "Torre"], "valor": [1, 2]})
    assert driver.normalize(frame) == {
        "dataframe": [{"bairro": "Derby", "valor": 1}, {"bairro": "Torre", "valor": 2}]
    }


def test_parse_output_reads_document_after_last_marker() -> None:
    stdout = 'log line\nMARK\n{"old": 1}\nmore logs\nMARK\n{"flow": {"state": "Success"}}\n'
    assert run.parse_output(stdout, "MARK") == {"flow": {"state": "Success"}}
    assert run.parse_output("no marker here\n", "MARK") is None


def test_compare_identical_documents_match() -> None:
    document = {"flow": {"state": "Success", "message": "ok"}, "tasks": {}}
    verdict = run.compare("s", run.Outcome(document=document), run.Outcome(document=document))
    assert verdict.matched and verdict.lines == []


def test_compare_reports_differing_task_state_with_path() -> None:
    expected = {"flow": {"state": "Failed"}, "tasks": {"total-1": {"state": "TriggerFailed"}}}
    actual = {"flow": {"state": "Failed"}, "tasks": {"total-1": {"state": "Failed"}}}
    verdict = run.compare("s", run.Outcome(document=expected), run.Outcome(document=actual))
    assert not verdict.matched
    assert verdict.lines == [
        "tasks.total-1.state:",
        '    expected (prefect): "TriggerFailed"',
        '    got (caudal):       "Failed"',
    ]


def test_compare_both_raised_matches_with_note_when_messages_differ() -> None:
    prefect = run.Outcome(document={"raised": "ValueError", "message": "missing day"})
    caudal = run.Outcome(document={"raised": "TypeError", "message": "day?"})
    verdict = run.compare("s", prefect, caudal)
    assert verdict.matched
    assert verdict.lines[0].startswith("note:")


def test_compare_only_one_side_raised_differs() -> None:
    prefect = run.Outcome(document={"raised": "ValueError", "message": "missing day"})
    caudal = run.Outcome(document={"flow": {"state": "Success"}, "tasks": {}})
    verdict = run.compare("s", prefect, caudal)
    assert not verdict.matched
    assert verdict.lines == ["flow.run raised only under prefect: ValueError: missing day"]


def test_compare_driver_crash_differs_and_shows_stderr_tail() -> None:
    document = {"flow": {"state": "Success"}, "tasks": {}}
    crashed = run.Outcome(crash="driver exited with code 3", stderr_tail="ImportError: boom")
    verdict = run.compare("s", run.Outcome(document=document), crashed)
    assert not verdict.matched
    assert verdict.lines == [
        "caudal driver crashed: driver exited with code 3",
        "    | ImportError: boom",
    ]


def test_every_scenario_defines_a_flow_and_avoids_manual_only() -> None:
    scenarios = run.find_scenarios(run.SCENARIOS_DIR)
    assert len(scenarios) >= 34
    for path in scenarios:
        text = path.read_text(encoding="utf-8")
        assert "as flow:" in text or "\nflow = " in text, f"{path.name} defines no `flow`"
        # A flow.run() that pauses would wait for someone at a terminal (Prefect prompts).
        assert "manual_only" not in text, path.name
        assert not re.search(r"raise\s+(signals\.)?PAUSE\b", text), path.name
