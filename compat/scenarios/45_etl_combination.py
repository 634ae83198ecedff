"""A realistic daily ETL: parameters, mapping per source, a case on the row count, reduce, load."""
from datetime import timedelta

import prefect
from prefect import Flow, Parameter, case, task, unmapped
from prefect.tasks.control_flow import merge

SOURCES = {
    "iptu": [{"id": 1, "valor": 10.5}, {"id": 2, "valor": 3.0}],
    "iss": [{"id": 9, "valor": 7.25}],
    "itbi": [],
}


@task(max_retries=1, retry_delay=timedelta(seconds=0.1))
def extract(source, day):
    return [dict(row, source=source, day=day) for row in SOURCES[source]]


@task
def transform(rows, currency):
    return [dict(row, valor=f"{currency} {row['valor']:.2f}") for row in rows]


@task
def concat(batches):
    return [row for batch in batches for row in batch]


@task
def has_rows(rows):
    return len(rows) > 0


@task
def load(rows):
    prefect.context.logger.info("loading %d rows", len(rows))
    return {"loaded": len(rows), "ids": sorted(row["id"] for row in rows)}


@task
def nothing():
    return {"loaded": 0, "ids": []}


@task
def report(summary, day):
    return f"{day}: {summary['loaded']} rows"


with Flow("daily-etl") as flow:
    day = Parameter("day", default="2022-10-05")
    sources = Parameter("sources", default=["iptu", "iss", "itbi"])
    currency = Parameter("currency", default="R$")
    raw = extract.map(sources, unmapped(day))
    clean = transform.map(raw, currency=unmapped(currency))
    rows = concat(clean)
    non_empty = has_rows(rows)
    with case(non_empty, True):
        loaded = load(rows)
    with case(non_empty, False):
        skipped = nothing()
    report(merge(loaded, skipped), day)

RUN_KWARGS = {"parameters": {"day": "2022-10-06"}}
