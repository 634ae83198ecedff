"""Tasks of the SMTR pipelines: an HTTP API read page by page."""

from datetime import timedelta

import prefect
import requests
from prefect import task
from prefect.engine.results import LocalResult
from prefect.engine.serializers import JSONSerializer
from prefect.engine.signals import ENDRUN, LOOP
from prefect.engine.state import Skipped

from pipelines.rj_smtr.constants import constants as smtr_constants
from pipelines.utils.constants import constants
from pipelines.utils.utils import log


@task(max_retries=2, retry_delay=timedelta(seconds=0))
def get_raw(url: str, page: int) -> list:
    response = requests.get(
        url,
        params={"page": page, "results": smtr_constants.RESULTS_PER_PAGE.value},
        timeout=5,
    )
    response.raise_for_status()
    results = response.json()["results"]
    if not results:
        raise ENDRUN(state=Skipped(f"Pagina {page} sem dados: nada a fazer."))
    return results


@task
def parse_users(raw: list) -> list:
    return [
        {
            "nome": f"{user['name']['first']} {user['name']['last']}",
            "email": user["email"],
            "cidade": user["location"]["city"],
        }
        for user in raw
    ]


@task
def get_cities(records: list) -> list:
    return [record["cidade"].upper() for record in records]


@task(
    checkpoint=True,
    result=LocalResult(dir=constants.RESULTS_DIR.value, serializer=JSONSerializer()),
    target="{task_name}.json",
)
def save_users(records: list, cities: list) -> dict:
    users = [user for page in records for user in page]
    return {"usuarios": users, "cidades": sorted({city for page in cities for city in page})}


@task
def fetch_all_pages(url: str) -> list:
    """Read every page of the API, one LOOP iteration per page."""
    payload = prefect.context.get("task_loop_result", {"page": 1, "items": []})
    response = requests.get(url, params={"page": payload["page"]}, timeout=5)
    response.raise_for_status()
    body = response.json()
    items = payload["items"] + body["items"]
    log(f"Pagina {payload['page']}: {len(body['items'])} itens")
    if body["next"] is not None:
        raise LOOP(
            message=f"Pagina {payload['page']} lida", result={"page": body["next"], "items": items}
        )
    return items


@task
def count_by_key(items: list, key: str) -> dict:
    counts: dict = {}
    for item in items:
        counts[item[key]] = counts.get(item[key], 0) + 1
    return counts
