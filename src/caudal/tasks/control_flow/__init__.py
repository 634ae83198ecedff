"""Conditional flow control: case, switch, ifelse, merge, FilterTask."""

from caudal.tasks.control_flow.case import case
from caudal.tasks.control_flow.conditional import ifelse, merge, switch
from caudal.tasks.control_flow.filter import FilterTask

__all__ = ["FilterTask", "case", "ifelse", "merge", "switch"]
