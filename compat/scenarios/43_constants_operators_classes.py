"""Constant, FunctionTask and operator task classes instantiated by hand and bound explicitly."""
from prefect import Flow
from prefect.tasks.core.constants import Constant
from prefect.tasks.core.function import FunctionTask
from prefect.tasks.core.operators import Add, Equal, GetItem, Mul, NotEqual

with Flow("constants-operators-classes") as flow:
    rows = Constant([5, 6, 7], name="rows")
    factor = Constant(3)
    first = GetItem(name="first")(rows, 0)
    scaled = Mul()(first, factor)
    total = Add(name="total")(scaled, 100)
    same = Equal()(total, 115)
    different = NotEqual()(total, 115)
    describe = FunctionTask(lambda t, s: f"total={t} matches={s}", name="describe")
    describe(total, same)
