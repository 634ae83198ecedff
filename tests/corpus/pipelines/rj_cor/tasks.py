"""Tasks of the COR pipelines."""

import os
from datetime import timedelta

import requests
from prefect import task
from prefect.engine.signals import FAIL

from pipelines.utils.constants import constants


@task(max_retries=1, retry_delay=timedelta(seconds=0))
def get_rain(url: str, station: str) -> float:
    response = requests.get(url, params={"estacao": station}, timeout=30)
    response.raise_for_status()
    return float(response.json()["mm"])


@task
def stations_over(readings: list, stations: list, threshold: float) -> list:
    return [station for index, station in enumerate(stations) if readings[index] >= threshold]


@task
def has_alert(stations: list) -> bool:
    return len(stations) > 0


@task
def validate_reading(mm: float) -> float:
    if mm < 0:
        raise FAIL(f"Leitura negativa: {mm}")
    return mm


def notify_failure(flow, state) -> None:
    """on_failure callback: leave a note where the on-call team looks."""
    os.makedirs(constants.FAILURES_DIR.value, exist_ok=True)
    with open(os.path.join(constants.FAILURES_DIR.value, "cor.txt"), "a") as file:
        file.write(f"{flow.name}: {type(state).__name__}: {state.message}\n")
