"""set_temporary_config: a block sees the values it sets, everywhere, and they come back."""

from __future__ import annotations

import threading

import pytest

import caudal
from caudal import Flow, task
from caudal.engine.results import LocalResult
from caudal.utilities.configuration import set_temporary_config


@task
def read_settings():
    config = caudal.context.config
    return config.flows.checkpointing, config.my_app.table


def test_flow_run_in_block_sees_the_temporary_values():
    with Flow("configured") as flow:
        settings = read_settings()

    with set_temporary_config({"flows.checkpointing": True, "my_app.table": "iptu"}):
        state = flow.run()

    assert state.result[settings].result == (True, "iptu")


def test_checkpointing_set_temporarily_writes_results(tmp_path):
    with Flow("checkpointed", result=LocalResult(dir=str(tmp_path))) as flow:
        task(lambda: 42, name="answer")()

    with set_temporary_config({"flows.checkpointing": True}):
        flow.run()

    assert len(list(tmp_path.iterdir())) == 1


def test_values_come_back_after_the_block_even_when_it_raises():
    before = caudal.config.to_dict()

    with pytest.raises(KeyError):
        with set_temporary_config({"flows.checkpointing": True, "new.deep.key": 1}) as config:
            assert config is caudal.config
            assert caudal.config.source_of("new.deep.key") == "set_temporary_config"
            raise KeyError("boom")

    assert caudal.config.to_dict() == before
    assert "new" not in caudal.config
    assert caudal.config.source_of("flows.checkpointing") == "the packaged defaults"


def test_other_threads_see_the_temporary_values():
    seen = []

    with set_temporary_config({"flows.checkpointing": True}):
        worker = threading.Thread(
            target=lambda: seen.append(caudal.context.config.flows.checkpointing))
        worker.start()
        worker.join()

    assert seen == [True]


def test_key_below_a_value_raises_type_error_naming_both():
    with pytest.raises(TypeError, match="'flows.checkpointing' is a value, not a section"):
        with set_temporary_config({"flows.checkpointing.x": 1}):
            pass

    assert caudal.config.flows.checkpointing is False
