"""Schedules of the shared flows, and the generator agencies use for dump schedules."""

from datetime import datetime, timedelta

import pytz
from prefect.schedules import Schedule
from prefect.schedules.clocks import CronClock, IntervalClock

from pipelines.utils.constants import constants

TIMEZONE = pytz.timezone("America/Sao_Paulo")

cleanup_schedule = Schedule(
    clocks=[
        CronClock(
            cron="0 3 * * *",
            start_date=datetime(2022, 1, 1, 3, 0, tzinfo=TIMEZONE),
            labels=[constants.RJ_DATAOFFICE_AGENT_LABEL.value],
            parameter_defaults={"project": "main", "days": 7},
        ),
        CronClock(
            cron="30 3 * * 0",
            start_date=datetime(2022, 1, 1, 3, 30, tzinfo=TIMEZONE),
            labels=[constants.RJ_DATAOFFICE_AGENT_LABEL.value],
            parameter_defaults={"project": "staging", "days": 1},
        ),
    ]
)


def generate_dump_db_schedules(
    interval: timedelta,
    start_date: datetime,
    labels: list,
    db_path: str,
    table_parameters: dict,
    runs_interval_minutes: int = 15,
) -> list:
    """One IntervalClock per table, each starting `runs_interval_minutes` after the last."""
    clocks = []
    for count, (table, parameters) in enumerate(table_parameters.items()):
        parameter_defaults = {"db_path": db_path, "table": table}
        parameter_defaults.update(parameters)
        clocks.append(
            IntervalClock(
                interval=interval,
                start_date=start_date + timedelta(minutes=runs_interval_minutes * count),
                labels=labels,
                parameter_defaults=parameter_defaults,
            )
        )
    return clocks
