"""SecretResult: a secret task's result is read again from the secret store, never written."""

from __future__ import annotations

import pytest

import caudal
from caudal import Flow, Task, task
from caudal.engine.results import LocalResult, SecretResult
from caudal.utilities.configuration import set_temporary_config


class LocalSecret(Task):
    """A secret task as users write one: it reads ``caudal.context.secrets``."""

    def __init__(self, name, **kwargs):
        super().__init__(name=name, checkpoint=False, **kwargs)
        self.result = SecretResult(self)

    def run(self, name=None):
        return caudal.context.secrets[name or self.name]


@task
def connect(password):
    return f"connected with {len(password)} characters"


def test_secret_result_location_is_the_secret_name_and_read_runs_the_task_again():
    result = LocalSecret("DB_PASSWORD").result

    with caudal.context(secrets={"DB_PASSWORD": "s3cr3t", "OTHER": "x"}):
        read = result.read("OTHER")

    assert result.location == "DB_PASSWORD"
    assert (read.value, read.location) == ("x", "OTHER")
    assert (result.value, type(read)) == (None, SecretResult)  # the original is unchanged


def test_secret_task_with_secret_result_runs_in_a_checkpointed_flow_and_writes_nothing(
        tmp_path):
    with Flow("secrets", result=LocalResult(dir=str(tmp_path))) as flow:
        connected = connect(LocalSecret("DB_PASSWORD"))

    with set_temporary_config({"flows.checkpointing": True}):
        state = flow.run(context={"secrets": {"DB_PASSWORD": "s3cr3t"}})

    assert state.result[connected].result == "connected with 6 characters"
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) == 1  # connect's result; never the secret
    assert b"s3cr3t" not in written[0].read_bytes()


def test_writing_a_secret_result_raises_value_error():
    with pytest.raises(ValueError, match="SecretResults cannot be written to"):
        LocalSecret("TOKEN").result.write("value")


def test_secret_task_whose_run_takes_no_name_raises_type_error_saying_so():
    class Fixed(Task):
        def run(self):
            return "x"

    with pytest.raises(TypeError, match="takes no 'name' argument"):
        SecretResult(Fixed(name="fixed")).read("fixed")
