"""Tasks that start and watch other flow runs through the server (flows of flows).

Not available yet: they arrive with caudal's agents, which run the flow runs they start.
"""

from caudal.tasks.prefect.flow_run import create_flow_run, get_task_run_result, wait_for_flow_run

__all__ = ["create_flow_run", "get_task_run_result", "wait_for_flow_run"]
