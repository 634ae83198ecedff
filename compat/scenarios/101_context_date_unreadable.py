"""A context `date` that is not a date and time is kept as given; `today` is based on now."""
import datetime

import prefect
from prefect import Flow, task


@task
def what_date():
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    return {"date": prefect.context.date, "today_is_now": prefect.context.today == today}


with Flow("context-date-unreadable") as flow:
    what_date()

RUN_KWARGS = {"context": {"date": "not a date"}}
