"""The database: one engine, read and write transactions, and every dialect switch.

SQLite is the embedded default: WAL so readers never wait for the writer, and every write
transaction starts with ``BEGIN IMMEDIATE`` behind one in-process lock, so concurrent requests
queue for the write lock instead of failing with "database is locked". PostgreSQL takes
concurrent writers natively; claims there use ``FOR UPDATE SKIP LOCKED``, and a write that
loses a deadlock or a serialization check is run again here (``retrying``), never handed to the
caller. ``is_unavailable`` tells a database that cannot be reached from any other failure.
"""

from __future__ import annotations

import contextlib
import logging
import operator
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import URL

from caudal.server.db.models import UTCDateTime, sqlite_text

__all__ = ["AFTER_COMMIT", "CommitOutcomeUnknown", "Database", "default_sqlite_url",
           "normalize_url"]

AFTER_COMMIT = "caudal_after_commit"
"""The key of ``Connection.info`` under which a transaction lists what to hand to
``Database.on_commit`` once it has committed."""

logger = logging.getLogger("caudal.server.db")

T = TypeVar("T")

WRITE_ATTEMPTS = 5
"""How many times a write transaction that lost a deadlock or serialization check is run."""

# PostgreSQL's SQLSTATEs for a transaction the server chose to abort so another could go on:
# running it again is the documented answer.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
# Class 08 (connection exception) and 57P0x (the server is shutting down or starting up).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P")


class CommitOutcomeUnknown(Exception):
    """The database connection failed during COMMIT: the change may or may not be stored."""


def default_sqlite_url(home_dir: str | Path) -> str:
    """The embedded database's URL: ``caudal.db`` in caudal's home folder."""
    return f"sqlite:///{Path(home_dir).expanduser() / 'caudal.db'}"


