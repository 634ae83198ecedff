"""Tasks of the Escritorio de Dados pipelines."""

from prefect import task
from prefect.engine.results import LocalResult
from prefect.engine.serializers import JSONSerializer
from prefect.triggers import all_finished

from pipelines.utils.constants import constants


@task
def run_model(model: str) -> dict:
    if model == "quebrado":
        raise ValueError(f"Modelo {model} nao compila")
    return {"modelo": model, "linhas": len(model) * 10}


@task(trigger=all_finished)
def summarize(results: list) -> dict:
    ok = [result["modelo"] for result in results if isinstance(result, dict)]
    failed = [str(result) for result in results if isinstance(result, BaseException)]
    return {"ok": ok, "falhas": failed}


@task(
    checkpoint=True,
    result=LocalResult(dir=constants.RESULTS_DIR.value, serializer=JSONSerializer()),
    target="agregado-{parameters[ano]}.json",
)
def aggregate(year: int) -> dict:
    return {"ano": year, "total": year % 97}


@task
def double(value: dict) -> int:
    return value["total"] * 2
