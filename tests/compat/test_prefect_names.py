"""Every public name of the Prefect 0.15.9 modules users import exists at the same path in
caudal, or is in ``MISSING`` with the reason (the README's table of missing names).

The names are read from the reference interpreter named by CAUDAL_COMPAT_PYTHON at test time:
a module's ``__all__`` where it has one; else every public name it defines (a package: that
its submodules define), which leaves out what it merely imports for its own use
(``prefect.core.flow`` imports ``Environment``; its names are ``Flow`` and two helpers).
``EXTRA_NAMES`` adds the re-exports from elsewhere that flows do import.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess

import pytest

PREFECT_MODULES = [
    "prefect",
    "prefect.core",
    "prefect.core.flow",
    "prefect.core.task",
    "prefect.core.parameter",
    "prefect.core.edge",
    "prefect.engine",
    "prefect.engine.signals",
    "prefect.engine.state",
    "prefect.engine.results",
    "prefect.engine.serializers",
    "prefect.engine.result",
    "prefect.engine.result.base",
    "prefect.engine.cache_validators",
    "prefect.engine.executors",
    "prefect.executors",
    "prefect.tasks.control_flow",
    "prefect.tasks.core.collections",
    "prefect.tasks.core.constants",
    "prefect.tasks.core.function",
    "prefect.tasks.core.operators",
    "prefect.tasks.core.resource_manager",
    "prefect.tasks.shell",
    "prefect.tasks.secrets",
    "prefect.tasks.prefect",
    "prefect.schedules",
    "prefect.schedules.schedules",
    "prefect.schedules.clocks",
    "prefect.schedules.filters",
    "prefect.schedules.adjustments",
    "prefect.storage",
    "prefect.run_configs",
    "prefect.triggers",
    "prefect.utilities.edges",
    "prefect.utilities.tasks",
    "prefect.utilities.debug",
    "prefect.utilities.collections",
    "prefect.utilities.configuration",
    "prefect.utilities.logging",
    "prefect.utilities.context",
    "prefect.backend",
    "prefect.client",
    "prefect.exceptions",
    "prefect.agent",
    "prefect.agent.local",
    "prefect.agent.kubernetes",
    "prefect.environments",
    "prefect.environments.execution",
    "prefect.utilities.graphql",
    "prefect.utilities.notifications",
    "prefect.tasks.notifications",
]

# Re-exports the rule above leaves out (defined elsewhere) that flows import from this path.
EXTRA_NAMES = ["prefect.engine.signals.PrefectSignal"]

# Run by the reference interpreter (Python 3.9, stdlib only): prints {module: [names]}.
LIST_NAMES = """\
import importlib, json, sys, types, typing

def public_names(module):
    if hasattr(module, "__all__"):
        return sorted(module.__all__)
    package = hasattr(module, "__path__")
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, (types.ModuleType, typing.TypeVar)):
            continue
        home = getattr(value, "__module__", None)
        if not isinstance(home, str):
            continue
        if home == module.__name__ or (package and home.startswith(module.__name__ + ".")):
            names.append(name)
    return sorted(names)

