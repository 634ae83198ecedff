"""ShellTask: output as result, exit codes as failures, streaming, helper scripts, env."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from pathlib import Path

import pytest

from caudal import Flow, task
from caudal.engine import signals
from caudal.engine.state import Failed, State, Success, TimedOut
from caudal.tasks.shell import ShellTask


class Records(logging.Handler):
    """Collects the records of one logger, with the moment each one arrived."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[float, logging.LogRecord]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((time.monotonic(), record))

    def messages(self) -> list[tuple[str, str]]:
        return [(r.levelname, r.getMessage()) for _, r in self.records]


@pytest.fixture
def records_of():
    """Attach a Records handler to the logger of the task with the given name."""
    attached: list[tuple[logging.Logger, Records, int]] = []

    def attach(task_name: str) -> Records:
        logger = logging.getLogger(f"caudal.{task_name}")
        handler = Records()
        attached.append((logger, handler, logger.level))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        return handler

    yield attach
    for logger, handler, level in attached:
        logger.removeHandler(handler)
        logger.setLevel(level)


def run_one(shell_task: ShellTask, **kwargs) -> State:
    with Flow("shell") as flow:
        out = shell_task(**kwargs)
    return flow.run().result[out]


def test_shell_task_returns_last_line_of_output():
    state = run_one(ShellTask(), command="echo first; echo last")

    assert isinstance(state, Success)
    assert state.result == "last"


def test_shell_task_without_output_returns_none():
    assert run_one(ShellTask(), command="true").result is None


def test_return_all_returns_every_line_with_stderr_in_write_order():
    state = run_one(ShellTask(return_all=True),
                    command="echo out; echo err >&2; echo '  padded  '; echo")

    assert state.result == ["out", "err", "  padded", ""]


def test_return_all_without_output_returns_empty_list():
    assert run_one(ShellTask(return_all=True), command="true").result == []


def test_nonzero_exit_fails_with_exit_code_and_the_tail_of_stderr_in_the_message():
    state = run_one(ShellTask(), command="echo working; echo 'disk full' >&2; exit 3")

    assert isinstance(state, Failed)
    assert state.message == "Command failed with exit code 3: working\ndisk full"
    assert state.result == "disk full"


def test_failed_message_keeps_only_the_last_lines_of_a_long_output():
    state = run_one(ShellTask(), command="for i in $(seq 1 50); do echo line $i; done; exit 1")

    assert state.message == (
        "Command failed with exit code 1: line 46\nline 47\nline 48\nline 49\nline 50"
    )


def test_nonzero_exit_with_return_all_keeps_every_line_in_failed_result():
    state = run_one(ShellTask(return_all=True), command="echo a; echo b; exit 1")

    assert state.message == "Command failed with exit code 1: a\nb"
    assert state.result == ["a", "b"]


def test_run_outside_flow_raises_fail_signal_with_output_as_result():
    with pytest.raises(signals.FAIL) as excinfo:
        ShellTask().run(command="echo last words; exit 2")

    assert str(excinfo.value) == "Command failed with exit code 2: last words"
    assert excinfo.value.state.result == "last words"


def test_nonzero_exit_logs_exit_code_at_error_on_task_logger(capsys):
    run_one(ShellTask(name="dump"), command="echo partial; exit 4")

    out = capsys.readouterr().out
    assert re.search(r"^\[[^]]+\] ERROR - caudal\.dump \| Command failed with exit code 4$", out,
                     re.MULTILINE)
    # Without log_stderr the output is not logged on its own line (it is in the state message).
    assert not re.search(r"caudal\.dump \| partial", out)


def test_log_stderr_logs_output_after_exit_code_on_failure(records_of):
    records = records_of("dump")

    run_one(ShellTask(name="dump", log_stderr=True, return_all=True),
            command="echo one; echo two >&2; exit 1")

    assert records.messages() == [("ERROR", "Command failed with exit code 1"),
                                  ("ERROR", "one\ntwo")]


def test_log_stderr_without_return_all_logs_last_line_only(records_of):
    records = records_of("dump")

    run_one(ShellTask(name="dump", log_stderr=True), command="echo one; echo two; exit 1")

    assert records.messages()[-1] == ("ERROR", "two")


