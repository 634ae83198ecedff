"""Flows every agency uses: the database dump template and the server clean-up."""

from prefect import Parameter, case, task
from prefect.run_configs import LocalRun
from prefect.storage import Local
from prefect.tasks.control_flow import merge

from pipelines.utils.constants import constants
from pipelines.utils.custom import Flow
from pipelines.utils.schedules import cleanup_schedule
from pipelines.utils.tasks import (
    check_has_rows,
    clean_old_flow_runs,
    count_rows,
    describe,
    dump_table,
    write_json,
)


@task
def materialization_path(table: str) -> str:
    return f"{constants.DATA_DIR.value}/materializacao/{table}.json"


with Flow(name="EMD: template - Dump banco de dados", code_owners=["dados"]) as dump_db_flow:
    db_path = Parameter("db_path", default="banco.sqlite")
    table = Parameter("table", default="tabela")
    dump_mode = Parameter("dump_mode", default="overwrite")
    materialize_after_dump = Parameter("materialize_after_dump", default=False, required=False)
    materialization_mode = Parameter("materialization_mode", default="dev", required=False)

    count = count_rows(db_path, table)
    checked = check_has_rows(count, table)
    dumped = dump_table(db_path, table, dump_mode, upstream_tasks=[checked])

    with case(materialize_after_dump, True):
        with case(dump_mode, "append"):
            with case(materialization_mode, "prod"):
                prod = describe("materializa prod incremental", dumped)
            with case(materialization_mode, "dev"):
                dev = describe("materializa dev incremental", dumped)
            incremental = merge(prod, dev)
        with case(dump_mode, "overwrite"):
            full = describe("materializa completa", dumped)
        materialized = merge(incremental, full)
    with case(materialize_after_dump, False):
        not_materialized = describe("sem materializacao", dumped)
    outcome = merge(materialized, not_materialized)
    write_json(outcome, materialization_path(table))

dump_db_flow.storage = Local(add_default_labels=False)
dump_db_flow.run_config = LocalRun(labels=[constants.RJ_DATAOFFICE_AGENT_LABEL.value])


with Flow(
    name="EMD: utils - Limpa execucoes antigas",
    code_owners=["infra"],
    skip_if_running=True,
) as cleanup_flow:
    project = Parameter("project", default=constants.PREFECT_DEFAULT_PROJECT.value)
    days = Parameter("days", default=7)
    clean_old_flow_runs(project, days)

cleanup_flow.storage = Local(add_default_labels=False)
cleanup_flow.run_config = LocalRun(labels=[constants.RJ_DATAOFFICE_AGENT_LABEL.value])
cleanup_flow.schedule = cleanup_schedule
