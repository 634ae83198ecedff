"""Mapping over several iterables at once (zip semantics, shortest wins) and over a Parameter."""
from prefect import Flow, Parameter, task


@task
def names():
    return ["ana", "bia", "caio", "duda"]


@task
def ages():
    return [30, 41, 25]


@task
def person(name, age, country="BR"):
    return f"{name} ({age}, {country})"


@task
def shout(text):
    return text.upper()


with Flow("map-multiple-args") as flow:
    countries = Parameter("countries", default=["BR", "PT", "AO"])
    people = person.map(names(), ages(), country=countries)
    shout.map(people)
    shout.map(countries)
