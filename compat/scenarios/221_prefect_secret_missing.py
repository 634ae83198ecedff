"""A local secret set nowhere fails its task with ValueError; downstream tasks trigger-fail."""
from prefect import Flow, task
from prefect.tasks.secrets import PrefectSecret


@task
def use(value):
    return value


with Flow("prefect-secret-missing") as flow:
    use(PrefectSecret("NOT_SET_ANYWHERE"))

CAUDAL_DIFFERS = {
    "tasks.NOT_SET_ANYWHERE-1.message": "the same ValueError, whose message also says where to "
                                        "set the secret",
    "tasks.NOT_SET_ANYWHERE-1.result.str": "the same ValueError, whose message also says where "
                                           "to set the secret",
}
