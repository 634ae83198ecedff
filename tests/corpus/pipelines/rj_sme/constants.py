"""Constants of the Secretaria Municipal de Educacao pipelines."""

from enum import Enum


class constants(Enum):  # noqa: N801
    SME_DB_PATH = "sme.sqlite"
    SME_TABLES = {
        "alunos": {"dump_mode": "overwrite", "materialize_after_dump": True},
        "turmas": {"dump_mode": "append", "materialize_after_dump": True},
        "escolas": {"dump_mode": "append", "materialization_mode": "prod"},
    }
