"""COR schedules: every 15 minutes per station group."""

from datetime import datetime, timedelta

from prefect.schedules import Schedule
from prefect.schedules.clocks import IntervalClock

from pipelines.rj_cor.constants import constants as cor_constants
from pipelines.utils.constants import constants
from pipelines.utils.schedules import TIMEZONE

every_15_minutes = Schedule(
    clocks=[
        IntervalClock(
            interval=timedelta(minutes=15),
            start_date=datetime(2022, 1, 1, 0, minute, tzinfo=TIMEZONE),
            labels=[constants.RJ_COR_AGENT_LABEL.value],
            parameter_defaults={"stations": [station], "threshold": threshold},
        )
        for minute, (station, threshold) in enumerate(
            cor_constants.STATION_THRESHOLDS.value.items()
        )
    ]
)
