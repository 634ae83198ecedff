"""Configuration: defaults < config.toml < CAUDAL__SECTION__KEY < CAUDAL_API & co < arguments."""

from __future__ import annotations

import ast
import copy
import os
import re
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


# One key through every layer, lowest first: defaults < config.toml < CAUDAL__SECTION__KEY <
# the short variable < an explicit argument.


def test_each_layer_overrides_the_one_below_for_the_api_url(tmp_path):
    home = str(tmp_path)
    assert load_config({"CAUDAL_HOME": home}).api.url == "http://127.0.0.1:4200"
    write_config(tmp_path, '[api]\nurl = "http://file:1"\n')
    assert load_config({"CAUDAL_HOME": home}).api.url == "http://file:1"
    env = {"CAUDAL_HOME": home, "CAUDAL__API__URL": "http://double:2"}
    assert load_config(env).api.url == "http://double:2"
    env["CAUDAL_API"] = "http://short:3"
    assert load_config(env).api.url == "http://short:3"
    assert configuration.get_setting("api.url", "http://arg:4", load_config(env), env) == (
        "http://arg:4")


@pytest.mark.parametrize(("name", "key", "double"), [
    ("CAUDAL_API", "api.url", "CAUDAL__API__URL"),
    ("CAUDAL_API_KEY", "api.key", "CAUDAL__API__KEY"),
    ("CAUDAL_DATABASE_URL", "server.database_url", "CAUDAL__SERVER__DATABASE_URL"),
])
def test_short_variable_wins_over_the_double_underscore_one_and_the_file(tmp_path, name, key,
                                                                            double):
    section, field = key.split(".")
    write_config(tmp_path, f'[{section}]\n{field} = "from-file"\n')

    config = load_config({"CAUDAL_HOME": str(tmp_path), double: "from-double", name: "short"})

    assert config[section][field] == "short"
    assert config.source_of(key) == name


def test_empty_short_variable_counts_as_unset(tmp_path):
    config = load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__API__URL": "http://double:2",
                          "CAUDAL_API": ""})

    assert config.api.url == "http://double:2"


def test_caudal_home_moves_the_file_read_and_wins_over_the_home_dir_key(tmp_path):
    write_config(tmp_path, 'home_dir = "/elsewhere"\n[logging]\nlevel = "ERROR"\n')

    config = load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__HOME_DIR": "/other"})

    assert config.logging.level == "ERROR"
    assert config.home_dir == str(tmp_path)
    assert config.source_of("home_dir") == "CAUDAL_HOME"


def test_source_names_the_layer_each_key_came_from(tmp_path):
    path = write_config(tmp_path, "[server]\nport = 4300\n")

    config = load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__SERVER__HOST": "0.0.0.0"})

    assert config.source_of("server.port") == str(path)
    assert config.source_of("server.host") == "CAUDAL__SERVER__HOST"
    assert config.source_of("server.auth") == "the packaged defaults"
    assert config.server.source_of("port") == str(path)


# Values are checked against their key's type when read, naming the key, its source and value.


def test_bad_int_in_a_variable_names_key_variable_and_value(tmp_path):
    with pytest.raises(ValueError) as excinfo:
        load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__SERVER__PORT": "abc"})

    assert str(excinfo.value) == (
        "Config 'server.port' (from CAUDAL__SERVER__PORT) has value 'abc'; not a valid int.")


def test_bad_value_in_the_config_file_names_the_file(tmp_path):
    path = write_config(tmp_path, '[server]\nport = "abc"\n')

    with pytest.raises(ValueError) as excinfo:
        load_config({"CAUDAL_HOME": str(tmp_path)})

    assert str(excinfo.value) == (
        f"Config 'server.port' (from {path}) has value 'abc'; not a valid int.")


@pytest.mark.parametrize(("name", "raw", "expected"), [
    ("CAUDAL__SERVER__AUTH", "maybe", "not a valid bool (true or false)."),
    ("CAUDAL__SERVER__HEARTBEAT_TIMEOUT_S", "soon", "not a valid float."),
    ("CAUDAL__API__RETRIES", "many", "not a valid int."),
    ("CAUDAL__TASKS__DEFAULTS__TIMEOUT_S", "1m", "not a valid float."),
])
def test_bad_values_of_each_type_are_refused_naming_the_variable(tmp_path, name, raw, expected):
    key = ".".join(name[len("CAUDAL__"):].lower().split("__"))

    with pytest.raises(ValueError) as excinfo:
        load_config({"CAUDAL_HOME": str(tmp_path), name: raw})

    assert str(excinfo.value) == f"Config '{key}' (from {name}) has value '{raw}'; {expected}"


