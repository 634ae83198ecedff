"""Every agency's flows, for registration (`prefect register --project main -p pipelines/flows.py`)."""

from pipelines.rj_cor.flows import *  # noqa: F403,F401
from pipelines.rj_escritorio.flows import *  # noqa: F403,F401
from pipelines.rj_sme.flows import *  # noqa: F403,F401
from pipelines.rj_smtr.flows import *  # noqa: F403,F401
from pipelines.utils.flows import *  # noqa: F403,F401
