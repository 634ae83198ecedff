"""What the engine costs per task: a flow run against a plain Python loop doing the same work.

Run by hand, never from the tests: `python benchmarks/engine.py [--prefect-python PATH]
[--cases chain,map,tutorial]`. Prints one JSON line per case and library; with --prefect-python,
the same cases also run under Prefect 0.15.9 and a last line gives Prefect's overhead over ours.
Each case runs in its own child process, so peak RSS is that case's. This file is also the child's
driver, so it must stay runnable on Python 3.9 with only the standard library imported up front.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
EXAMPLE_DIR = HERE.parents[1] / "examples" / "users_report"
CASES = ("chain", "map", "tutorial", "map_threads", "sleeps")
DEFAULT_SIZES = {"chain": 1_000, "map": 10_000, "tutorial": 5_000, "map_threads": 10_000,
                 "sleeps": 1_000}
MAP_THREADS_WORKERS = 8
SLEEP_S, SLEEP_WORKERS = 0.010, 50


# --- the work, shared by the flows and the plain loops ------------------------------------------


def inc(x: int) -> int:
    return x + 1


def total(numbers: list[int]) -> int:
    return sum(numbers)


# --- child side: build one case's flow, run it, time it ------------------------------------------


def timed_flow_run(flow: Any, **parameters: Any) -> tuple[float, Any]:
    """Wall time of flow.run() alone, and the final state it returned."""
    start = time.perf_counter()
    state = flow.run(**parameters)
    return time.perf_counter() - start, state


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def task_result(state: Any, task: Any) -> Any:
    """The value a task returned in a finished flow run, or None if there is none to read."""
    try:
        return state.result[task].result
    except Exception:
        return None


def chain_case(lib: Any, size: int, api_url: str) -> dict[str, Any]:
    """inc(inc(...inc(0))): `size` tasks, each waiting for the one before."""
    inc_task = lib.task(inc)
    with lib.Flow("chain") as flow:
        value = 0
        for _ in range(size):
            value = inc_task(value)
    total_s, state = timed_flow_run(flow)

    def plain() -> int:
        value = 0
        for _ in range(size):
            value = inc(value)
        return value

    plain_s, expected = timed(plain)
    return {
        "n_tasks": len(flow.tasks),
        "total_s": total_s,
        "plain_s": plain_s,
        "state": type(state).__name__,
        "result_ok": task_result(state, value) == expected,
    }


def map_case(lib: Any, size: int, api_url: str, executor: Any = None) -> dict[str, Any]:
    """inc.map over `size` numbers, then one task that sums them."""
    inc_task, total_task = lib.task(inc), lib.task(total)
    with lib.Flow("map") as flow:
        result = total_task(inc_task.map(list(range(size))))
    total_s, state = timed_flow_run(flow, **({"executor": executor} if executor else {}))
    plain_s, expected = timed(lambda: total([inc(x) for x in range(size)]))
    return {
        # The mapped children are task runs too; they are not in flow.tasks.
        "n_tasks": len(flow.tasks) + size,
        "total_s": total_s,
        "plain_s": plain_s,
        "state": type(state).__name__,
        "result_ok": task_result(state, result) == expected,
    }


def map_threads_case(lib: Any, size: int, api_url: str) -> dict[str, Any]:
    """The map case on LocalDaskExecutor(scheduler="threads", num_workers=8)."""
    from importlib import import_module

    executor = import_module(f"{lib.__name__}.executors").LocalDaskExecutor(
        scheduler="threads", num_workers=MAP_THREADS_WORKERS
    )
    return map_case(lib, size, api_url, executor=executor)


def nap(x: int) -> int:
    time.sleep(SLEEP_S)
    return x


def sleeps_case(lib: Any, size: int, api_url: str) -> dict[str, Any]:
    """`size` independent 10 ms sleeps on 50 threads; plain_s is the ideal wall time."""
    from importlib import import_module

    executor = import_module(f"{lib.__name__}.executors").LocalDaskExecutor(
        scheduler="threads", num_workers=SLEEP_WORKERS
    )
    nap_task = lib.task(nap)
    with lib.Flow("sleeps") as flow:
        naps = nap_task.map(list(range(size)))
    total_s, state = timed_flow_run(flow, executor=executor)
    ideal_s = size * SLEEP_S / SLEEP_WORKERS
    return {
        "n_tasks": len(flow.tasks) + size,
        "total_s": total_s,
        "plain_s": ideal_s,
        "vs_ideal": round(total_s / ideal_s, 3),
        "state": type(state).__name__,
        "result_ok": task_result(state, naps) == list(range(size)),
    }


def tutorial_case(lib: Any, size: int, api_url: str) -> dict[str, Any]:
    """The tutorial's 'Users report' flow with `size` users from the stand-in API."""
    # tasks.py reads RANDOMUSER_URL at import; under Prefect the tutorial's `caudal` imports
    # must resolve to prefect, as they would after the user's own rename.
    os.environ["RANDOMUSER_URL"] = api_url
    sys.modules.setdefault("caudal", lib)
    sys.path.insert(0, str(EXAMPLE_DIR))
    flow = importlib.import_module("flows").flow
    import pandas as pd
    import requests

    def plain() -> int:
        url = f"{api_url}/api/?results={size}&format=csv"
        frame = pd.read_csv(StringIO(requests.get(url, timeout=(10, 60)).text))
        frame.to_csv("report_plain.csv", index=False)
        return len(frame)

    # One untimed pass first: it fills the stand-in's answer cache and pays pandas' first-call
    # costs, which would otherwise be charged to whichever timed run came first.
    plain()
    total_s, state = timed_flow_run(flow, n_users=size)
    plain_s, rows = timed(plain)
    written = len(pd.read_csv("report.csv")) if Path("report.csv").exists() else -1
    return {
        "n_tasks": len(flow.tasks),
        "total_s": total_s,
        "plain_s": plain_s,
        "state": type(state).__name__,
        "result_ok": written == rows == size,
    }


