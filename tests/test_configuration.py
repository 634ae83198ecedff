"""Configuration: defaults < CAUDAL_HOME/config.toml < CAUDAL__SECTION__KEY, read-only."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import caudal
from caudal import configuration
from caudal.configuration import Config, load_config


@pytest.fixture(autouse=True)
def restore_defaults() -> Iterator[None]:
    """Put the packaged defaults back after each test, so no test sees another's overrides."""
    saved = copy.deepcopy(configuration.DEFAULTS)
    yield
    configuration.DEFAULTS.clear()
    configuration.DEFAULTS.update(saved)


def write_config(home: Path, text: str) -> Path:
    path = home / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_file_or_variables(tmp_path):
    config = load_config({"CAUDAL_HOME": str(tmp_path)})

    assert config.logging.level == "INFO"
    assert config.logging.format == "[%(asctime)s] %(levelname)s - %(name)s | %(message)s"
    assert config.home_dir == str(tmp_path)


def test_environment_variable_sets_nested_key(tmp_path):
    config = load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__LOGGING__LEVEL": "DEBUG"})

    assert config.logging.level == "DEBUG"


def test_environment_values_are_read_as_booleans_numbers_and_none(tmp_path):
    config = load_config({
        "CAUDAL_HOME": str(tmp_path),
        "CAUDAL__FLOWS__CHECKPOINTING": "true",
        "CAUDAL__TASKS__DEFAULTS__MAX_RETRIES": "3",
        "CAUDAL__TASKS__DEFAULTS__RETRY_DELAY_S": "1.5",
        "CAUDAL__TASKS__DEFAULTS__TIMEOUT_S": "none",
    })

    assert config.flows.checkpointing is True
    assert config.tasks.defaults.max_retries == 3
    assert config.tasks.defaults.retry_delay_s == 1.5
    assert config.tasks.defaults.timeout_s is None


def test_load_config_override_does_not_leak_into_next_call(tmp_path):
    load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__LOGGING__LEVEL": "DEBUG"})

    assert load_config({"CAUDAL_HOME": str(tmp_path)}).logging.level == "INFO"


def test_variables_without_caudal_prefix_are_ignored(tmp_path):
    config = load_config({"CAUDAL_HOME": str(tmp_path), "PREFECT__LOGGING__LEVEL": "DEBUG"})

    assert config.logging.level == "INFO"


def test_config_file_under_caudal_home_overrides_defaults(tmp_path):
    write_config(tmp_path, '[logging]\nlevel = "ERROR"\n\n[flows]\ncheckpointing = true\n')

    config = load_config({"CAUDAL_HOME": str(tmp_path)})

    assert config.logging.level == "ERROR"
    assert config.flows.checkpointing is True
    assert config.logging.datefmt == "%Y-%m-%d %H:%M:%S%z"


def test_environment_variable_overrides_config_file(tmp_path):
    write_config(tmp_path, '[logging]\nlevel = "ERROR"\n')

    config = load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__LOGGING__LEVEL": "WARNING"})

    assert config.logging.level == "WARNING"


def test_invalid_toml_raises_value_error_naming_the_file(tmp_path):
    path = write_config(tmp_path, "[logging\nlevel = \n")

    with pytest.raises(ValueError) as excinfo:
        load_config({"CAUDAL_HOME": str(tmp_path)})

    assert str(path) in str(excinfo.value)
    assert "not valid TOML" in str(excinfo.value)


def test_load_config_reads_os_environ_by_default(tmp_path):
    os.environ["CAUDAL_HOME"] = str(tmp_path)
    os.environ["CAUDAL__LOGGING__LEVEL"] = "CRITICAL"

    assert load_config().logging.level == "CRITICAL"


def test_config_attributes_cannot_be_set():
    with pytest.raises(AttributeError, match="cannot be changed"):
        caudal.config.logging.level = "DEBUG"  # type: ignore[misc]

    assert caudal.config.logging.level == "INFO"


def test_config_items_cannot_be_set():
    with pytest.raises(TypeError):
        caudal.config["logging"]["level"] = "DEBUG"  # type: ignore[index]


def test_missing_key_raises_attribute_error_naming_dotted_key():
    with pytest.raises(AttributeError, match="'logging.colour'"):
        caudal.config.logging.colour  # noqa: B018


def test_config_is_a_read_only_mapping_with_dict_export(tmp_path):
    config = load_config({"CAUDAL_HOME": str(tmp_path)})

    assert isinstance(config, Config)
    assert config["logging"]["level"] == "INFO"
    exported = config.to_dict()
    assert exported["logging"]["level"] == "INFO"
    exported["logging"]["level"] = "DEBUG"
    assert config.logging.level == "INFO"


def test_unknown_log_level_fails_at_import_naming_key_and_value():
    env = {**os.environ, "CAUDAL__LOGGING__LEVEL": "LOUD"}

    completed = subprocess.run([sys.executable, "-c", "import caudal"], capture_output=True,
                               text=True, env=env, timeout=60)

    assert completed.returncode != 0
    assert "Config 'logging.level' has value 'LOUD'" in completed.stderr
