"""ShellTask runs a command; its last line of output is the result, and downstream tasks use it."""
from prefect import Flow, Parameter, task
from prefect.tasks.shell import ShellTask

count_lines = ShellTask(name="count_lines", stream_output=True)


@task
def to_int(text):
    return int(text.strip())


with Flow("shell-success") as flow:
    rows = Parameter("rows", default=3)
    command = task(lambda n: f"seq 1 {n} | wc -l", name="build_command")(rows)
    total = to_int(count_lines(command=command))
    silent = ShellTask(name="silent")(command="true")

RUN_KWARGS = {"parameters": {"rows": 5}}
