"""Tasks returning several values, unpacked through nout= and a Tuple return annotation."""
from typing import Tuple

from prefect import Flow, task


@task(nout=2)
def split_even_odd(numbers):
    return [n for n in numbers if n % 2 == 0], [n for n in numbers if n % 2]


@task
def stats(values) -> Tuple[int, int, int]:
    return min(values), max(values), sum(values)


@task
def show(label, low, high, total):
    return f"{label}: min={low} max={high} sum={total}"


with Flow("nout-unpacking") as flow:
    evens, odds = split_even_odd([1, 2, 3, 4, 5, 6, 7])
    low, high, total = stats(evens)
    show("evens", low, high, total)
    show("odds-count", 0, 0, odds)
