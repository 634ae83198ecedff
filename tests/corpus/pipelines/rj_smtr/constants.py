"""Constants of the Secretaria Municipal de Transportes pipelines."""

from enum import Enum


class constants(Enum):  # noqa: N801
    USERS_API_URL = "https://randomuser.me/api/"
    PAGES_API_URL = "https://api.mobilidade.rio/paginas/"
    RESULTS_PER_PAGE = 2
    CAPTURE_PAGES = [1, 2, 3]
    CAPTURE_FLOW_NAME = "SMTR: usuarios - Captura"
    PAGINATION_FLOW_NAME = "SMTR: linhas - Paginacao"
