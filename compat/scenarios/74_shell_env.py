"""env adds variables to the inherited environment, at init or at call time (call wins)."""
from prefect import Flow
from prefect.tasks.shell import ShellTask

greet = ShellTask(name="greet", env={"GREETING": "ola", "TARGET": "mundo"})

with Flow("shell-env") as flow:
    a = greet(command="echo $GREETING $TARGET")
    b = greet(command="echo $GREETING ${TARGET:-none}", env={"GREETING": "oi"})
    c = greet(command='test -n "$PATH" && echo inherited-path')
    d = ShellTask(name="shell_sh", shell="sh")(command="echo via sh", env={"X": "1"})