def normalize_url(url: str) -> URL:
    """Parse a database URL; ``postgresql://`` means the psycopg 3 driver.

    Raises:
        ValueError: the URL is not a SQLite or PostgreSQL URL.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise ValueError(f"Database URL '{url}' is not a valid URL: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(
            f"Database URL '{parsed.render_as_string(hide_password=True)}' is not supported; "
            "use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB.")
    return parsed


class Database:
    """The server's database.

    Args:
        url: a SQLite or PostgreSQL URL (see ``normalize_url``).
        echo: log every statement (debugging).

    Use ``read()`` for queries and ``write()`` for anything that changes rows; both yield a
    connection inside one transaction that commits when the block ends without error.
    """

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.on_commit: Callable[[list[Any]], None] | None = None
        """Called with what a transaction recorded under ``AFTER_COMMIT`` in its connection's
        ``info``, once it has committed (the app announces run changes this way)."""
        self._write_lock = threading.Lock()
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[str, list[str], Any]] = {}
        """SQLite: SQL compiled by ``execute_rows``, by statement and parameter keys."""
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 60}
        else:
            # A server that does not answer fails a request in seconds instead of hanging it.
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True, pool_timeout=10,
                          connect_args={"connect_timeout": 5})
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        else:
            event.listen(self.engine, "connect", _postgres_on_connect)

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for logs and ``/health``."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in a read transaction (SQLite: a deferred one, never blocked)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction that commits at the end of the block.

        Raises:
            CommitOutcomeUnknown: the connection failed while committing, so the changes may
                or may not have been written.
        """
        if not self.is_sqlite:
            with self.engine.connect() as conn:
                yield from self._transaction(conn)
            return
        # One writer at a time in this process; BEGIN IMMEDIATE takes the file's write lock
        # up front, so a transaction never fails half-way when it upgrades from read to write.
        with self._write_lock, self.engine.connect() as conn:
            yield from self._transaction(conn.execution_options(sqlite_begin="IMMEDIATE"))

    def _transaction(self, conn: Connection) -> Iterator[Connection]:
        transaction = conn.begin()
        conn.info.pop(AFTER_COMMIT, None)
        try:
            yield conn
        except BaseException:
            conn.info.pop(AFTER_COMMIT, None)
            # A connection that died cannot roll back either; the error to report is the first.
            with contextlib.suppress(Exception):
                transaction.rollback()
            raise
        recorded = conn.info.pop(AFTER_COMMIT, None)
        try:
            transaction.commit()
        except exc.DBAPIError as error:
            # Before the commit, a failure means nothing was written; during it, the database
            # may have committed and the answer been lost. Callers must know which.
            if self.is_retryable(error) or not self.is_unavailable(error):
                raise
            raise CommitOutcomeUnknown(
                "The connection to the database failed while the change was being "
                "committed; it may or may not have been written.") from error
        if recorded and self.on_commit is not None:
            self.on_commit(recorded)

    def retrying(self, job: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``job(*args, **kwargs)``, running it again when its transaction lost a deadlock
        or a serialization check (PostgreSQL), up to ``WRITE_ATTEMPTS`` times in all.

        ``job`` must own its transactions (a service function does), so that running it
        again starts from nothing. Any other error, or the last attempt's, propagates.
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return job(*args, **kwargs)
            except Exception as error:
                if attempt == WRITE_ATTEMPTS or not self.is_retryable(error):
                    raise
                logger.debug("%s lost to a concurrent transaction (%s); attempt %d of %d.",
                             getattr(job, "__name__", "write"), self._sqlstate(error),
                             attempt + 1, WRITE_ATTEMPTS)
                # The other transaction needs a moment to finish; jitter keeps two losers
                # from colliding again in step.
                time.sleep(random.uniform(0.005, 0.02) * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def is_retryable(self, error: BaseException) -> bool:
        """Whether ``error`` is a transaction aborted for a deadlock or a serialization
        failure, which is cured by running the transaction again."""
        return not self.is_sqlite and self._sqlstate(error) in _RETRYABLE_SQLSTATES

    def is_unavailable(self, error: BaseException) -> bool:
        """Whether ``error`` means the database cannot be reached or is not taking work right
        now (refused or lost connections, a restart, no free connection, SQLite busy), as
        opposed to a failure of the request itself.

        ``error`` may be SQLAlchemy's wrapper or the driver's own error (``COPY`` runs on the
        driver's cursor).
        """
        # The failure may arrive wrapped (SQLAlchemy's "roll back first" after the driver
        # lost the connection): what it was raised from decides.
        return any(self._is_unavailable_one(e) for e in _chain(error))

    def is_database_error(self, error: BaseException) -> bool:
        """Whether ``error`` (or what it was raised from) came from SQLAlchemy or the driver."""
        return any(isinstance(e, exc.SQLAlchemyError) or self._driver_error(e) is not None
                   for e in _chain(error))

    def is_down(self) -> bool:
        """Ask the database for ``SELECT 1``: whether it cannot be reached right now.

        For a failure that does not say what it is (a driver losing its connection in the
        middle of a statement fails in many ways): if the database is down, that is why.
        """
        try:
            with self.read() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as error:  # the answer is the point, not the error
            return self.is_unavailable(error)
        return False

    def _is_unavailable_one(self, error: BaseException) -> bool:
        if isinstance(error, exc.TimeoutError):  # no connection free in the pool
            return True
        if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
            return True
        orig = self._driver_error(error)
        if orig is None:
            return False
        dbapi = self.engine.dialect.loaded_dbapi
        if self.is_sqlite:
            text = str(orig).lower()
            return isinstance(orig, dbapi.OperationalError) and (
                "locked" in text or "busy" in text or "unable to open" in text)
        state = getattr(orig, "sqlstate", None)
        if state:
            return state.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES)
        # No SQLSTATE: the driver failed before the server answered (refused, reset).
        return isinstance(orig, dbapi.OperationalError | dbapi.InterfaceError)

    def _driver_error(self, error: BaseException) -> BaseException | None:
        """The driver's own exception behind ``error``, or None if it is not a database error."""
        if isinstance(error, exc.DBAPIError):
            return error.orig
        return error if isinstance(error, self.engine.dialect.loaded_dbapi.Error) else None

    def _sqlstate(self, error: BaseException) -> str | None:
        return getattr(self._driver_error(error), "sqlstate", None)

    @property
    def writer_threads(self) -> int:
        """How many threads may run write transactions at once: SQLite has one writer, so a
        few threads keep it busy; PostgreSQL takes as many as the pool can serve."""
        return 4 if self.is_sqlite else 16

    def insert(self, table: Any) -> Any:
        """The dialect's INSERT, which has ``on_conflict_do_nothing`` / ``_do_update``."""
        if self.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        return insert(table)

    def labels_within(self, column: Any, labels: list[str]) -> Any:
        """SQL that is true when every label in ``column`` (a JSON array) is in ``labels``.

        Claims filter on it in the query, so that an agent reads (and on PostgreSQL locks)
        only runs it can take, however many due runs other agents' labels hold.
        """
        if self.is_sqlite:
            from sqlalchemy import exists, func, literal, select

            each = func.json_each(column).table_valued("value")
            return ~exists(select(literal(1)).select_from(each)
                           .where(each.c.value.not_in(list(labels))))
        from sqlalchemy import cast, literal
        from sqlalchemy.dialects.postgresql import JSONB

        return cast(column, JSONB).contained_by(literal(list(labels), JSONB))

    def append_rows(self, conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
        """Append many rows to a table with no conflicts to resolve (log lines, histories).

        The fastest path each database has: ``COPY`` on PostgreSQL, and on SQLite one
        prepared INSERT run by the driver for every row, skipping SQLAlchemy's per-row
        parameter processing (datetimes are written as the text ``UTCDateTime`` stores).
        Every row must have the keys of the first.
        """
        if not rows:
            return
        columns = list(rows[0])
        if self.is_sqlite:
            placeholders = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
            conn.exec_driver_sql(sql, _sqlite_values(table, columns, rows))
            return
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])

    def execute_rows(self, conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
        """Run an INSERT (an upsert too) for many rows, every one with the keys of the first.

        On SQLite the statement is compiled once for those keys and the driver runs it for
        every row, skipping SQLAlchemy's per-row parameter processing (as ``append_rows``);
        keep ``statement`` (build it once), since its compiled SQL is kept by it. PostgreSQL
        takes the rows through SQLAlchemy, in batches of many rows per statement.
        """
        if not rows:
            return
        if not self.is_sqlite:
            conn.execute(statement, rows)
            return
        columns = tuple(rows[0])
        compiled = self._compiled.get((id(statement), columns))
        if compiled is None:
            done = statement.compile(dialect=conn.dialect, column_keys=list(columns))
            order = list(done.positiontup or ())
            if sorted(order) != sorted(columns):
                raise ValueError(f"The statement takes parameters {order}, not {columns}.")
            compiled = (str(done), order, statement)  # the statement kept: its id stays its own
            self._compiled[(id(statement), columns)] = compiled
        sql, order, table = compiled[0], compiled[1], compiled[2].table
        conn.exec_driver_sql(sql, _sqlite_values(table, order, rows))

    @property
    def skip_locked(self) -> dict[str, Any]:
        """``with_for_update`` arguments for claims: SKIP LOCKED on PostgreSQL, none on SQLite
        (where the write lock already serialises claims)."""
        return {} if self.is_sqlite else {"skip_locked": True}

    def dispose(self) -> None:
        self.engine.dispose()


def _chain(error: BaseException | None) -> list[BaseException]:
    """``error`` and what it was raised from or during, a few levels deep."""
    found: list[BaseException] = []
    while error is not None and len(found) < 5 and error not in found:
        found.append(error)
        error = error.__cause__ or error.__context__
    return found


def _sqlite_values(table: Any, columns: list[str], rows: list[dict[str, Any]]) -> list[Any]:
    """The rows as the SQLite driver takes them: values in ``columns`` order, the datetime
    columns' values as the text ``UTCDateTime`` stores (the other values go as they are)."""
    pick = operator.itemgetter(*columns)
    times = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, UTCDateTime)]
    if len(columns) == 1:
        return [(sqlite_text(pick(row)) if times else pick(row),) for row in rows]
    if not times:
        return [pick(row) for row in rows]
    values = []
    for row in rows:
        value = list(pick(row))
        for i in times:
            if value[i] is not None:
                value[i] = sqlite_text(value[i])
        values.append(tuple(value))
    return values


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so that writes can ask for IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
"""PostgreSQL ends a session of ours left idle inside a transaction this long. Only a
connection this server lost without PostgreSQL noticing (a network cut) does that, and its
locks would otherwise block the same rows, batch keys included, until TCP gives up."""


def _postgres_on_connect(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET idle_in_transaction_session_timeout = "
                       f"{IDLE_IN_TRANSACTION_TIMEOUT_MS}")
    dbapi_connection.commit()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())
