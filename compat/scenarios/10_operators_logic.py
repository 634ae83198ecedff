"""Comparison and boolean operator tasks: >, >=, <, <=, is_equal, is_not_equal, &, and_/or_/not_."""
from prefect import Flow, Parameter


with Flow("operators-logic") as flow:
    x = Parameter("x", default=5)
    y = Parameter("y", default=0)
    gt = x > 3
    ge = x >= 5
    lt = x < 3
    le = x <= 4
    eq = x.is_equal(5)
    ne = x.is_not_equal(5)
    both = gt & ge
    rand = True & lt
    either = lt.or_(ge)
    negated = eq.not_()
    falsy = y.not_()
