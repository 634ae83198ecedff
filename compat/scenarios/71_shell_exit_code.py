"""A non-zero exit fails the ShellTask with its exit code; the output travels as the result."""
from prefect import Flow, task, triggers
from prefect.tasks.shell import ShellTask

download = ShellTask(name="download", log_stderr=True)
validate = ShellTask(name="validate", return_all=True, log_stderr=True)


@task(trigger=triggers.all_failed)
def alert():
    return "download failed"


@task
def load(data):
    return data


with Flow("shell-exit-code") as flow:
    raw = download(command="echo fetching; echo 'curl: (22) 404 Not Found' >&2; exit 22")
    load(raw)
    alert(upstream_tasks=[raw])
    validate(command="echo checking; echo 'bad header' 1>&2; false")
    no_command = ShellTask(name="no_command")()

CAUDAL_DIFFERS = {
    "tasks.download-1.message": "caudal's message adds the tail of the output after the exit code",
    "tasks.validate-1.message": "caudal's message adds the tail of the output after the exit code",
}
