"""Flow state handlers; the ones that ask the server return at once in local runs."""

import prefect
from prefect import Client
from prefect.engine.state import Skipped, State

from pipelines.utils.utils import is_local_run, log


def skip_if_running_handler(obj, old_state: State, new_state: State) -> State:
    """Skip this run when another run of the same flow is already Running on the server."""
    if not new_state.is_running():
        return new_state
    if is_local_run() or not prefect.context.get("flow_run_id"):
        return new_state
    query = """
        query($flow_id: uuid, $run_id: uuid) {
          flow_run(where: {_and: [{flow_id: {_eq: $flow_id}},
                                  {id: {_neq: $run_id}},
                                  {state: {_in: ["Running", "Submitted"]}}]}) {
            id
          }
        }
    """
    response = Client().graphql(
        query=query,
        variables=dict(
            flow_id=prefect.context.get("flow_id"),
            run_id=prefect.context.get("flow_run_id"),
        ),
    )
    if response["data"]["flow_run"]:
        log("Another run of this flow is running: skipping.")
        return Skipped("Skipped: another run of this flow is running.")
    return new_state
