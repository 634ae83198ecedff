"""Operator tasks built from Python expressions: indexing and arithmetic, forward and reflected."""
from prefect import Flow, Parameter, task


@task
def numbers():
    return [10, 4, 7]


@task
def record():
    return {"city": "Recife", "population": 1_500_000}


with Flow("operators-arithmetic") as flow:
    x = Parameter("x", default=7)
    nums = numbers()
    first = nums[0]
    city = record()["city"]
    plus = x + 1
    minus = x - nums[1]
    times = x * 2
    div = x / 2
    floordiv = x // 2
    mod = x % 3
    power = x ** 2
    radd = 100 + x
    rsub = 100 - x
    rmul = 3 * x
    rdiv = 21 / x
    rfloordiv = 50 // x
    rmod = 50 % x
    rpow = 2 ** x
    chained = (first + plus) * 2
