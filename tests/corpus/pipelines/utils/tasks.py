"""Tasks shared by the agencies."""

import csv
import json
import os
import sqlite3
from datetime import timedelta

import prefect
from prefect import Client, task
from prefect.engine.signals import ENDRUN
from prefect.engine.state import Skipped

from pipelines.utils.constants import constants
from pipelines.utils.utils import ensure_dir, is_local_run, log


@task
def get_table_names(db_path: str, prefix: str = "") -> list:
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
    return [row[0] for row in rows if row[0].startswith(prefix)]


@task(max_retries=1, retry_delay=timedelta(seconds=0))
def count_rows(db_path: str, table: str) -> int:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@task
def check_has_rows(count: int, table: str) -> int:
    """Nothing to dump: end this task Skipped, and so its downstream tasks too."""
    if count == 0:
        log(f"Table {table} is empty: nothing to do.")
        raise ENDRUN(state=Skipped(f"Table {table} is empty: nothing to do."))
    return count


@task
def dump_table(db_path: str, table: str, mode: str) -> str:
    folder = ensure_dir(os.path.join(constants.DATA_DIR.value, "dumps", mode))
    path = os.path.join(folder, f"{table}.csv")
    with sqlite3.connect(db_path) as connection:
        cursor = connection.execute(f"SELECT * FROM {table} ORDER BY 1")
        header = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@task
def write_json(payload, path: str) -> str:
    ensure_dir(os.path.dirname(path))
    with open(path, "w") as file:
        json.dump(payload, file, sort_keys=True, indent=1)
    return path


@task
def describe(label: str, value=None) -> str:
    return f"{label}: {value}"


@task
def clean_old_flow_runs(project: str, days: int) -> dict:
    """On the server, for runs of `project` due more than `days` days ago: cancel the ones
    still Scheduled (no agent took them) and delete the finished ones. Nothing locally."""
    if is_local_run():
        raise ENDRUN(state=Skipped("Local run: no server to clean up."))
    now = prefect.context.get("scheduled_start_time")
    client = Client()
    response = client.graphql(
        query="""
            query($project: String, $before: timestamptz) {
              flow_run(
                where: {_and: [{scheduled_start_time: {_lt: $before}},
                               {flow: {project: {name: {_eq: $project}}}},
                               {state: {_in: ["Scheduled", "Success", "Failed",
                                              "Cancelled", "Skipped"]}}]},
                order_by: {scheduled_start_time: asc}
              ) {
                id
                state
              }
            }
        """,
        variables={"project": project, "before": now.subtract(days=days).isoformat()},
    )
    cancelled = deleted = 0
    for run in response["data"]["flow_run"]:
        if run["state"] == "Scheduled":
            client.graphql(
                query="""
                    mutation($id: UUID!) {
                      cancel_flow_run(input: {flow_run_id: $id}) { state }
                    }
                """,
                variables={"id": run["id"]},
            )
            cancelled += 1
        else:
            client.graphql(
                query="""
                    mutation($id: UUID!) {
                      delete_flow_run(input: {flow_run_id: $id}) { success }
                    }
                """,
                variables={"id": run["id"]},
            )
            deleted += 1
    log(f"Limpeza de {project}: {cancelled} canceladas, {deleted} apagadas.")
    return {"cancelados": cancelled, "apagados": deleted}
