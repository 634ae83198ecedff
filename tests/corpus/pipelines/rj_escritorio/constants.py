"""Constants of the Escritorio de Dados pipelines."""

from enum import Enum


class constants(Enum):  # noqa: N801
    MODELS = ["bairros", "quebrado", "logradouros"]
