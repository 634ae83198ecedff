"""`make up`: the tutorial's flow registered on a local server and run by a local agent.

Starts the randomuser stand-in on a free loopback port (no internet needed), then
`caudal up`: a server on embedded SQLite and one local agent, with the tutorial's flows
registered in project 'tutorial' and its 'Users report' flow run once through the agent, from
a fresh `.caudal-run/users_report/` folder (where the run writes report.csv). caudal keeps its
files in a fresh `.caudal-run/home/` unless CAUDAL_HOME is set: the stand-in's address is read
when the flow is registered (tasks.py reads it at import), and it changes at every start, so a
flow kept from an earlier start would call a stand-in that is gone. Then both keep serving
until Ctrl-C;
with `--once` (or CI=true) everything stops after that first run. Exits 1 when the run does
not end in Success.

    python examples/users_report/up.py [--port 4200] [--once]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from stand_in_api import serve

EXAMPLE_DIR = Path(__file__).resolve().parent
REPO_DIR = EXAMPLE_DIR.parents[1]
RUN_DIR = REPO_DIR / ".caudal-run" / "users_report"
HOME_DIR = REPO_DIR / ".caudal-run" / "home"


def fresh_run_dir() -> Path:
    """An empty working folder, so a report.csv found afterwards was written by this run."""
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    RUN_DIR.mkdir(parents=True)
    return RUN_DIR


def count_data_rows(report: Path) -> int:
    """Rows after the header; csv handles quoted fields that contain commas or newlines."""
    with report.open(newline="", encoding="utf-8") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def run_until_stopped(command: list[str], run_dir: Path, env: dict[str, str]) -> int:
    """Run ``caudal up`` until it ends; its exit code (0 when it was asked to stop).

    Ctrl-C reaches it (and its server and agent) from the terminal. A SIGINT or SIGTERM
    sent to this script alone is passed on as SIGTERM, so that nothing outlives it.
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    process = subprocess.Popen(command, cwd=run_dir, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGTERM)  # caudal up ignores it if already stopping
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4200, help="the server's port")
    parser.add_argument("--once", action="store_true",
                        help="stop after the first run (the default when CI is true)")
    args = parser.parse_args()

    run_dir = fresh_run_dir()
    env = dict(os.environ)
    if not env.get("CAUDAL_HOME"):
        shutil.rmtree(HOME_DIR, ignore_errors=True)
        env["CAUDAL_HOME"] = str(HOME_DIR)
    command = [sys.executable, "-m", "caudal", "up", "--port", str(args.port),
               "--path", str(EXAMPLE_DIR / "flows.py"), "--project", "tutorial",
               "--run", "Users report"]
    if args.once:
        command.append("--once")
    report = run_dir / "report.csv"
    print(f"The tutorial's run writes report.csv in {run_dir}")
    with serve() as api:
        # tasks.py reads RANDOMUSER_URL when the run imports it; the agent passes it on.
        env["RANDOMUSER_URL"] = api.url
        code = run_until_stopped(command, run_dir, env)
    if code != 0:
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
