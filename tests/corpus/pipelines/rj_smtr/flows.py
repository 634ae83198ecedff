"""SMTR flows: a mapped capture with retries, its empty-API copy, pagination and a parent."""

from copy import deepcopy

from prefect import Parameter, unmapped
from prefect.run_configs import LocalRun
from prefect.storage import Local
from prefect.tasks.prefect import create_flow_run, wait_for_flow_run

from pipelines.rj_smtr.constants import constants as smtr_constants
from pipelines.rj_smtr.schedules import every_hour, every_minute
from pipelines.rj_smtr.tasks import (
    count_by_key,
    fetch_all_pages,
    get_cities,
    get_raw,
    parse_users,
    save_users,
)
from pipelines.utils.constants import constants
from pipelines.utils.custom import Flow
from pipelines.utils.tasks import write_json

with Flow(smtr_constants.CAPTURE_FLOW_NAME.value, code_owners=["smtr"]) as captura_usuarios_flow:
    url = Parameter("url", default=smtr_constants.USERS_API_URL.value)
    pages = Parameter("pages", default=smtr_constants.CAPTURE_PAGES.value)
    raw = get_raw.map(url=unmapped(url), page=pages)
    records = parse_users.map(raw)
    cities = get_cities.map(records)
    save_users(records, cities)

captura_usuarios_flow.storage = Local(add_default_labels=False)
captura_usuarios_flow.run_config = LocalRun(labels=[constants.RJ_SMTR_AGENT_LABEL.value])
captura_usuarios_flow.schedule = every_minute

captura_vazia_flow = deepcopy(captura_usuarios_flow)
captura_vazia_flow.name = "SMTR: usuarios - Captura (fonte vazia)"
captura_vazia_flow.schedule = None
for parameter in captura_vazia_flow.parameters():
    if parameter.name == "pages":
        parameter.default = [1, 2]

with Flow(smtr_constants.PAGINATION_FLOW_NAME.value, code_owners=["smtr"]) as paginacao_flow:
    url = Parameter("url", default=smtr_constants.PAGES_API_URL.value)
    items = fetch_all_pages(url)
    counts = count_by_key(items, "linha")
    write_json(counts, f"{constants.DATA_DIR.value}/linhas/contagem.json")

paginacao_flow.storage = Local(add_default_labels=False)
paginacao_flow.run_config = LocalRun(labels=[constants.RJ_SMTR_AGENT_LABEL.value])
paginacao_flow.schedule = every_hour

# Server only: starts the two flows above as child runs and waits for them.
# `parametros` holds one parameter dict per child, in the order of the flow names.
with Flow("SMTR: orquestrador", code_owners=["smtr"]) as orquestrador_flow:
    child_parameters = Parameter("parametros", default=[{}, {}])
    child_runs = create_flow_run.map(
        flow_name=[
            smtr_constants.CAPTURE_FLOW_NAME.value,
            smtr_constants.PAGINATION_FLOW_NAME.value,
        ],
        parameters=child_parameters,
        project_name=unmapped(constants.PREFECT_DEFAULT_PROJECT.value),
        labels=unmapped([constants.RJ_SMTR_AGENT_LABEL.value]),
        run_name=unmapped("orquestrado"),
    )
    wait_for_flow_run.map(child_runs, stream_logs=unmapped(True), raise_final_state=unmapped(True))

orquestrador_flow.storage = Local(add_default_labels=False)
orquestrador_flow.run_config = LocalRun(labels=[constants.RJ_SMTR_AGENT_LABEL.value])
