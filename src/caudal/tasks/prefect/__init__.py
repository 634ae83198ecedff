"""Tasks that start and watch other flow runs through the server (flows of flows)."""

from caudal.tasks.prefect.flow_run import (
    StartFlowRun,
    create_flow_run,
    get_task_run_result,
    wait_for_flow_run,
)
from caudal.tasks.prefect.flow_run_cancel import CancelFlowRun
from caudal.tasks.prefect.flow_run_rename import RenameFlowRun

__all__ = ["CancelFlowRun", "RenameFlowRun", "StartFlowRun", "create_flow_run",
           "get_task_run_result", "wait_for_flow_run"]
