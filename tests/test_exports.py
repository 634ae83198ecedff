"""The front door: caudal.__all__, Prefect 0.15's import paths, and what `import caudal` loads."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from types import ModuleType

import pytest

import caudal
from caudal import Flow
from caudal.exceptions import NotAvailableError

# Resolved by caudal's module __getattr__ on first use, so that `import caudal` loads neither
# the client nor (for the server and the CLI) the flow API and the engine.
LAZY_NAMES = set(caudal._LAZY_NAMES)


def public_names(module: ModuleType) -> set[str]:
    """Names without a leading underscore, except submodules the import system bound."""
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        if isinstance(value, ModuleType) and value.__name__ == f"{module.__name__}.{name}":
            continue
        names.add(name)
    return names


def test_all_is_sorted_and_every_name_resolves():
    assert caudal.__all__ == sorted(caudal.__all__)
    for name in caudal.__all__:
        assert getattr(caudal, name) is not None


def test_every_advertised_name_resolves():
    # dir(caudal) and the lazy tables promise these names to users and to tab completion;
    # each must import, not fail on first use (a submodule listed before it was written).
    advertised = (set(caudal.__all__) | set(caudal._LAZY_NAMES) | set(caudal._LAZY_MODULES)
                  | set(dir(caudal)))
    unresolved = {}
    for name in sorted(advertised):
        try:
            getattr(caudal, name)
        except (ImportError, AttributeError) as exc:
            unresolved[name] = f"{type(exc).__name__}: {exc}"

    assert unresolved == {}


@pytest.mark.parametrize("name", sorted(caudal._LAZY_MODULES))
def test_lazy_module_name_is_a_caudal_submodule(name):
    module = getattr(caudal, name)

    assert isinstance(module, ModuleType) and module.__name__ == f"caudal.{name}"


def test_all_matches_public_names():
    exported_modules = {n for n in caudal.__all__ if isinstance(vars(caudal).get(n), ModuleType)}

    assert caudal.__all__ == sorted(public_names(caudal) | LAZY_NAMES | exported_modules)


def test_all_lists_no_name_that_is_missing():
    assert [n for n in caudal.__all__ if n not in vars(caudal) and n not in LAZY_NAMES] == []


# Each path and the names Prefect 0.15 code imports from it; all of them work now.
AVAILABLE = {
    "caudal": ["task", "Task", "Flow", "Parameter", "case", "unmapped", "flatten", "mapped",
               "context", "tags", "resource_manager", "config", "triggers"],
    "caudal.engine.signals": ["FAIL", "SUCCESS", "SKIP", "RETRY", "ENDRUN", "PAUSE", "LOOP",
                              "TRIGGERFAIL", "PrefectStateSignal", "PrefectSignal"],
    "caudal.exceptions": ["PrefectSignal", "TaskTimeoutSignal", "PrefectException"],
    "caudal.engine.state": ["State", "Pending", "Scheduled", "Submitted", "Running", "Success",
                            "Failed", "Retrying", "Skipped", "TriggerFailed", "TimedOut",
                            "Cancelled", "Mapped", "Looped", "Paused", "Cached", "Finished"],
    "caudal.engine": ["signals", "state", "FlowRunner", "TaskRunner"],
    "caudal.triggers": ["all_successful", "all_finished", "always_run", "manual_only",
                        "any_successful", "any_failed", "all_failed", "not_all_skipped",
                        "some_failed", "some_successful"],
    "caudal.tasks.control_flow": ["case", "merge", "ifelse", "switch", "FilterTask"],
    "caudal.tasks.core.operators": ["GetItem", "GetAttr", "Add", "Sub", "Mul", "Div",
                                    "FloorDiv", "Pow", "Mod", "And", "Or", "Not", "Equal",
                                    "NotEqual", "GreaterThan", "GreaterThanOrEqual",
                                    "LessThan", "LessThanOrEqual"],
    "caudal.tasks.core.constants": ["Constant"],
    "caudal.tasks.core.resource_manager": ["resource_manager", "ResourceManager"],
    "caudal.tasks.shell": ["ShellTask"],
    "caudal.storage": ["Storage", "Local", "GCS", "S3", "Module", "Git", "GitHub", "GitLab",
                       "Bitbucket", "Webhook", "Azure", "Docker", "CodeCommit"],
    "caudal.run_configs": ["RunConfig", "UniversalRun", "LocalRun", "KubernetesRun", "DockerRun"],
    "caudal.tasks.core.function": ["FunctionTask"],
    "caudal.core": ["Task", "Flow", "Parameter", "Edge"],
    "caudal.core.task": ["Task", "Parameter"],
    "caudal.core.parameter": ["Parameter", "DateTimeParameter"],
    "caudal.utilities.edges": ["mapped", "unmapped", "flatten"],
    "caudal.utilities.tasks": ["task", "tags", "as_task", "defaults_from_attrs", "unmapped",
                               "apply_map", "pause_task"],
    "caudal.utilities.debug": ["raise_on_exception", "is_serializable"],
    "caudal.utilities.configuration": ["set_temporary_config"],
    "caudal.utilities.collections": ["DotDict", "as_nested_dict", "merge_dicts",
                                     "dict_to_flatdict", "flatdict_to_dict"],
    "caudal.executors": ["Executor", "LocalExecutor", "LocalDaskExecutor", "DaskExecutor"],
    "caudal.engine.executors": ["LocalExecutor", "LocalDaskExecutor", "DaskExecutor"],
    "caudal.engine.results": ["Result", "LocalResult", "GCSResult", "S3Result", "PrefectResult",
                              "ConstantResult", "SecretResult"],
    "caudal.engine.result": ["Result", "NoResult"],
    "caudal.engine.results.local_result": ["LocalResult"],
    "caudal.engine.results.gcs_result": ["GCSResult"],
    "caudal.engine.results.s3_result": ["S3Result"],
    "caudal.engine.results.prefect_result": ["PrefectResult"],
    "caudal.engine.results.constant_result": ["ConstantResult"],
    "caudal.engine.results.secret_result": ["SecretResult"],
    "caudal.engine.results.azure_result": ["AzureResult"],
    "caudal.engine.result.base": ["Result", "ResultNotImplementedError"],
    "caudal.engine.serializers": ["Serializer", "PickleSerializer", "JSONSerializer",
                                  "DateTimeSerializer", "PandasSerializer"],
    "caudal.engine.cache_validators": ["never_use", "duration_only", "all_inputs",
                                       "all_parameters", "partial_inputs_only",
                                       "partial_parameters_only"],
    "caudal.schedules": ["Schedule", "IntervalSchedule", "CronSchedule", "RRuleSchedule",
                         "clocks", "filters", "adjustments"],
    "caudal.schedules.schedules": ["Schedule", "IntervalSchedule", "CronSchedule"],
    "caudal.schedules.clocks": ["IntervalClock", "CronClock", "DatesClock", "RRuleClock", "Clock",
                                "ClockEvent"],
    "caudal.schedules.filters": ["on_datetime", "on_date", "at_time", "between_datetimes",
                                 "between_dates", "between_times", "is_weekday", "is_weekend",
                                 "is_month_end", "is_month_start", "is_day_of_week"],
    "caudal.schedules.adjustments": ["add", "next_weekday"],
    "caudal.client": ["Client", "Secret"],
    "caudal.client.secrets": ["Secret"],
    "caudal.tasks.secrets": ["SecretBase", "PrefectSecret", "EnvVarSecret"],
    "caudal.tasks.secrets.base": ["SecretBase", "PrefectSecret"],
    "caudal.tasks.secrets.env_var": ["EnvVarSecret"],
    "caudal.backend": ["FlowRunView", "FlowView", "TaskRunView", "watch_flow_run"],
    "caudal.backend.flow_run": ["FlowRunView", "watch_flow_run"],
    "caudal.tasks.prefect": ["create_flow_run", "wait_for_flow_run", "get_task_run_result",
                             "StartFlowRun", "CancelFlowRun", "RenameFlowRun"],
    "caudal.tasks.prefect.flow_run_cancel": ["CancelFlowRun"],
    "caudal.tasks.prefect.flow_run_rename": ["RenameFlowRun"],
    "caudal.agent": ["LocalAgent", "KubernetesAgent"],
    "caudal.agent.local": ["LocalAgent"],
    "caudal.agent.kubernetes": ["KubernetesAgent"],
    "caudal.environments": ["Environment", "LocalEnvironment", "DaskKubernetesEnvironment",
                            "KubernetesJobEnvironment", "FargateTaskEnvironment",
                            "DaskCloudProviderEnvironment"],
    "caudal.environments.execution": ["Environment", "LocalEnvironment",
                                      "DaskKubernetesEnvironment", "KubernetesJobEnvironment",
                                      "FargateTaskEnvironment", "DaskCloudProviderEnvironment",
                                      "load_and_run_flow"],
    "caudal.utilities.graphql": ["with_args", "EnumValue", "GQLObject", "LiteralSetValue",
                                 "compress", "decompress", "parse_graphql",
                                 "parse_graphql_arguments", "GraphQLResult",
                                 "format_graphql_request_error", "lowercase_first_letter",
                                 "multiline_indent"],
    "caudal.utilities.notifications": ["slack_notifier", "gmail_notifier", "callback_factory",
                                       "slack_message_formatter", "jira_notifier"],
    "caudal.tasks.notifications": ["SlackTask", "EmailTask", "PushbulletTask"],
}


@pytest.mark.parametrize(("path", "names"), AVAILABLE.items(), ids=list(AVAILABLE))
def test_prefect_import_path_imports_under_caudal(path, names):
    module = importlib.import_module(path)

    missing = [name for name in names if not hasattr(module, name)]
    assert missing == []


def test_local_executor_runs_a_flow():
    from caudal.executors import LocalExecutor

    with Flow("local", executor=LocalExecutor()) as flow:
        out = caudal.task(lambda: 1, name="one")()

    assert flow.run().result[out].result == 1


# Paths whose behaviour arrives later: the import works, using the name says it is not here yet.
LATER = [
    ("caudal.engine.results", "AzureResult"),
]

# Arguments a name needs before it can say it is not available.
LATER_ARGS: dict[str, tuple] = {}


@pytest.mark.parametrize(("path", "name"), LATER, ids=[f"{p}.{n}" for p, n in LATER])
def test_later_feature_imports_and_raises_not_available_when_used(path, name):
    thing = getattr(importlib.import_module(path), name)

    with pytest.raises(NotAvailableError) as excinfo:
        thing(*LATER_ARGS.get(name, ()))

    assert isinstance(excinfo.value, NotImplementedError)
    message = str(excinfo.value)
    assert f"'{name}'" in message
    assert "not available in this version of caudal yet" in message
    assert "issue" not in message  # the product's words, not its tracker's


def test_client_resolves_lazily_from_package():
    assert caudal.Client is importlib.import_module("caudal.client").Client


def run_fresh(code: str) -> str:
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_import_caudal_loads_no_server_http_database_or_dask_code():
    loaded = json.loads(run_fresh(
        "import json, sys, caudal\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    ))

    heavy = {"httpx", "sqlalchemy", "starlette", "fastapi", "pydantic", "uvicorn", "alembic",
             "psycopg", "click", "rich", "dask", "pandas", "caudal.server", "caudal.client",
             "caudal.agent", "caudal.wire"}
    assert sorted(m for m in loaded if m.split(".")[0] in heavy or m in heavy) == []


def test_prefect_style_attribute_chains_work_after_import_caudal():
    out = run_fresh(
        "import caudal\n"
        "print(caudal.engine.signals.FAIL.__name__, caudal.engine.state.Success.__name__,\n"
        "      caudal.triggers.all_finished.__name__, caudal.tasks.control_flow.merge.__name__,\n"
        "      caudal.utilities.edges.unmapped.__name__, caudal.context.get('x', 'ok'),\n"
        "      caudal.schedules.IntervalSchedule.__name__)\n"
    )

    assert out.split() == ["FAIL", "Success", "all_finished", "merge", "unmapped", "ok",
                           "IntervalSchedule"]


def test_server_loads_no_flow_api_or_engine():
    loaded = json.loads(run_fresh(
        "import json, sys, caudal.server.app\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    ))

    engine_side = ("caudal.core", "caudal.engine", "caudal.executors", "caudal.storage",
                   "caudal.tasks", "caudal.client", "cloudpickle")
    assert [m for m in loaded if m.startswith(engine_side)] == []


def test_client_side_cli_loads_no_flow_api_engine_or_server():
    loaded = json.loads(run_fresh(
        "import json, sys, caudal.cli.flows, caudal.cli.runs\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    ))

    assert [m for m in loaded if m.startswith(("caudal.core", "caudal.engine", "caudal.server",
                                               "sqlalchemy", "fastapi"))] == []


def test_agent_loads_no_flow_api_runners_or_server():
    # The agent launches runs and never loads a flow: its memory stays that of a small client.
    loaded = json.loads(run_fresh(
        "import json, sys, caudal.cli.agent, caudal.agent, caudal.agent.health\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    ))

    heavy = ("caudal.core", "caudal.engine.flow_runner", "caudal.engine.task_runner",
             "caudal.engine.results", "caudal.executors", "caudal.storage", "caudal.server",
             "cloudpickle", "sqlalchemy", "fastapi", "dask", "pandas")
    assert [m for m in loaded if m.startswith(heavy)] == []


def test_prefect_chains_to_notifications_graphql_and_environments_work_after_bare_import():
    # A fresh interpreter: in this one the submodules are already imported.
    chains = ("caudal.utilities.graphql.with_args", "caudal.utilities.notifications.slack_notifier",
              "caudal.tasks.notifications.SlackTask", "caudal.environments.LocalEnvironment")
    code = "import caudal\n" + "".join(f"assert {chain}\n" for chain in chains)

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)

    assert done.returncode == 0, done.stderr
