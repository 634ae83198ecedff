"""Constants shared by every agency's pipelines."""

from enum import Enum


class constants(Enum):  # noqa: N801 - spelled as the city repositories spell it
    RJ_DATAOFFICE_AGENT_LABEL = "rj-dataoffice"
    RJ_SME_AGENT_LABEL = "rj-sme"
    RJ_SMTR_AGENT_LABEL = "rj-smtr"
    RJ_COR_AGENT_LABEL = "rj-cor"
    RJ_ESCRITORIO_AGENT_LABEL = "rj-escritorio"
    PREFECT_DEFAULT_PROJECT = "main"
    DATA_DIR = "data"
    RESULTS_DIR = "data/results"
    FAILURES_DIR = "data/falhas"
    LOCAL_RUN_FLAG = "corpus_local_run"
