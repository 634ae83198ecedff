"""SecretResult on a user's secret task: read runs the task again, write is refused."""
import prefect
from prefect import Flow, Task, task
from prefect.engine.results import SecretResult


class LocalSecret(Task):
    def __init__(self, name, **kwargs):
        super().__init__(name=name, checkpoint=False, **kwargs)
        self.result = SecretResult(self)

    def run(self, name=None):
        return prefect.context.secrets[name or self.name]


password = LocalSecret("DB_PASSWORD")


@task
def connect(secret):
    result = password.result
    with prefect.context(secrets={"OTHER": "x"}):
        read = result.read("OTHER")
    try:
        result.write("value")
        written = "written"
    except ValueError as exc:
        written = str(exc).split(".")[0]
    return {
        "length": len(secret),
        "location": result.location,
        "read": [read.value, read.location, type(read).__name__],
        "write": written,
    }


with Flow("secret-result") as flow:
    connect(password)

RUN_KWARGS = {"context": {"secrets": {"DB_PASSWORD": "s3cr3t"}}}