CHILD_CASES: dict[str, Callable[[Any, int, str], dict[str, Any]]] = {
    "chain": chain_case,
    "map": map_case,
    "tutorial": tutorial_case,
    "map_threads": map_threads_case,
    "sleeps": sleeps_case,
}


def peak_rss_mb() -> float:
    """This process's peak resident set size; Linux reports KiB, macOS bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_child(library: str, case: str, size: int, api_url: str, result_path: Path) -> None:
    lib = importlib.import_module(library)
    measured = CHILD_CASES[case](lib, size, api_url)
    measured["peak_rss_mb"] = peak_rss_mb()
    measured["version"] = getattr(lib, "__version__", "?")
    measured["python"] = platform.python_version()
    result_path.write_text(json.dumps(measured))


# --- parent side: one child per case, then the report -------------------------------------------


def child_env() -> dict[str, str]:
    """INFO logging on for both libraries, as a user's run has it."""
    env = dict(os.environ)
    env["PREFECT__LOGGING__LEVEL"] = "INFO"
    env["CAUDAL__LOGGING__LEVEL"] = "INFO"
    env.pop("PYTHONPATH", None)
    return env


def run_case(python: str, library: str, case: str, size: int, api_url: str) -> dict[str, Any]:
    """Run one case in a fresh interpreter; its log lines go to a file, its numbers come back."""
    line: dict[str, Any] = {"library": library, "case": case}
    with tempfile.TemporaryDirectory(prefix=f"bench-{library}-{case}-") as folder:
        work = Path(folder)
        result_path, log_path = work / "result.json", work / "flow.log"
        command = [
            python,
            str(HERE),
            "--child",
            case,
            "--library",
            library,
            "--size",
            str(size),
            "--api-url",
            api_url,
            "--result",
            str(result_path),
        ]
        with log_path.open("w") as log:
            completed = subprocess.run(command, cwd=work, env=child_env(), stdout=log, stderr=log)
        log_text = log_path.read_text(errors="replace")
        if completed.returncode != 0 or not result_path.exists():
            line["error"] = f"child exited {completed.returncode}: ...{log_text[-2000:]}"
            return line
        measured = json.loads(result_path.read_text())
    n_tasks = measured["n_tasks"]
    line.update(
        version=measured["version"],
        python=measured["python"],
        n_tasks=n_tasks,
        total_s=round(measured["total_s"], 4),
        plain_s=round(measured["plain_s"], 6),
        overhead_us_per_task=round((measured["total_s"] - measured["plain_s"]) / n_tasks * 1e6, 1),
        peak_rss_mb=round(measured["peak_rss_mb"], 1),
        state=measured["state"],
        result_ok=measured["result_ok"],
        log_lines=log_text.count("\n"),
    )
    if "vs_ideal" in measured:
        line["vs_ideal"] = measured["vs_ideal"]
    return line