def test_variables_are_read_as_their_keys_type(tmp_path):
    config = load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__SERVER__PORT": "4300",
                          "CAUDAL__SERVER__AUTH": "yes", "CAUDAL__SERVER__HOST": "1234",
                          "CAUDAL__SERVER__REAPER_INTERVAL_S": "2", "CAUDAL__API__KEY": "none"})

    assert config.server.port == 4300
    assert config.server.auth is True
    assert config.server.host == "1234"  # a str key keeps digits as text
    assert config.server.reaper_interval_s == 2.0
    assert isinstance(config.server.reaper_interval_s, float)
    assert config.api.key is None


def test_file_ints_pass_as_floats_but_not_as_bools(tmp_path):
    write_config(tmp_path, "[server]\nreaper_interval_s = 3\n")
    assert load_config({"CAUDAL_HOME": str(tmp_path)}).server.reaper_interval_s == 3.0

    path = write_config(tmp_path, "[server]\nport = true\n")
    with pytest.raises(ValueError, match=f"'server.port' \\(from {path}\\) has value 'True'"):
        load_config({"CAUDAL_HOME": str(tmp_path)})


def test_a_value_given_for_a_section_is_refused_naming_the_section(tmp_path):
    with pytest.raises(ValueError, match=r"Config 'logging' \(from CAUDAL__LOGGING\) is a "
                                         "section"):
        load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__LOGGING": "DEBUG"})


def test_bad_port_stops_caudal_at_start_up_with_the_message():
    env = {**os.environ, "CAUDAL__SERVER__PORT": "abc"}

    completed = subprocess.run([sys.executable, "-m", "caudal", "--version"],
                               capture_output=True, text=True, env=env, timeout=60)

    # The message alone, as a command's error: no traceback into caudal's import.
    assert completed.returncode == 1
    assert completed.stderr == ("Error: Config 'server.port' (from CAUDAL__SERVER__PORT) has "
                                "value 'abc'; not a valid int.\n")


def test_bad_setting_is_a_configuration_error_a_program_can_catch(tmp_path):
    from caudal.exceptions import CaudalError, ConfigurationError

    with pytest.raises(ConfigurationError) as raised:
        load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__SERVER__PORT": "abc"})

    assert isinstance(raised.value, CaudalError) and isinstance(raised.value, ValueError)


# get_setting: what a client or command uses now, read again at each call.


def test_get_setting_prefers_the_argument_then_the_short_variable_now_then_the_config(tmp_path):
    config = load_config({"CAUDAL_HOME": str(tmp_path), "CAUDAL__API__KEY": "from-config"})

    assert configuration.get_setting("api.key", None, config, {}) == "from-config"
    assert configuration.get_setting("api.key", None, config,
                                     {"CAUDAL_API_KEY": "now"}) == "now"
    assert configuration.get_setting("api.key", "arg", config, {"CAUDAL_API_KEY": "now"}) == "arg"
    assert configuration.get_setting("api.nothing", None, config, {}) is None


def test_get_setting_sees_a_short_variable_set_after_start_up(monkeypatch):
    monkeypatch.setenv("CAUDAL_DATABASE_URL", "sqlite:////tmp/later.db")

    assert configuration.get_setting("server.database_url") == "sqlite:////tmp/later.db"


def test_database_url_option_falls_back_to_caudal_database_url_set_now(monkeypatch):
    from caudal.cli._server_options import resolve_database_url

    monkeypatch.setenv("CAUDAL_DATABASE_URL", "sqlite:////tmp/from-env.db")

    assert resolve_database_url(None) == "sqlite:////tmp/from-env.db"
    assert resolve_database_url("sqlite:////tmp/given.db") == "sqlite:////tmp/given.db"


# Only configuration.py reads the environment for caudal's variables.

# Modules that may touch os.environ, and why; none of them reads a CAUDAL_ name.
ENVIRON_EXCEPTIONS = {
    # Passes the whole environment on to the shell command the task runs.
    "tasks/shell.py",
    # Reads KUBECONFIG, the Kubernetes client's own variable, when it makes the client.
    "agent/kubernetes/launcher.py",
    # Reads the variables Prefect's storages read (GITHUB_ACCESS_TOKEN, a Webhook's ${VAR}).
    "storage/secrets.py",
    # EnvVarSecret reads the variable it is named for where the task runs, as Prefect's does.
    "tasks/secrets/env_var.py",
}
CAUDAL_NAME = re.compile(r"^CAUDAL_[A-Z0-9_]*$")


def test_only_configuration_reads_caudal_variables():
    package = Path(caudal.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative == "configuration.py":
            continue
        text = path.read_text()
        if re.search(r"os\.environ|getenv|\benviron\b", text) and (
                relative not in ENVIRON_EXCEPTIONS):
            offenders.append(f"{relative} reads the environment")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
                offenders.append(f"{relative}:{node.lineno} gives click an {node.arg}")
            elif isinstance(node, (ast.Call, ast.Subscript)):
                args = node.args if isinstance(node, ast.Call) else [node.slice]
                offenders.extend(
                    f"{relative}:{node.lineno} looks up {arg.value}" for arg in args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    and CAUDAL_NAME.match(arg.value))
    assert offenders == []
