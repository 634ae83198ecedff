"""The flow definition layer: Task, Flow, Parameter, Edge. Imports no engine, client or server."""

from caudal.core.edge import Edge
from caudal.core.flow import Flow
from caudal.core.parameter import DateTimeParameter, Parameter
from caudal.core.task import NoDefault, Task, no_default

__all__ = ["DateTimeParameter", "Edge", "Flow", "NoDefault", "Parameter", "Task", "no_default"]
