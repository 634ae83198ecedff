"""`make up`: run the tutorial's flow end to end on this machine, with no internet needed.

Starts the randomuser stand-in on a free loopback port, runs the flow exactly as `run.py` does
from a fresh `.caudal-run/users_report/` folder, stops the stand-in, and reports the CSV written.
Exits 1 when the flow run does not end in Success.
"""

from __future__ import annotations

import csv
import importlib
import os
import shutil
import sys
from pathlib import Path

from stand_in_api import serve

EXAMPLE_DIR = Path(__file__).resolve().parent
REPO_DIR = EXAMPLE_DIR.parents[1]
RUN_DIR = REPO_DIR / ".caudal-run" / "users_report"


def fresh_run_dir() -> Path:
    """An empty working folder, so a report.csv found afterwards was written by this run."""
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    RUN_DIR.mkdir(parents=True)
    return RUN_DIR


def run_tutorial_flow(api_url: str, run_dir: Path) -> bool:
    """Import the tutorial's flow and run it as run.py does; True if the run succeeded."""
    # tasks.py reads RANDOMUSER_URL when imported, and save_report writes to the current folder.
    os.environ["RANDOMUSER_URL"] = api_url
    os.chdir(run_dir)
    flows = importlib.import_module("flows")
    state = flows.flow.run()
    return state.is_successful()


def count_data_rows(report: Path) -> int:
    """Rows after the header; csv handles quoted fields that contain commas or newlines."""
    with report.open(newline="", encoding="utf-8") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def main() -> int:
    run_dir = fresh_run_dir()
    with serve() as api:
        succeeded = run_tutorial_flow(api.url, run_dir)
    report = run_dir / "report.csv"
    if not succeeded:
        print("The 'Users report' flow run did not succeed; see the log above.", file=sys.stderr)
        return 1
    if not report.exists():
        print(f"The flow run succeeded but wrote no '{report}'.", file=sys.stderr)
        return 1
    print(f"report.csv: {report}")
    print(f"data rows: {count_data_rows(report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
