"""Run the corpus's local flows and print one JSON summary (under Prefect 0.15.9 or caudal).

Stdlib-only and valid Python 3.9: the reference interpreter runs it on the original sources,
caudal's on the migrated copy. Usage:
    python run_corpus.py PIPELINES_PARENT WORK_DIR API_URL DB_PATH MARKER
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

DRIVER_PY = Path(__file__).resolve().parents[2] / "compat" / "driver.py"
SCHEDULE_AFTER = datetime.datetime.fromisoformat("2023-01-01T00:00:00+00:00")


def load_driver() -> Any:
    spec = importlib.util.spec_from_file_location("corpus_compat_driver", DRIVER_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_compat_driver"] = module
    spec.loader.exec_module(module)
    return module


def fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    return value


def describe_schedule(flow: Any, driver: Any) -> Any:
    if flow.schedule is None:
        return None
    events = flow.schedule.next(6, after=SCHEDULE_AFTER, return_events=True)
    # Events of several clocks due at the same moment come in no promised order.
    described = [
        {
            "start": event.start_time.isoformat(),
            "parameter_defaults": driver.normalize(event.parameter_defaults),
            "labels": sorted(event.labels or []),
        }
        for event in events
    ]
    return sorted(described, key=lambda event: json.dumps(event, sort_keys=True))


def read_files(root: Path, skip: set[Path]) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path in skip:
            continue
        if path.suffix in {".json", ".csv", ".txt"}:
            files[str(path.relative_to(root))] = path.read_text()
        else:
            files[str(path.relative_to(root))] = {"bytes": path.stat().st_size}
    return files


def main(argv: list[str]) -> int:
    pipelines_parent, work_dir, api_url, db_path, marker = argv
    driver = load_driver()
    os.chdir(work_dir)  # results and targets are relative to the working directory
    sys.path.insert(0, pipelines_parent)
    index = importlib.import_module("pipelines.corpus_index")
    importlib.import_module("pipelines.flows")  # every agency's flows import together
    values = {"api_url": api_url, "db_path": db_path}
    runs = []
    for module_name, flow_name, parameters in index.LOCAL_RUNS:
        flow = getattr(importlib.import_module(module_name), flow_name)
        document: dict[str, Any] = {
            "flow": flow_name,
            "name": flow.name,
            "defaults": {p.name: driver.normalize(p.default) for p in flow.parameters()},
            "schedule": describe_schedule(flow, driver),
        }
        try:
            state = flow.run(
                parameters=fill(parameters, values),
                run_on_schedule=False,
                context={"corpus_local_run": True},
            )
        except Exception as exc:
            document["raised"] = {"type": type(exc).__name__, "message": str(exc)}
        else:
            document["run"] = driver.describe_run(flow, state)
        runs.append(document)
    summary = {"runs": runs, "files": read_files(Path(work_dir), {Path(db_path)})}
    sys.stdout.flush()
    # Paths of this run's folder differ between the two runs; the rest must not.
    text = json.dumps(summary, sort_keys=True).replace(work_dir, "<work>")
    sys.stdout.write(f"\n{marker}\n{text}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
