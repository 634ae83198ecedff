"""Escritorio schedules: a daily materialization per model."""

from datetime import datetime, timedelta

from prefect.schedules import Schedule
from prefect.schedules.clocks import IntervalClock

from pipelines.rj_escritorio.constants import constants as escritorio_constants
from pipelines.utils.constants import constants
from pipelines.utils.schedules import TIMEZONE

daily_models = Schedule(
    clocks=[
        IntervalClock(
            interval=timedelta(days=1),
            start_date=datetime(2022, 6, 1, 5, 0, tzinfo=TIMEZONE) + timedelta(minutes=10 * index),
            labels=[constants.RJ_ESCRITORIO_AGENT_LABEL.value],
            parameter_defaults={"models": [model]},
        )
        for index, model in enumerate(escritorio_constants.MODELS.value)
    ]
)
