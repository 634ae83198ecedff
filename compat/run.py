"""Run every scenario flow under Prefect 0.15.9 and under caudal, and compare the outcomes.

Each scenario in compat/scenarios/ runs in its own subprocess per library: as written under the
reference Prefect interpreter, and with `prefect` renamed to `caudal` (as a user would rename it)
under caudal's interpreter. compat/driver.py prints one JSON document per run; this script diffs
the two documents and prints MATCH or DIFF per scenario, then one summary line.

Usage: python compat/run.py --prefect-python PATH [--caudal-python PATH] [-k TEXT] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COMPAT_DIR = Path(__file__).resolve().parent
DRIVER = COMPAT_DIR / "driver.py"
SCENARIOS_DIR = COMPAT_DIR / "scenarios"
SCENARIO_NAME = re.compile(r"^\d+_\w+\.py$")
PREFECT_WORD = re.compile(r"\bprefect\b")
CAUDAL_WORD = re.compile(r"\bcaudal\b")
TIMEOUT_S = 60.0
STDERR_TAIL_LINES = 25
MAX_DIFF_LINES = 60
MAX_VALUE_CHARS = 400


@dataclass(frozen=True)
class Side:
    """One library under test: its label, interpreter and the folder its scenarios are read from."""

    label: str
    python: str
    scenarios_dir: Path


@dataclass
class Outcome:
    """What one driver run produced: a JSON document, or a crash description."""

    document: dict[str, Any] | None = None
    crash: str | None = None
    stderr_tail: str = ""


@dataclass
class Verdict:
    """The comparison of one scenario's two outcomes."""

    name: str
    matched: bool
    lines: list[str] = field(default_factory=list)


def rename_prefect(source: str) -> str:
    """Rename the `prefect` package to `caudal` the way a user would with search-and-replace.

    Example:
        >>> rename_prefect("from prefect import task\\nx = prefect.context.get('a')")
        "from caudal import task\\nx = caudal.context.get('a')"
    """
    return PREFECT_WORD.sub("caudal", source)


def unrename_strings(value: Any) -> Any:
    """Map the word `caudal` back to `prefect` inside every string of a caudal document.

    The renamed user code may build strings from module names; those are expected to differ
    by exactly the rename, so they are put back before comparing.
    """
    if isinstance(value, str):
        return CAUDAL_WORD.sub("prefect", value)
    if isinstance(value, list):
        return [unrename_strings(item) for item in value]
    if isinstance(value, dict):
        return {unrename_strings(k): unrename_strings(v) for k, v in value.items()}
    return value


def find_scenarios(directory: Path, substring: str | None = None) -> list[Path]:
    """Scenario files (`NN_name.py`) in name order, optionally filtered by a substring."""
    paths = sorted(p for p in directory.iterdir() if SCENARIO_NAME.match(p.name))
    if substring:
        paths = [p for p in paths if substring in p.stem]
    return paths


def copy_renamed_tree(source_dir: Path, target_dir: Path) -> None:
    """Copy every .py file of the scenario folder (scenarios and helpers) with the rename applied."""
    target_dir.mkdir(parents=True, exist_ok=True)
    for path in source_dir.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        (target_dir / path.name).write_text(rename_prefect(text), encoding="utf-8")


def parse_output(stdout: str, marker: str) -> dict[str, Any] | None:
    """The JSON document printed after the last marker line, or None when there is none."""
    lines = stdout.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip() == marker:
            payload = "\n".join(lines[index + 1 :]).strip()
            try:
                document = json.loads(payload)
            except ValueError:
                return None
            return document if isinstance(document, dict) else None
    return None


def tail(text: str, n_lines: int = STDERR_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-n_lines:])