def load_stand_in_api() -> Any:
    """examples/users_report/stand_in_api.py, imported without the tutorial on sys.path."""
    spec = importlib.util.spec_from_file_location("stand_in_api", EXAMPLE_DIR / "stand_in_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class NoServer:
    url = ""

    def __enter__(self) -> NoServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


def stand_in_if_needed(cases: list[str]) -> Any:
    """The randomuser stand-in, in this process, for the tutorial case; else a placeholder."""
    return load_stand_in_api().serve() if "tutorial" in cases else NoServer()


def overhead_ratios(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Prefect's overhead per task over caudal's, for each case both ran."""
    overhead = {(line["library"], line["case"]): line.get("overhead_us_per_task") for line in lines}
    ratios: dict[str, Any] = {"ratio": "prefect overhead_us_per_task / caudal overhead_us_per_task"}
    for case in dict.fromkeys(line["case"] for line in lines):
        ours, theirs = overhead.get(("caudal", case)), overhead.get(("prefect", case))
        ratios[case] = round(theirs / ours, 1) if ours and theirs and ours > 0 else None
    return ratios


def run_benchmarks(cases: list[str], sizes: dict[str, int], prefect_python: str | None) -> int:
    libraries = [("caudal", sys.executable)]
    if prefect_python:
        libraries.append(("prefect", prefect_python))
    lines = []
    with stand_in_if_needed(cases) as api:
        for case in cases:
            for library, python in libraries:
                line = run_case(python, library, case, sizes[case], api.url)
                print(json.dumps(line), flush=True)
                lines.append(line)
    if prefect_python:
        print(json.dumps(overhead_ratios(lines)), flush=True)
    failed = [line for line in lines if "error" in line or line["state"] != "Success"]
    return 1 if failed else 0


# --- command line -------------------------------------------------------------------------------


def parse_sizes(text: str) -> dict[str, int]:
    """'map=1000,chain=10' -> the default sizes with those two replaced."""
    sizes = dict(DEFAULT_SIZES)
    for item in filter(None, text.split(",")):
        case, _, number = item.partition("=")
        if case not in sizes or not number.isdigit():
            raise argparse.ArgumentTypeError(f"'{item}' is not CASE=N with CASE in {CASES}")
        sizes[case] = int(number)
    return sizes


def parse_cases(text: str) -> list[str]:
    cases = [case for case in text.split(",") if case]
    unknown = [case for case in cases if case not in CASES]
    if unknown or not cases:
        raise argparse.ArgumentTypeError(f"unknown case(s) {unknown}; choose from {CASES}")
    return cases


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    defaults = ",".join(f"{case}={size}" for case, size in DEFAULT_SIZES.items())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases",
        type=parse_cases,
        default=list(CASES),
        help=f"comma-separated subset of {','.join(CASES)} (default: all)",
    )
    parser.add_argument(
        "--prefect-python",
        metavar="PATH",
        help="a Python with prefect==0.15.9 installed; runs every case there too",
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=dict(DEFAULT_SIZES),
        help=f"override sizes, e.g. chain=100,map=500 (defaults: {defaults})",
    )
    # The child's side of the conversation; not for people.
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--library", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        run_child(args.library, args.child, args.size, args.api_url, args.result)
        return 0
    return run_benchmarks(args.cases, args.sizes, args.prefect_python)


if __name__ == "__main__":
    sys.exit(main())
