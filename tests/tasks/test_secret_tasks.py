"""Secret tasks: never checkpointed, their result refuses writes, and their values reach
downstream tasks without being written anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

import caudal
from caudal import Flow, task
from caudal.engine.results import LocalResult, SecretResult
from caudal.tasks.secrets import EnvVarSecret, PrefectSecret, SecretBase


@task
def length(value):
    return len(value)


def test_secret_tasks_are_not_checkpointed_and_have_secret_results() -> None:
    for secret in (SecretBase(name="s", checkpoint=True), PrefectSecret("A"),
                   EnvVarSecret("B")):
        assert secret.checkpoint is False
        assert isinstance(secret.result, SecretResult)


def test_secret_task_with_result_is_refused() -> None:
    with pytest.raises(ValueError, match="Result types for Secrets are not configurable."):
        PrefectSecret("A", result=LocalResult())


def test_prefect_secret_value_reaches_downstream_but_no_file(tmp_path: Path) -> None:
    with Flow("secret", result=LocalResult(dir=str(tmp_path),
                                           location="{task_name}.txt")) as flow:
        counted = length(PrefectSecret("DB_PASSWORD"))

    with caudal.context(checkpointing=True, secrets={"DB_PASSWORD": "s3cr3t-value"}):
        state = flow.run()

    assert state.is_successful()
    assert state.result[counted].result == 12
    assert sorted(path.name for path in tmp_path.iterdir()) == ["length.txt"]
    assert all(b"s3cr3t-value" not in path.read_bytes() for path in tmp_path.iterdir())


def test_prefect_secret_result_reads_secret_again() -> None:
    secret = PrefectSecret("TOKEN")

    with caudal.context(secrets={"TOKEN": "abc", "OTHER": "xyz"}):
        assert secret.result.read("OTHER").value == "xyz"


def test_env_var_secret_casts_and_raises_if_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT_FOR_TEST", "5432")
    monkeypatch.delenv("UNSET_FOR_TEST", raising=False)

    assert EnvVarSecret("PORT_FOR_TEST", cast=int).run() == 5432
    assert EnvVarSecret("UNSET_FOR_TEST").run() is None
    with pytest.raises(ValueError, match="Environment variable not set: UNSET_FOR_TEST"):
        EnvVarSecret("UNSET_FOR_TEST", raise_if_missing=True).run()
