"""Secrets: set, list, read and delete named values, stored encrypted (``SecretBox``)."""

from __future__ import annotations

from sqlalchemy import delete, select

from caudal.server.db import models
from caudal.server.db.engine import Database
from caudal.server.errors import NotFound
from caudal.server.secret_box import SecretBox
from caudal.server.services.common import utcnow
from caudal.wire.secrets import SecretInfo

__all__ = ["delete_secret", "list_secrets", "read_secret", "set_secret"]


def set_secret(db: Database, box: SecretBox, name: str, value: str) -> SecretInfo:
    """Store ``value`` as the secret ``name``, encrypted, replacing any value it had."""
    now = utcnow()
    token = box.encrypt(value)  # before the transaction: a missing key writes nothing
    # One statement, decided by the name's primary key: of callers setting one name at once,
    # one inserts and the others update; the last to commit wins, with no duplicate row.
    statement = db.insert(models.secrets).values(name=name, value=token, created=now,
                                                 updated=now)
    statement = statement.on_conflict_do_update(
        index_elements=["name"], set_={"value": token, "updated": now}
    ).returning(models.secrets.c.name, models.secrets.c.created, models.secrets.c.updated)
    with db.write() as conn:
        row = conn.execute(statement).one()
    return SecretInfo(**row._asdict())


def list_secrets(db: Database) -> list[SecretInfo]:
    """Every stored secret by name, without values."""
    table = models.secrets
    with db.read() as conn:
        rows = conn.execute(select(table.c.name, table.c.created, table.c.updated)
                            .order_by(table.c.name))
        return [SecretInfo(**row._asdict()) for row in rows]


def read_secret(db: Database, box: SecretBox, name: str) -> str:
    """The value of the secret ``name``.

    Raises:
        NotFound: no secret has that name; the message says how to set it.
        Misconfigured: the server's key cannot decrypt it.
    """
    with db.read() as conn:
        token = conn.execute(select(models.secrets.c.value)
                             .where(models.secrets.c.name == name)).scalar()
    if token is None:
        raise NotFound(_missing(name))
    return box.decrypt(token, name)


def delete_secret(db: Database, name: str) -> None:
    """Forget the secret ``name``.

    Raises:
        NotFound: no secret has that name.
    """
    with db.write() as conn:
        gone = conn.execute(delete(models.secrets).where(models.secrets.c.name == name))
        if gone.rowcount == 0:
            raise NotFound(_missing(name))


def _missing(name: str) -> str:
    return (f"Secret '{name}' is not set on the server. Set it with "
            f"'caudal secrets set {name}' (an admin key is needed).")
