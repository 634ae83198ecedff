"""The context's datetimes are pendulum DateTimes: flows call pendulum's methods on them, and
a `date` given as text is read as pendulum reads it."""
import prefect
from prefect import Flow, task


@task
def yesterday_of_date():
    date = prefect.context.date
    return {
        "type": type(date).__name__,
        "yesterday": date.subtract(days=1).to_date_string(),
        "in_sao_paulo": date.in_tz("America/Sao_Paulo").to_datetime_string(),
        "today": prefect.context.today,
        "tomorrow_nodash": prefect.context.tomorrow_nodash,
    }


@task
def scheduled_start():
    start = prefect.context.scheduled_start_time
    return {
        "type": type(start).__name__,
        "zone": start.in_tz("America/Sao_Paulo").timezone_name,
        "is_utc": start.utcoffset().total_seconds() == 0,
    }


with Flow("context-pendulum-dates") as flow:
    yesterday_of_date()
    scheduled_start()

RUN_KWARGS = {"context": {"date": "2021-03-01T02:30:00"}}
