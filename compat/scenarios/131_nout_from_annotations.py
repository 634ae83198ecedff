"""nout from return annotations: Tuple[a, b] gives 2, Tuple[()] gives 0, bare tuples none."""
from typing import Tuple

from prefect import Flow, task


@task
def pair() -> Tuple[int, str]:
    return 1, "one"


@task
def nothing() -> Tuple[()]:
    return ()


@task
def any_tuple() -> tuple:
    return (1,)


@task
def bare() -> Tuple:
    return (1,)


@task
def variadic() -> Tuple[int, ...]:
    return (1, 2)


@task
def report(number, word, empty):
    return {
        "number": number,
        "word": word,
        "empty": empty,
        "nout": [t.nout for t in (pair, nothing, any_tuple, bare, variadic)],
    }


with Flow("nout") as flow:
    n, w = pair()
    unpacked = list(nothing())
    report(n, w, unpacked)
