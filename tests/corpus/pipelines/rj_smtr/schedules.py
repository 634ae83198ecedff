"""SMTR schedules: every minute for GPS-style captures, one clock per page set."""

from datetime import datetime, timedelta

from prefect.schedules import Schedule
from prefect.schedules.clocks import IntervalClock

from pipelines.rj_smtr.constants import constants as smtr_constants
from pipelines.utils.constants import constants
from pipelines.utils.schedules import TIMEZONE

every_minute = Schedule(
    clocks=[
        IntervalClock(
            interval=timedelta(minutes=1),
            start_date=datetime(2021, 1, 1, 0, 0, tzinfo=TIMEZONE),
            labels=[constants.RJ_SMTR_AGENT_LABEL.value],
            parameter_defaults={"pages": pages},
        )
        for pages in ([1], [2, 3], smtr_constants.CAPTURE_PAGES.value)
    ]
)

every_hour = Schedule(
    clocks=[
        IntervalClock(
            interval=timedelta(hours=1),
            start_date=datetime(2021, 1, 1, 0, 5, tzinfo=TIMEZONE),
            labels=[constants.RJ_SMTR_AGENT_LABEL.value],
        )
    ]
)