def test_log_stderr_is_ignored_when_output_was_streamed(records_of):
    records = records_of("dump")

    run_one(ShellTask(name="dump", log_stderr=True, stream_output=True),
            command="echo one; exit 1")

    assert records.messages() == [("INFO", "one"), ("ERROR", "Command failed with exit code 1")]


def test_stream_output_logs_each_line_while_command_still_runs(records_of):
    records = records_of("slow")

    run_one(ShellTask(name="slow", stream_output=True),
            command="echo first; sleep 0.4; echo second")
    finished = time.monotonic()

    assert records.messages() == [("INFO", "first"), ("INFO", "second")]
    first_logged_at = records.records[0][0]
    assert finished - first_logged_at >= 0.3


@pytest.mark.parametrize(("stream_output", "level"),
                         [("DEBUG", "DEBUG"), ("warning", "WARNING"), (logging.ERROR, "ERROR")])
def test_stream_output_with_level_logs_at_that_level(records_of, stream_output, level):
    records = records_of("leveled")

    run_one(ShellTask(name="leveled", stream_output=stream_output), command="echo hi")

    assert records.messages() == [(level, "hi")]


def test_stream_output_with_unknown_level_name_raises_type_error():
    with pytest.raises(TypeError, match="stream_output='LOUD', which is not a logging level"):
        ShellTask(stream_output="LOUD")


def test_no_streaming_logs_nothing_on_success(records_of):
    records = records_of("quiet")

    run_one(ShellTask(name="quiet"), command="echo hi")

    assert records.messages() == []


def test_helper_script_runs_before_command_in_same_shell():
    shell = ShellTask(helper_script="shout() { echo \"$1\" | tr a-z A-Z; }\nREGION=sul")

    assert run_one(shell, command="echo $(shout hey) $REGION").result == "HEY sul"


def test_helper_script_given_at_call_replaces_the_one_given_at_init():
    shell = ShellTask(helper_script="X=init")

    assert run_one(shell, command="echo ${X:-unset}", helper_script="Y=call").result == "unset"


def test_helper_script_that_exits_stops_before_command():
    state = run_one(ShellTask(helper_script="exit 5"), command="echo never")

    assert state.message == "Command failed with exit code 5"
    assert state.result is None


def test_env_is_added_to_the_inherited_environment():
    os.environ["CAUDAL_TEST_INHERITED"] = "kept"

    state = run_one(ShellTask(env={"GREETING": "ola"}),
                    command="echo $GREETING $CAUDAL_TEST_INHERITED")

    assert state.result == "ola kept"


def test_env_given_at_call_replaces_the_env_given_at_init():
    shell = ShellTask(env={"A": "init", "B": "init"})

    assert run_one(shell, command="echo $A ${B:-unset}", env={"A": "call"}).result == \
        "call unset"


def test_command_given_at_init_is_used_when_call_gives_none():
    assert run_one(ShellTask(command="echo from init")).result == "from init"


def test_command_can_come_from_an_upstream_task():
    @task
    def build(n):
        return f"seq 1 {n} | wc -l"

    with Flow("shell") as flow:
        out = ShellTask()(command=build(4))

    assert flow.run().result[out].result.strip() == "4"


def test_missing_command_fails_with_type_error():
    state = run_one(ShellTask())

    assert isinstance(state, Failed)
    assert isinstance(state.result, TypeError)
    assert state.message == ("Error during execution of task: "
                             "TypeError(\"run() missing required argument: 'command'\")")


def test_shell_option_chooses_the_program_that_runs_the_script():
    state = run_one(ShellTask(shell=sys.executable), command="print(6 * 7)")

    assert state.result == "42"


def test_output_that_is_not_utf8_is_decoded_with_replacement_characters():
    state = run_one(ShellTask(), command=r"printf 'caf\351\n'")

    assert state.result == "caf\ufffd"


def test_timeout_ends_timed_out_and_stops_the_command_and_what_it_started(tmp_path: Path):
    pid_file = tmp_path / "child.pid"
    started = time.monotonic()

    state = run_one(ShellTask(timeout=0.5),
                    command=f"sleep 30 & echo $! > {pid_file}; wait")

    assert isinstance(state, TimedOut)
    assert time.monotonic() - started < 10
    assert not _alive(int(pid_file.read_text()))


def _alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie waiting for its reaper counts as gone."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False
        if "\nState:\tZ" in status:
            return False
        time.sleep(0.05)
    return True
