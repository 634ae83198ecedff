"""One clock per SME table, each with its own parameter defaults and agent label."""

from datetime import datetime, timedelta

from prefect.schedules import Schedule

from pipelines.rj_sme.constants import constants as sme_constants
from pipelines.utils.constants import constants
from pipelines.utils.schedules import TIMEZONE, generate_dump_db_schedules

sme_clocks = generate_dump_db_schedules(
    interval=timedelta(days=1),
    start_date=datetime(2022, 3, 21, 1, 0, tzinfo=TIMEZONE),
    labels=[constants.RJ_SME_AGENT_LABEL.value],
    db_path=sme_constants.SME_DB_PATH.value,
    table_parameters=sme_constants.SME_TABLES.value,
)
sme_schedule = Schedule(clocks=list(sme_clocks))
