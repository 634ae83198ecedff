"""Misuse of secret tasks: a result given, no name at all, and Secret.get while building."""
from prefect import Flow, task
from prefect.client import Secret
from prefect.engine.results import LocalResult
from prefect.tasks.secrets import EnvVarSecret, PrefectSecret, SecretBase


def error_of(call):
    try:
        call()
    except Exception as exc:
        return [type(exc).__name__, str(exc)]
    return None


@task
def report():
    return {
        "result_given": error_of(lambda: PrefectSecret("A", result=LocalResult())),
        "no_name": error_of(lambda: PrefectSecret().run()),
        "env_no_name": error_of(lambda: EnvVarSecret().run()),
        "base_checkpoint": SecretBase(name="b", checkpoint=True).checkpoint,
        "exists_local": Secret("HERE").exists(),
        "exists_missing": Secret("NOT_HERE").exists(),
    }


with Flow("secret-misuse") as flow:
    while_building = error_of(lambda: Secret("HERE").get())
    report()


@task
def building_error():
    return while_building


flow.add_task(building_error)

RUN_KWARGS = {"context": {"secrets": {"HERE": "1"}}}
