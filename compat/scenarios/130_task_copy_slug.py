"""A task with a slug and its copies fit in one flow: copies get the slug "<slug>-copy"."""
from prefect import Flow, Parameter, Task, task


class Extract(Task):
    def run(self):
        return "rows from " + self.name


extract = Extract(name="extract", slug="extract")
copied = extract.copy(name="extract again")
renamed_slug = extract.copy(slug="extract-orders")


@task(slug="fixed")
def fixed():
    return "fixed"


@task
def slugs_seen():
    region = Parameter("region")
    return {
        "copy": extract.copy().slug,
        "copy_of_copy": extract.copy().copy().slug,
        "copy_with_name": copied.slug,
        "copy_with_slug": renamed_slug.slug,
        "no_slug": Extract(name="plain").copy().slug,
        "parameter_copy": region.copy("area").slug,
    }


flow = Flow("task-copy-slugs", tasks=[extract, copied, renamed_slug])
flow.add_task(slugs_seen)
with flow:
    called = fixed()
