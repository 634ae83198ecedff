"""helper_script runs before each command in the same shell: functions, variables, cd."""
from prefect import Flow
from prefect.tasks.shell import ShellTask

helpers = """
shout() { echo "$1" | tr a-z A-Z; }
REGION=sul
cd /
"""

task = ShellTask(helper_script=helpers, name="with_helpers")

with Flow("shell-helper-script") as flow:
    a = task(command="shout bom-dia")
    b = task(command="echo region=$REGION dir=$(pwd)")
    c = task(command="echo override", helper_script="echo from-call-helper")
    d = ShellTask(name="fails_in_helper", helper_script="exit 5")(command="echo never")