print(json.dumps({m: public_names(importlib.import_module(m)) for m in sys.argv[1:]}))
"""

# Every Prefect 0.15.9 name caudal does not have, and why; the README's table.
MISSING: dict[str, str] = {
    # -- internals of Prefect's flow API: no flow imports them
    "prefect.core.flow.ParameterDetails": "a type hint inside Prefect's Flow (a TypedDict of "
    "a parameter's default and required); flows never use it",
    "prefect.core.flow.cache": "a private memoizing decorator of Prefect's Flow methods",
    "prefect.core.task.TaskMetaclass": "caudal's Task checks run() signatures in "
    "__init_subclass__ and needs no metaclass; subclass Task as usual",
    "prefect.core.task.instance_property": "a private descriptor of Prefect's Task",
    "prefect.core.edge.is_valid_identifier": "a private helper of Prefect's Edge; use "
    "str.isidentifier()",
    "prefect.tasks.core.collections.VarArgsTask": "the private base class of Prefect's List, "
    "Tuple, Set and Dict tasks; caudal's collection tasks (same names) do not share it",
    # -- defaults Prefect reads from its config's *.default_class keys, which caudal lacks
    "prefect.engine.get_default_executor_class": "caudal has no 'engine.executor."
    "default_class' setting: pass executor= to Flow(...) or flow.run(...)",
    "prefect.engine.get_default_flow_runner_class": "caudal has no 'engine.flow_runner."
    "default_class' setting: pass runner_cls= to flow.run(...)",
    "prefect.engine.get_default_task_runner_class": "caudal has no 'engine.task_runner."
    "default_class' setting; the flow runner always uses caudal's TaskRunner",
    "prefect.storage.get_default_storage_class": "caudal has no 'flows.defaults.storage."
    "default_class' setting: a flow registered without storage gets Local storage",
    # -- agents caudal does not have
    "prefect.run_configs.ECSRun": "caudal has no AWS ECS agent; use LocalRun or KubernetesRun",
    "prefect.run_configs.VertexRun": "caudal has no Google Vertex AI agent; use LocalRun or "
    "KubernetesRun",
    # -- logging internals: caudal configures its loggers from config.logging at import
    "prefect.utilities.logging.CloudHandler": "Prefect Cloud's log shipper; runs launched by "
    "a caudal agent send their logs to the server by themselves",
    "prefect.utilities.logging.LOG_MANAGER": "the internals of Prefect's CloudHandler",
    "prefect.utilities.logging.LogManager": "the internals of Prefect's CloudHandler",
    "prefect.utilities.logging.RedirectToLog": "the internals of log_stdout=True; use that "
    "task option",
    "prefect.utilities.logging.configure_logging": "caudal configures its loggers from "
    "config.logging (CAUDAL__LOGGING__LEVEL...) when imported; get_logger() gives them",
    "prefect.utilities.logging.configure_extra_loggers": "caudal has no "
    "'logging.extra_loggers' setting; attach handlers to those loggers with the logging module",
    "prefect.utilities.logging.create_diagnostic_logger": "used by 'prefect diagnostics' only, "
    "which caudal does not have",
    "prefect.utilities.logging.temporary_logger_config": "a private helper Prefect's flow.run "
    "uses to set log levels",
    # -- Prefect Cloud features that caudal's server does not have
    "prefect.backend.TenantView": "Prefect Cloud tenants; a caudal server has one tenant",
    "prefect.backend.create_link_artifact": "Prefect Cloud artifacts; caudal has none",
    "prefect.backend.create_markdown_artifact": "Prefect Cloud artifacts; caudal has none",
    "prefect.backend.update_link_artifact": "Prefect Cloud artifacts; caudal has none",
    "prefect.backend.update_markdown_artifact": "Prefect Cloud artifacts; caudal has none",
    "prefect.backend.delete_artifact": "Prefect Cloud artifacts; caudal has none",
    "prefect.backend.get_key_value": "Prefect Cloud's key-value store; caudal's server has "
    "none",
    "prefect.backend.set_key_value": "Prefect Cloud's key-value store; caudal's server has "
    "none",
    "prefect.backend.delete_key": "Prefect Cloud's key-value store; caudal's server has none",
    "prefect.backend.list_keys": "Prefect Cloud's key-value store; caudal's server has none",
    "prefect.exceptions.VersionLockMismatchSignal": "raised by Prefect Cloud's version "
    "locking, which caudal does not have",
}


def caudal_path(prefect_path: str) -> str:
    return "caudal" + prefect_path[len("prefect"):]


def in_caudal(dotted: str) -> bool:
    """Whether ``prefect.a.b.Name``, renamed, is importable from caudal."""
    module_path, name = caudal_path(dotted).rsplit(".", 1)
    try:
        module = importlib.import_module(module_path)
    except ImportError:
        return False
    return hasattr(module, name)


@pytest.fixture(scope="module")
def prefect_names() -> list[str]:
    """Every ``prefect.module.Name`` the tests check, read from the reference Prefect."""
    python = os.environ.get("CAUDAL_COMPAT_PYTHON")
    if not python:
        pytest.skip("CAUDAL_COMPAT_PYTHON is not set; run `make test` or `make compat` to "
                    "build the Prefect 0.15.9 reference venv and compare against it.")
    done = subprocess.run([python, "-W", "ignore", "-c", LIST_NAMES, *PREFECT_MODULES],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    by_module = json.loads(done.stdout.splitlines()[-1])
    return [f"{module}.{name}" for module, names in by_module.items() for name in names
            ] + EXTRA_NAMES


@pytest.mark.compat
def test_every_prefect_name_exists_in_caudal_or_has_a_reason(prefect_names):
    unexplained = [name for name in prefect_names
                   if name not in MISSING and not in_caudal(name)]

    assert unexplained == [], (
        "These Prefect 0.15.9 names are missing in caudal: add them, or add each to MISSING "
        "with the reason")


@pytest.mark.compat
def test_every_reason_is_for_a_prefect_name_still_missing(prefect_names):
    listed = dict(MISSING)
    not_prefect = sorted(set(listed) - set(prefect_names))
    present = sorted(name for name in MISSING if in_caudal(name))

    assert not_prefect == [], "not public names of the Prefect modules checked"
    assert present == [], "now in caudal: delete them from MISSING (and the README)"


def test_reasons_are_written_for_users():
    for name, reason in MISSING.items():
        assert name.startswith("prefect.") and reason and not reason.endswith("."), name