def child_environment(scenarios_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(scenarios_dir)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_side(side: Side, scenario_name: str, timeout_s: float = TIMEOUT_S) -> Outcome:
    """Run the driver on one scenario under one interpreter, in a fresh temporary directory."""
    marker = f"===== caudal-compat-result {uuid.uuid4().hex} ====="
    command = [side.python, str(DRIVER), str(side.scenarios_dir / scenario_name), marker]
    with tempfile.TemporaryDirectory(prefix="caudal-compat-") as workdir:
        try:
            process = subprocess.Popen(
                command,
                cwd=workdir,
                env=child_environment(side.scenarios_dir),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
            )
        except OSError as exc:
            return Outcome(crash=f"could not start the {side.label} interpreter: {exc}")
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            kill_group(process)
            stdout, stderr = process.communicate()
            return Outcome(crash=f"timed out after {timeout_s:g} s", stderr_tail=tail(stderr))
    document = parse_output(stdout, marker)
    if process.returncode != 0 or document is None:
        reason = f"driver exited with code {process.returncode}"
        if process.returncode == 0:
            reason += " but printed no result document"
        return Outcome(crash=reason, stderr_tail=tail(stderr or stdout))
    return Outcome(document=document)


def kill_group(process: subprocess.Popen[str]) -> None:
    """Kill the driver and anything it spawned (it leads its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + "..."
    return text


def join_path(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def diff_values(expected: Any, actual: Any, path: str = "") -> Iterator[tuple[str, list[str]]]:
    """Each place where two JSON values differ (expected = Prefect), with readable lines."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            where = join_path(path, key)
            if key not in actual:
                yield where, [f"{where}: only under prefect: {show(expected[key])}"]
            elif key not in expected:
                yield where, [f"{where}: only under caudal: {show(actual[key])}"]
            else:
                yield from diff_values(expected[key], actual[key], where)
        return
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            yield from diff_values(left, right, join_path(path, index))
        return
    if expected != actual or type(expected) is not type(actual):
        yield path or "(document)", [
            f"{path or '(document)'}:",
            f"    expected (prefect): {show(expected)}",
            f"    got (caudal):       {show(actual)}",
        ]


def declared(path: str, differs: dict[str, str]) -> str | None:
    """The reason a scenario gives for caudal differing at ``path`` (or under it), if any."""
    for place, reason in differs.items():
        if path == place or path.startswith((place + ".", place + "[")):
            return reason
    return None


def describe_raise(document: dict[str, Any]) -> str:
    return f"{document['raised']}: {document.get('message', '')}"


def compare(name: str, prefect: Outcome, caudal: Outcome) -> Verdict:
    """Decide MATCH or DIFF for one scenario and explain any difference."""
    crashes = [(label, o) for label, o in (("prefect", prefect), ("caudal", caudal)) if o.crash]
    if crashes:
        lines = []
        for label, outcome in crashes:
            lines.append(f"{label} driver crashed: {outcome.crash}")
            lines.extend("    | " + line for line in outcome.stderr_tail.splitlines())
        return Verdict(name, False, lines)
    assert prefect.document is not None and caudal.document is not None
    expected, actual = prefect.document, caudal.document
    if "raised" in expected and "raised" in actual:
        if describe_raise(expected) == describe_raise(actual):
            return Verdict(name, True)
        return Verdict(
            name,
            True,
            [
                "note: flow.run raised under both; the exceptions differ",
                f"    prefect: {describe_raise(expected)}",
                f"    caudal:  {describe_raise(actual)}",
            ],
        )
    if "raised" in expected or "raised" in actual:
        label, document = ("prefect", expected) if "raised" in expected else ("caudal", actual)
        line = f"flow.run raised only under {label}: {describe_raise(document)}"
        return Verdict(name, False, [line])
    # The reasons are read from Prefect's side: caudal's strings had 'caudal' renamed back.
    differs = expected.pop("caudal_differs", {})
    actual.pop("caudal_differs", None)
    lines: list[str] = []
    notes: list[str] = []
    for path, diff_lines in diff_values(expected, actual):
        reason = declared(path, differs)
        if reason is None:
            lines.extend(diff_lines)
        else:
            notes.append(f"note: differs on purpose at {path}: {reason}")
            notes.extend("    " + line for line in diff_lines[1:])
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"... {len(lines) - MAX_DIFF_LINES} more lines"]
    return Verdict(name, not lines, lines + notes)


def print_verdict(verdict: Verdict) -> None:
    print(f"{'MATCH' if verdict.matched else 'DIFF'} {verdict.name}")
    for line in verdict.lines:
        print(f"  {line}")
    sys.stdout.flush()


def run_all(
    scenarios: Sequence[Path],
    prefect: Side,
    caudal: Side,
    jobs: int,
    rename: bool = True,
    timeout_s: float = TIMEOUT_S,
) -> list[Verdict]:
    """Run both sides of every scenario on a thread pool; report verdicts in scenario order."""
    verdicts = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures: list[tuple[str, Future[Outcome], Future[Outcome]]] = [
            (
                path.stem,
                pool.submit(run_side, prefect, path.name, timeout_s),
                pool.submit(run_side, caudal, path.name, timeout_s),
            )
            for path in scenarios
        ]
        for name, prefect_future, caudal_future in futures:
            caudal_outcome = caudal_future.result()
            if rename and caudal_outcome.document is not None:
                caudal_outcome.document = unrename_strings(caudal_outcome.document)
            verdict = compare(name, prefect_future.result(), caudal_outcome)
            print_verdict(verdict)
            verdicts.append(verdict)
    return verdicts


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefect-python", required=True, help="interpreter with Prefect 0.15.9")
    parser.add_argument(
        "--caudal-python",
        default=sys.executable,
        help="interpreter with caudal (default: this one)",
    )
    parser.add_argument("-k", dest="substring", help="only scenarios whose name contains this")
    parser.add_argument("--jobs", type=int, default=2, help="parallel subprocesses (default: 2)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help=argparse.SUPPRESS)
    # Runs the scenarios unrenamed on the caudal side too, to check the harness against itself.
    parser.add_argument("--no-rename", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    interpreters = {"--prefect-python": args.prefect_python, "--caudal-python": args.caudal_python}
    for option, python in interpreters.items():
        if shutil.which(python) is None:
            print(f"compat: {option} '{python}' is not an executable interpreter.", file=sys.stderr)
            return 2
    scenarios = find_scenarios(SCENARIOS_DIR, args.substring)
    with tempfile.TemporaryDirectory(prefix="caudal-compat-renamed-") as renamed:
        caudal_dir = SCENARIOS_DIR
        if not args.no_rename:
            caudal_dir = Path(renamed)
            copy_renamed_tree(SCENARIOS_DIR, caudal_dir)
        prefect = Side("prefect", args.prefect_python, SCENARIOS_DIR)
        caudal = Side("caudal", args.caudal_python, caudal_dir)
        verdicts = run_all(
            scenarios, prefect, caudal, args.jobs, rename=not args.no_rename, timeout_s=args.timeout
        )
    matching = sum(v.matched for v in verdicts)
    differing = len(verdicts) - matching
    print(f"compat: {len(verdicts)} scenarios, {matching} matching, {differing} differing")
    return 0 if verdicts and differing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
