"""PrefectSecret reads a local secret from the context; JSON text is parsed, other text kept."""
from prefect import Flow, task
from prefect.tasks.secrets import PrefectSecret


@task
def describe(token, settings, number):
    return {"token": len(token), "settings": settings, "number": number + 1}


with Flow("prefect-secret-local") as flow:
    describe(PrefectSecret("API_TOKEN"), PrefectSecret("SETTINGS"), PrefectSecret("NUMBER"))

RUN_KWARGS = {"context": {"secrets": {"API_TOKEN": "not json", "SETTINGS": '{"a": [1, 2]}',
                                      "NUMBER": "41"}}}
