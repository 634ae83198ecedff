"""return_all=True returns every output line (stderr included), mapped over a list of commands."""
from prefect import Flow, task
from prefect.tasks.shell import ShellTask

lister = ShellTask(name="lister", return_all=True)


@task
def commands():
    return ["printf 'a\\nb\\nc\\n'", "echo only", "true", "echo out; echo err >&2"]


@task
def sizes(outputs):
    return [len(lines) for lines in outputs]


with Flow("shell-return-all") as flow:
    outputs = lister.map(command=commands())
    sizes(outputs)
    trailing = ShellTask(name="trailing", return_all=True)(command="echo '  padded  '; echo")
