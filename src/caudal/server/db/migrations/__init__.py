"""Alembic migrations: the only way the schema changes (``caudal db upgrade``)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

from caudal.server.db.engine import Database

__all__ = ["current_revision", "head_revision", "is_up_to_date", "upgrade", "upgrade_in_child"]

HERE = Path(__file__).parent


def head_revision() -> str:
    """The newest revision in ``versions/``, read from the files without importing Alembic
    (which costs the server about 10 MB it would keep for nothing once the schema is current)."""
    revisions: dict[str, str | None] = {}
    for path in (HERE / "versions").glob("*.py"):
        source = path.read_text()
        rev = re.search(r'^revision\s*=\s*"([^"]+)"', source, re.M)
        down = re.search(r'^down_revision\s*=\s*(?:"([^"]+)"|None)', source, re.M)
        if rev:
            revisions[rev.group(1)] = down.group(1) if down else None
    downs = {d for d in revisions.values() if d}
    heads = [r for r in revisions if r not in downs]
    assert len(heads) == 1, f"migrations must have exactly one head, found {heads}"
    return heads[0]


def current_revision(db: Database) -> str | None:
    """The revision the database is at, or ``None`` for an empty database."""
    with db.read() as conn:
        if not db.engine.dialect.has_table(conn, "alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["database"] = db
    command.upgrade(config, revision)


def upgrade_in_child(url: str) -> None:
    """Upgrade in a forked child process, so that Alembic (about 14 MB once imported) never
    stays in the memory of the long-running server. Runs in this process where fork is not
    available.

    Raises:
        RuntimeError: the child failed; its traceback went to stderr.
    """
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        upgrade(Database(url))
        return
    child = multiprocessing.get_context("fork").Process(target=_upgrade_url, args=(url,),
                                                        name="caudal-db-upgrade")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"Upgrading the database schema failed (exit code {child.exitcode}); "
                           "the error is printed above.")


def _upgrade_url(url: str) -> None:
    db = Database(url)
    try:
        upgrade(db)
    finally:
        db.dispose()
