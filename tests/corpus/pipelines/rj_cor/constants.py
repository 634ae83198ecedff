"""Constants of the Centro de Operacoes pipelines."""

from enum import Enum


class constants(Enum):  # noqa: N801
    RAIN_API_URL = "https://api.cor.rio/chuva/"
    HEAVY_RAIN_MM = 25.0
    STATIONS = ["tijuca", "centro", "barra"]
    STATION_THRESHOLDS = {"tijuca": 20.0, "centro": 25.0, "barra": 30.0}
