"""COR flows: the rain alert (case/merge, skip-if-running) and the reading validator."""

from prefect import Parameter, case, unmapped
from prefect.run_configs import LocalRun
from prefect.storage import Local
from prefect.tasks.control_flow import merge

from pipelines.rj_cor.constants import constants as cor_constants
from pipelines.rj_cor.schedules import every_15_minutes
from pipelines.rj_cor.tasks import (
    get_rain,
    has_alert,
    notify_failure,
    stations_over,
    validate_reading,
)
from pipelines.utils.constants import constants
from pipelines.utils.custom import Flow
from pipelines.utils.tasks import describe, write_json

with Flow(
    "COR: chuva - Alerta",
    code_owners=["cor"],
    skip_if_running=True,
    on_failure=notify_failure,
) as alerta_chuva_flow:
    url = Parameter("url", default=cor_constants.RAIN_API_URL.value)
    stations = Parameter("stations", default=cor_constants.STATIONS.value)
    threshold = Parameter("threshold", default=cor_constants.HEAVY_RAIN_MM.value)
    readings = get_rain.map(url=unmapped(url), station=stations)
    over = stations_over(readings, stations, threshold)
    alert = has_alert(over)
    with case(alert, True):
        alerted = write_json(over, f"{constants.DATA_DIR.value}/alertas/chuva.json")
    with case(alert, False):
        quiet = describe("sem alerta", over)
    merge(alerted, quiet)

alerta_chuva_flow.storage = Local(add_default_labels=False)
alerta_chuva_flow.run_config = LocalRun(labels=[constants.RJ_COR_AGENT_LABEL.value])
alerta_chuva_flow.schedule = every_15_minutes

with Flow(
    "COR: chuva - Validacao", code_owners=["cor"], on_failure=notify_failure
) as validacao_flow:
    url = Parameter("url", default=cor_constants.RAIN_API_URL.value)
    stations = Parameter("stations", default=cor_constants.STATIONS.value)
    readings = get_rain.map(url=unmapped(url), station=stations)
    valid = validate_reading.map(readings)
    write_json(valid, f"{constants.DATA_DIR.value}/validas.json")

validacao_flow.storage = Local(add_default_labels=False)
validacao_flow.run_config = LocalRun(labels=[constants.RJ_COR_AGENT_LABEL.value])
