"""Tasks of the SME pipelines."""

from prefect import task


@task(nout=2)
def split_name(full_name: str):
    first, _, last = full_name.partition(" ")
    return first, last
