"""What a backend run writes to its spool is what the server's batches take: every task state
and log line of a run (plain tasks, mapped children, text that needs escaping) passes the
server's own validation, and names the task run it came from."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pydantic import TypeAdapter

import caudal
from caudal import Flow, task
from caudal.engine.cloud.flow_runner import CloudFlowRunner
from caudal.engine.cloud.log_handler import SpoolLogHandler
from caudal.engine.cloud.spool import SpoolWriter
from caudal.engine.flow_run import run_flow_locally
from caudal.utilities.logging import get_logger
from caudal.wire.logs import LogLine
from caudal.wire.runs import TaskRunState

RUN_ID = "5d2c3f4e-0000-4000-8000-00000000abcd"


@task
def rows(n: int) -> list[int]:
    caudal.context.logger.info('reading "%d" rows\tfrom caf\u00e9 \\ <src>\n(two lines)', n)
    return list(range(n))


@task
def double(x: int) -> int:
    if x == 1:
        raise ValueError("no ones \u2013 \x01")
    return 2 * x


def _spooled(tmp_path: Path) -> list[tuple[str, dict]]:
    writer = SpoolWriter(tmp_path / "spool")
    handler = SpoolLogHandler(writer, RUN_ID)
    with Flow("records") as flow:
        double.map(rows(3))
    get_logger().addHandler(handler)
    try:
        run_flow_locally(flow, parameters={}, run_on_schedule=False, runner_cls=CloudFlowRunner,
                         context={"flow_run_id": RUN_ID, "spool": writer, "checkpointing": False})
    finally:
        get_logger().removeHandler(handler)
        writer.close()
    (spool_file,) = (tmp_path / "spool").iterdir()
    records = []
    for line in spool_file.read_text().splitlines():
        head, _, body = line.partition("\t")
        records.append((head[0], json.loads(body)))
    return records


def test_every_state_and_log_line_passes_the_servers_validation(tmp_path: Path) -> None:
    records = _spooled(tmp_path)

    states = TypeAdapter(list[TaskRunState]).validate_python([r for k, r in records if k == "S"])
    lines = TypeAdapter(list[LogLine]).validate_python([r for k, r in records if k == "L"])

    assert {(s["task_slug"], s["map_index"], s["state"]) for s in states} >= {
        ("rows-1", -1, "Success"), ("double-1", -1, "Mapped"), ("double-1", 0, "Success"),
        ("double-1", 1, "Failed"), ("double-1", 2, "Success")}
    failed = next(s for s in states if s["state"] == "Failed")
    assert "ValueError('no ones \u2013 \\x01')" in failed["message"]
    said = next(x for x in lines if "reading" in x["message"])
    assert said["message"] == 'reading "3" rows\tfrom caf\u00e9 \\ <src>\n(two lines)'
    assert (said["task_slug"], said.get("map_index"), said["level"]) == ("rows-1", None,
                                                                          logging.INFO)
    child = next(x for x in lines if x["message"].startswith("Task 'double[2]'"))
    assert (child["task_slug"], child["map_index"]) == ("double-1", 2)
    flow_level = next(x for x in lines if x["message"].startswith("Beginning Flow run"))
    assert (flow_level.get("task_slug"), flow_level.get("map_index")) == (None, None)
    assert all(x["flow_run_id"] == RUN_ID for x in [*states, *lines])
