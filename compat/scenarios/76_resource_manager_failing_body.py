"""A task in the block fails: cleanup still runs and the flow fails; a failing setup skips cleanup."""
import prefect
from prefect import Flow, resource_manager, task


@resource_manager
class Connection:
    def __init__(self, dsn):
        self.dsn = dsn

    def setup(self):
        if self.dsn.startswith("bad"):
            raise ConnectionError(f"cannot connect to {self.dsn}")
        return f"conn:{self.dsn}"

    def cleanup(self, conn):
        prefect.context.logger.info("closing %s", conn)

    def __repr__(self):
        return f"Connection({self.dsn!r})"


@task
def query(conn):
    raise RuntimeError(f"syntax error using {conn}")


@task
def export(rows):
    return rows


@task
def fine(conn):
    return conn.upper()


with Flow("resource-manager-failing-body") as flow:
    with Connection("db1") as conn:
        export(query(conn))
        ok = fine(conn)
    with Connection("bad-db") as other:
        fine(other)
    after = fine("outside")
