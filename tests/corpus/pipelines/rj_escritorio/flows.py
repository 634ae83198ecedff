"""Escritorio flows: a mapped materialization with one failing model; a checkpointed aggregate."""

from prefect import Parameter
from prefect.run_configs import LocalRun
from prefect.storage import Local

from pipelines.rj_cor.tasks import notify_failure
from pipelines.rj_escritorio.constants import constants as escritorio_constants
from pipelines.rj_escritorio.schedules import daily_models
from pipelines.rj_escritorio.tasks import aggregate, double, run_model, summarize
from pipelines.utils.constants import constants
from pipelines.utils.custom import Flow
from pipelines.utils.tasks import write_json

with Flow(
    "EMD: materializacao - Modelos", code_owners=["escritorio"], on_failure=notify_failure
) as materializacao_flow:
    models = Parameter("models", default=escritorio_constants.MODELS.value)
    results = run_model.map(models)
    summary = summarize(results)
    write_json(summary, f"{constants.DATA_DIR.value}/materializacao/resumo.json")

materializacao_flow.storage = Local(add_default_labels=False)
materializacao_flow.run_config = LocalRun(labels=[constants.RJ_ESCRITORIO_AGENT_LABEL.value])
materializacao_flow.schedule = daily_models

with Flow("EMD: agregacao - Anual", code_owners=["escritorio"]) as agregacao_flow:
    year = Parameter("ano", default=2022)
    doubled = double(aggregate(year))

agregacao_flow.storage = Local(add_default_labels=False)
agregacao_flow.run_config = LocalRun(labels=[constants.RJ_ESCRITORIO_AGENT_LABEL.value])
