"""SME dumps: deep copies of the shared dump template with their own defaults."""

from copy import deepcopy

from prefect.run_configs import LocalRun
from prefect.storage import Local

from pipelines.rj_sme.constants import constants as sme_constants
from pipelines.rj_sme.schedules import sme_schedule
from pipelines.utils.constants import constants
from pipelines.utils.flows import dump_db_flow
from pipelines.utils.utils import set_default_parameters

dump_sme_flow = deepcopy(dump_db_flow)
dump_sme_flow.name = "SME: educacao - Dump alunos"
dump_sme_flow.storage = Local(add_default_labels=False)
dump_sme_flow.run_config = LocalRun(labels=[constants.RJ_SME_AGENT_LABEL.value])
dump_sme_flow = set_default_parameters(
    dump_sme_flow,
    default_parameters={
        "db_path": sme_constants.SME_DB_PATH.value,
        "table": "alunos",
        "materialize_after_dump": True,
    },
)
dump_sme_flow.schedule = sme_schedule

# The same template again, for the incremental tables: only the defaults differ.
dump_sme_incremental_flow = deepcopy(dump_db_flow)
dump_sme_incremental_flow.name = "SME: educacao - Dump incremental"
dump_sme_incremental_flow.storage = Local(add_default_labels=False)
dump_sme_incremental_flow.run_config = LocalRun(labels=[constants.RJ_SME_AGENT_LABEL.value])
for parameter in dump_sme_incremental_flow.parameters():
    if parameter.name == "dump_mode":
        parameter.default = "append"
    elif parameter.name == "materialize_after_dump":
        parameter.default = True
    elif parameter.name == "materialization_mode":
        parameter.default = "prod"
