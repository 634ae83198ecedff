"""The local engine: states, signals, and the runners that take a flow run to its end."""

from caudal.engine import cache_validators, result, results, serializers, signals, state
from caudal.engine.flow_runner import FlowRunner
from caudal.engine.task_runner import TaskRunner

__all__ = ["FlowRunner", "TaskRunner", "cache_validators", "result", "results", "serializers",
           "signals", "state"]
