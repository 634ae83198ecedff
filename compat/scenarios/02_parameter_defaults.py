"""Parameters with defaults, used as they are (no parameters passed to flow.run)."""
from prefect import Flow, Parameter, task


@task
def build_url(base, page_size):
    return f"{base}/users?limit={page_size}"


@task
def count_pages(total, page_size):
    return -(-total // page_size)


with Flow("parameter-defaults") as flow:
    base = Parameter("base_url", default="https://api.example.org")
    page_size = Parameter("page_size", default=25)
    total = Parameter("total", default=110)
    build_url(base, page_size)
    count_pages(total, page_size)
