"""A Parameter subclass whose run() post-processes the value supplied at run time."""
from prefect import Flow, Parameter, task


class ListParameter(Parameter):
    def run(self):
        value = super().run()
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return list(value)


@task
def count(items):
    return {"n": len(items), "items": items}


with Flow("parameter-subclass") as flow:
    tables = ListParameter("tables", default=["iptu"])
    schemas = ListParameter("schemas", default="raw")
    count(tables)
    count(schemas)

RUN_KWARGS = {"parameters": {"tables": "iptu, iss , , itbi"}}
