"""Log lines: Prefect 0.15's exact format on stdout, per-task loggers, the configured level."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import caudal
from caudal import Flow, Task, task
from caudal.utilities.logging import get_logger

TIMESTAMP = r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4}\] "


def line_pattern(level: str, name: str, message: str) -> re.Pattern[str]:
    """One whole log line: timestamp, level, logger name and message."""
    return re.compile(
        TIMESTAMP + f"{level} - {re.escape(name)} \\| {re.escape(message)}$", re.MULTILINE
    )


@task(name="x")
def x():
    logger = caudal.context.logger
    logger.info("hello from x")
    logger.log(30, "careful now")
    return 1


class Loud(Task):
    def run(self):
        self.logger.info("from the task's own logger")


def test_task_start_line_has_exact_format(capsys):
    with Flow("format") as flow:
        x()

    flow.run()

    out = capsys.readouterr().out
    assert re.search(
        r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4}\] INFO - caudal\.TaskRunner \| "
        r"Task 'x': Starting task run\.\.\.$",
        out,
        re.MULTILINE,
    )


def test_flow_run_lines_in_order(capsys):
    with Flow("ordered") as flow:
        x()

    flow.run()

    lines = capsys.readouterr().out.splitlines()
    messages = [line.split(" | ", 1)[1] for line in lines if " | " in line]
    assert messages == [
        "Beginning Flow run for 'ordered'",
        "Task 'x': Starting task run...",
        "hello from x",
        "careful now",
        "Task 'x': Finished task run for task with final state: 'Success'",
        "Flow run SUCCESS: all reference tasks succeeded",
    ]


def test_context_logger_in_task_logs_under_task_name(capsys):
    with Flow("task logger") as flow:
        x()

    flow.run()

    assert line_pattern("INFO", "caudal.x", "hello from x").search(capsys.readouterr().out)


def test_log_with_level_number_30_gives_warning_line(capsys):
    with Flow("warning") as flow:
        x()

    flow.run()

    assert line_pattern("WARNING", "caudal.x", "careful now").search(capsys.readouterr().out)


def test_task_logger_property_logs_under_task_name(capsys):
    with Flow("own logger") as flow:
        Loud(name="loud")()

    flow.run()

    out = capsys.readouterr().out
    assert line_pattern("INFO", "caudal.loud", "from the task's own logger").search(out)


def test_get_logger_names_children_of_caudal():
    assert get_logger().name == "caudal"
    assert get_logger("FlowRunner").name == "caudal.FlowRunner"


def test_log_level_from_environment_hides_info_lines(tmp_path):
    script = tmp_path / "flow.py"
    script.write_text(textwrap.dedent(
        """
        import caudal
        from caudal import Flow, task

        @task
        def noisy():
            caudal.context.logger.info("an info line")
            caudal.context.logger.warning("a warning line")

        with Flow("quiet") as flow:
            noisy()

        flow.run()
        """
    ))
    env = {**os.environ, "CAUDAL__LOGGING__LEVEL": "WARNING"}

    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                               env=env, timeout=60)

    assert completed.returncode == 0, completed.stderr
    assert "Starting task run" not in completed.stdout
    assert "an info line" not in completed.stdout
    assert line_pattern("WARNING", "caudal.noisy", "a warning line").search(completed.stdout)
