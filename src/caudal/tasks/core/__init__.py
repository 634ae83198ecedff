"""The built-in tasks the flow API makes for you: constants, functions, operators, collections."""

from caudal.tasks.core.collections import Dict, List, Set, Tuple
from caudal.tasks.core.constants import Constant
from caudal.tasks.core.function import FunctionTask

__all__ = ["Constant", "Dict", "FunctionTask", "List", "Set", "Tuple"]
