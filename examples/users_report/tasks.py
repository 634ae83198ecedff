import os
from io import StringIO

import pandas as pd
import requests
from caudal import task

from utils import log

# Deviation from the tutorial: the API's base URL comes from RANDOMUSER_URL, so the same code
# runs against randomuser.me or the local stand-in (stand_in_api.py).
RANDOMUSER_URL = os.environ.get("RANDOMUSER_URL", "https://randomuser.me")


@task
def download_data(n_users: int) -> str:
    """
    Baixa dados da API https://randomuser.me e retorna um texto em formato CSV.

    Args:
        n_users (int): número de usuários a serem baixados.

    Returns:
        str: texto em formato CSV.
    """
    # Deviation from the tutorial: a timeout. Without one, requests waits forever when a
    # firewall silently drops packets, and the flow would hang instead of failing.
    # (10 s to connect, 60 s of silence while reading.)
    response = requests.get(
        f"{RANDOMUSER_URL}/api/?results={n_users}&format=csv",
        timeout=(10, 60),
    )
    log("Dados baixados com sucesso!")
    return response.text


@task
def parse_data(data: str) -> pd.DataFrame:
    """
    Transforma os dados em formato CSV em um DataFrame do Pandas, para facilitar sua manipulação.

    Args:
        data (str): texto em formato CSV.

    Returns:
        pd.DataFrame: DataFrame do Pandas.
    """
    df = pd.read_csv(StringIO(data))
    log("Dados convertidos em DataFrame com sucesso!")
    return df


@task
def save_report(dataframe: pd.DataFrame) -> None:
    """
    Salva o DataFrame em um arquivo CSV.

    Args:
        dataframe (pd.DataFrame): DataFrame do Pandas.
    """
    dataframe.to_csv("report.csv", index=False)
    log("Dados salvos em report.csv com sucesso!")
